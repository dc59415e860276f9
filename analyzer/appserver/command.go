package appserver

import (
	"path"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// Commands are the files whose command lines start app servers.
var Commands = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "app-server-command",
	Match: matchCommands,
	Parse: func(f *source.File) any { return f },
})

// serverWord finds an app server's name, including the names Debian's
// packages install it under (gunicorn3; uwsgi-core, uwsgi_python3,
// uwsgi_python311).
var serverWord = regexp.MustCompile(`\b(gunicorn3?|uvicorn|daphne|uwsgi(?:-core|_python3\d*)?)\b`)

// serverKind is the app server an executable (a path or a bare name)
// starts, or "".
func serverKind(word string) string {
	if k, v, ok := strings.Cut(word, "="); ok && strings.HasPrefix(k, "Exec") {
		word = strings.TrimLeft(v, "-@:+!") // systemd's ExecStart=-/usr/bin/…
	}
	b := path.Base(word)
	switch {
	case b == Gunicorn || b == "gunicorn3":
		return Gunicorn
	case b == Uvicorn, b == Daphne:
		return b
	case b == UWSGI || b == "uwsgi-core" || strings.HasPrefix(b, "uwsgi_python3") && strings.Trim(b[len("uwsgi_python3"):], "0123456789") == "":
		return UWSGI
	}
	return ""
}

// commandLine reports whether a line of a command file can start a
// server: any line of a Procfile, a systemd unit's Exec…= lines, a
// Dockerfile's RUN, CMD and ENTRYPOINT (a Description= or LABEL that names
// the server starts nothing).
func commandLine(rel, line string) bool {
	switch {
	case isDockerfile(rel):
		word, _, _ := strings.Cut(line, " ")
		switch strings.ToUpper(word) {
		case "RUN", "CMD", "ENTRYPOINT":
			return true
		}
		return false
	case strings.HasSuffix(strings.ToLower(path.Base(rel)), ".service"):
		return strings.HasPrefix(line, "Exec")
	}
	return true
}

// installLine is a package installation, not a server start.
var installLine = regexp.MustCompile(`\b(pip3?|apt-get|apt|apk|poetry|pipenv|uv|conda|dnf|yum)\b[^\n]*\b(install|add)\b`)

func matchCommands(rel string, content func() []byte) bool {
	base := path.Base(rel)
	if !(base == "Procfile" || strings.HasPrefix(base, "Procfile.") || isDockerfile(rel) || strings.HasSuffix(strings.ToLower(base), ".service")) {
		return false
	}
	c := content()
	return c != nil && serverWord.Match(c)
}

// isDockerfile reports whether a command file is a Dockerfile.
func isDockerfile(rel string) bool {
	l := strings.ToLower(path.Base(rel))
	return l == "dockerfile" || strings.HasPrefix(l, "dockerfile.") || strings.HasSuffix(l, ".dockerfile") || l == "containerfile"
}

// fromCommands finds app server command lines in a file. A line ending in
// a backslash continues on the next one. The file's environment (a
// Dockerfile's ENV, a systemd unit's Environment=) applies to each.
func fromCommands(f *source.File) []*Server {
	var out []*Server
	env := map[string]Setting{}
	for ln := 1; ln <= f.LineCount(); ln++ {
		first := ln
		line := f.Line(ln)
		for strings.HasSuffix(strings.TrimRight(line, " \t\r"), `\`) && ln < f.LineCount() {
			ln++
			line = strings.TrimSuffix(strings.TrimRight(line, " \t\r"), `\`) + " " + f.Line(ln)
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		lineAt := f.Span(f.LineStart(first), f.LineStart(ln)+len(f.Line(ln)))
		fileEnv(trimmed, lineAt, env)
		loc := serverWord.FindStringIndex(line)
		if loc == nil || installLine.MatchString(line) || !commandLine(f.Path, trimmed) {
			continue
		}
		start := f.LineStart(first)
		at := f.Span(start+loc[0], f.LineStart(ln)+len(f.Line(ln)))
		if s := parseCommand(shellWords(line), at, env); s != nil {
			out = append(out, s)
		}
	}
	// ENV after the CMD still applies to the container's command.
	for _, s := range out {
		applyEnv(s, env)
	}
	return out
}

// fileEnv records the environment variables a Dockerfile ENV or a systemd
// Environment= line sets.
func fileEnv(line string, at source.Location, env map[string]Setting) {
	var rest string
	switch {
	case strings.HasPrefix(line, "ENV "):
		rest = strings.TrimPrefix(line, "ENV ")
		if fs := strings.Fields(rest); len(fs) > 0 && !strings.Contains(fs[0], "=") { // ENV NAME value
			if len(fs) >= 2 {
				env[fs[0]] = Setting{strings.Join(quotedWords(strings.Join(fs[1:], " ")), " "), at}
			}
			return
		}
	case strings.HasPrefix(line, "Environment="):
		rest = strings.TrimPrefix(line, "Environment=")
	default:
		return
	}
	for _, w := range quotedWords(rest) {
		if k, v, ok := strings.Cut(w, "="); ok {
			env[k] = Setting{v, at}
		}
	}
}

// quotedWords splits a line at unquoted blanks, as the shell, Docker's ENV
// and systemd's Environment= do: "A=b c" and A="b c" are one word, A=b c.
func quotedWords(s string) []string {
	var out []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case quote != '\'' && c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case quote == 0 && (c == ' ' || c == '\t'):
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

// applyEnv gives a server what the environment it starts with sets, where
// its flags do not: gunicorn's GUNICORN_CMD_ARGS (flags that beat the
// configuration file), uvicorn's UVICORN_* options, and FORWARDED_ALLOW_IPS
// (the default of gunicorn's and uvicorn's forwarded_allow_ips).
func applyEnv(s *Server, env map[string]Setting) {
	if len(env) == 0 {
		return
	}
	setting := func(name string) *Setting {
		if v, ok := env[name]; ok {
			return &v
		}
		return nil
	}
	switch s.Kind {
	case Gunicorn:
		if v := setting("GUNICORN_CMD_ARGS"); v != nil {
			e := &Server{Kind: Gunicorn}
			flags(e, shellWords(v.Value), v.At)
			s.fillFrom(e)
		}
	case Uvicorn:
		if s.ForwardedAllowIPs == nil {
			s.ForwardedAllowIPs = setting("UVICORN_FORWARDED_ALLOW_IPS")
		}
		if v := setting("UVICORN_PROXY_HEADERS"); v != nil && s.ProxyHeaders == nil {
			on := "off"
			switch strings.ToLower(v.Value) {
			case "1", "true", "t", "yes", "y", "on":
				on = "on"
			}
			s.ProxyHeaders = &Setting{on, v.At}
		}
		if len(s.Binds) == 0 {
			if v := setting("UVICORN_UDS"); v != nil {
				s.Binds = []Setting{{"unix:" + v.Value, v.At}}
			} else if h, p := setting("UVICORN_HOST"), setting("UVICORN_PORT"); h != nil || p != nil {
				host, port, at := "127.0.0.1", "8000", source.Location{}
				if h != nil {
					host, at = h.Value, h.At
				}
				if p != nil {
					port, at = p.Value, p.At
				}
				s.Binds = []Setting{{joinHostPort(host, port), at}}
			}
		}
	case UWSGI:
		uwsgiEnvironment(s, env)
		return
	default:
		return
	}
	if s.ForwardedAllowIPs == nil {
		s.ForwardedAllowIPs = setting("FORWARDED_ALLOW_IPS")
	}
}

// parseCommand reads one command line's words: the words before the
// server's name may set environment variables (`FORWARDED_ALLOW_IPS=*
// uvicorn …`), the words after it are its flags, up to a shell operator.
// It returns nil when no word runs an app server.
func parseCommand(words []string, at source.Location, env map[string]Setting) *Server {
	idx, kind := -1, ""
	local := map[string]Setting{}
	for k, v := range env {
		local[k] = v
	}
	for i, w := range words {
		if k := serverKind(w); k != "" {
			idx, kind = i, k
			break
		}
		if k, v, ok := strings.Cut(w, "="); ok && isEnvName(k) {
			local[k] = Setting{v, at}
		}
		if isShellOperator(w) {
			local = map[string]Setting{}
			for k, v := range env {
				local[k] = v
			}
		}
	}
	if idx < 0 {
		return nil
	}
	args := words[idx+1:]
	for i, w := range args {
		if isShellOperator(w) {
			args = args[:i]
			break
		}
	}
	s := &Server{Kind: kind, At: at}
	flags(s, args, at)
	applyEnv(s, local)
	return s
}

func isShellOperator(w string) bool {
	return w == "&&" || w == "||" || w == ";" || w == "|" || w == "&"
}

func isEnvName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// flags reads a server's command-line flags.
func flags(s *Server, args []string, at source.Location) {
	if s.Kind == UWSGI {
		uwsgiFlags(s, args, at)
		return
	}
	host, port := "", ""
	for i := 0; i < len(args); i++ {
		w := args[i]
		name, val, hasVal := strings.Cut(w, "=")
		next := func() string {
			if hasVal {
				return val
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch s.Kind {
		case Gunicorn:
			switch name {
			case "-b", "--bind":
				s.Binds = append(s.Binds, Setting{next(), at})
			case "--forwarded-allow-ips":
				s.ForwardedAllowIPs = &Setting{next(), at}
			case "--header-map":
				s.HeaderMap = &Setting{strings.ToLower(next()), at}
			case "-c", "--config":
				s.Config = next()
			}
		case Uvicorn:
			switch name {
			case "--host":
				host = next()
			case "--port":
				port = next()
			case "--uds":
				s.Binds = append(s.Binds, Setting{"unix:" + next(), at})
			case "--forwarded-allow-ips":
				s.ForwardedAllowIPs = &Setting{next(), at}
			case "--proxy-headers":
				s.ProxyHeaders = &Setting{"on", at}
			case "--no-proxy-headers":
				s.ProxyHeaders = &Setting{"off", at}
			}
		case Daphne:
			switch name {
			case "-b", "--bind":
				host = next()
			case "-p", "--port":
				port = next()
			case "-u", "--unix-socket":
				s.Binds = append(s.Binds, Setting{"unix:" + next(), at})
			case "-e", "--endpoint":
				if b := daphneEndpoint(next()); b != "" {
					s.Binds = append(s.Binds, Setting{b, at})
				}
			case "--proxy-headers":
				s.ProxyHeaders = &Setting{"on", at}
			case "--proxy-headers-host":
				s.AddressHeader = &Setting{next(), at}
			}
		}
	}
	switch s.Kind {
	case Uvicorn, Daphne:
		if host != "" || port != "" {
			if host == "" {
				host = "127.0.0.1"
			}
			if port == "" {
				port = "8000"
			}
			s.Binds = append(s.Binds, Setting{joinHostPort(host, port), at})
		}
	}
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

// daphneEndpoint reads a Twisted endpoint string (tcp:port=8000:interface=0.0.0.0,
// unix:/run/app.sock) as an address.
func daphneEndpoint(e string) string {
	parts := strings.Split(e, ":")
	switch parts[0] {
	case "unix":
		if len(parts) > 1 {
			return "unix:" + strings.TrimPrefix(parts[1], "path=")
		}
	case "tcp", "ssl":
		host, port := "0.0.0.0", ""
		for _, p := range parts[1:] {
			k, v, ok := strings.Cut(p, "=")
			switch {
			case !ok && port == "":
				port = k
			case k == "port":
				port = v
			case k == "interface":
				host = v
			}
		}
		if port != "" {
			return joinHostPort(host, port)
		}
	}
	return ""
}

// shellWords splits a command line loosely: shell and JSON (exec-form
// CMD) quoting and punctuation are dropped.
func shellWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, `"',[]`)
		w = strings.ReplaceAll(strings.ReplaceAll(w, `"`, ""), "'", "")
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}
