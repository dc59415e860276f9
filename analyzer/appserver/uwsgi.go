package appserver

import (
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// UWSGIConfigs are uwsgi configuration files: `*.ini` with a `[uwsgi]`
// section, `*.yaml` / `*.yml` (not Compose files) with a top-level
// `uwsgi:` mapping, and `*.json` with a top-level "uwsgi" object.
var UWSGIConfigs = analyzer.RegisterLanguage(&analyzer.Language{Name: "uwsgi", Match: matchUWSGI, Parse: parseUWSGI})

func matchUWSGI(rel string, content func() []byte) bool {
	base := strings.ToLower(path.Base(rel))
	switch {
	case strings.HasSuffix(base, ".ini"):
		c := content()
		return c != nil && bytes.Contains(c, []byte("[uwsgi]"))
	case (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) && !deploy.IsComposeFile(base):
		c := content()
		return c != nil && (bytes.HasPrefix(c, []byte("uwsgi:")) || bytes.Contains(c, []byte("\nuwsgi:")))
	case strings.HasSuffix(base, ".json"):
		c := content()
		if c == nil || !bytes.Contains(c, []byte(`"uwsgi"`)) {
			return false
		}
		_, found := jsonEntries(source.NewFile(rel, c), "uwsgi")
		return found
	}
	return false
}

// uwsgiListeners are the options that open a listener: "bind" for HTTP
// (the http router, http-socket and its variants), "socket" for the uwsgi
// protocol.
var uwsgiListeners = map[string]string{
	"http": "bind", "http-socket": "bind", "https": "bind", "https-socket": "bind", "http11-socket": "bind",
	"socket": "socket", "uwsgi-socket": "socket",
}

// uwsgiAddr normalises a uwsgi address: a path is a unix socket.
func uwsgiAddr(a string) string {
	if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "@") || strings.HasSuffix(a, ".sock") {
		return "unix:" + a
	}
	return a
}

// parseUWSGI records a uwsgi configuration file; its options are resolved
// with the project's other files (resolveUWSGI).
func parseUWSGI(f *source.File) any {
	return &Server{Kind: UWSGI, At: f.Span(0, 0), uwsgiFile: f}
}

// uwsgiFlagOnly are uwsgi command-line options that take no value (the
// others take the next word when it does not start with '-').
var uwsgiFlagOnly = map[string]bool{
	"master": true, "enable-threads": true, "vacuum": true, "die-on-term": true, "lazy-apps": true, "lazy": true,
	"need-app": true, "strict": true, "show-config": true, "thunder-lock": true, "single-interpreter": true,
	"no-orphans": true, "disable-logging": true, "log-master": true, "honour-stdin": true, "auto-procname": true,
	"memory-report": true, "harakiri-verbose": true, "catch-exceptions": true, "no-default-app": true,
	"manage-script-name": true, "cheap": true, "reuse-port": true, "ignore-sigpipe": true, "ignore-write-errors": true,
	"disable-write-exception": true, "logdate": true, "log-x-forwarded-for": true, "http-auto-chunked": true,
	"M": true, "T": true, "L": true,
}

// uwsgiShort are uwsgi's one-letter options.
var uwsgiShort = map[string]string{
	"s": "socket", "w": "module", "M": "master", "p": "processes", "H": "home", "b": "buffer-size",
	"t": "harakiri", "L": "disable-logging", "T": "enable-threads", "d": "daemonize", "C": "chmod-socket",
}

// uwsgiFlags reads a uwsgi command line's options, in order: `--name
// value`, `--name=value`, flags (`--master`, given as "true") and bare
// configuration files (loaded by their extension).
func uwsgiFlags(s *Server, args []string, at source.Location) {
	for i := 0; i < len(args); i++ {
		w := args[i]
		if !strings.HasPrefix(w, "-") {
			file, _ := splitSection(w)
			if f := formatOf(file); f != "" {
				s.uwsgiArgs = append(s.uwsgiArgs, uwsgiArg{f, w, at, true})
				if s.Config == "" {
					s.Config = file
				}
			}
			continue
		}
		name, val, hasVal := strings.Cut(w, "=")
		flag := uwsgiFlagOnly[strings.TrimLeft(name, "-")]
		key := strings.TrimPrefix(strings.TrimPrefix(name, "-"), "-")
		if long, ok := uwsgiShort[key]; ok && !strings.HasPrefix(name, "--") {
			key = long
		}
		if flag && !hasVal {
			val = "true"
		} else if !hasVal {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				val = args[i]
			} else {
				val = "true"
			}
		}
		s.uwsgiArgs = append(s.uwsgiArgs, uwsgiArg{Key: key, Value: val, At: at})
		if _, ok := uwsgiIncludes[key]; ok && key != "inherit" && s.Config == "" {
			s.Config, _ = splitSection(val)
		}
	}
}

// uwsgiEnvironment records the environment a uwsgi command starts with,
// sorted by name (a file's environment has no order djleak keeps).
func uwsgiEnvironment(s *Server, env map[string]Setting) {
	have := map[string]int{}
	for i, kv := range s.uwsgiEnv {
		have[kv[0]] = i
	}
	for k, v := range env {
		if i, ok := have[k]; ok {
			s.uwsgiEnv[i][1] = v.Value
			continue
		}
		s.uwsgiEnv = append(s.uwsgiEnv, [2]string{k, v.Value})
	}
	sort.Slice(s.uwsgiEnv, func(i, j int) bool { return s.uwsgiEnv[i][0] < s.uwsgiEnv[j][0] })
}

// resolveUWSGI resolves the configuration of every uwsgi server: a command
// line with the files it loads, or a configuration file of its own. It
// returns the servers without the files another server's configuration
// loads.
func resolveUWSGI(servers []*Server, read func(rel string) []byte) []*Server {
	loaded := map[*Server]map[string]bool{}
	for _, s := range servers {
		if s.Kind != UWSGI {
			continue
		}
		ld := &uwsgiLoader{read: read, env: s.uwsgiEnv}
		if s.uwsgiLinked != "" {
			ld.alias = map[string]string{s.Config: s.uwsgiLinked}
		}
		args := s.uwsgiArgs
		if s.uwsgiFile != nil {
			args = []uwsgiArg{{Key: formatOf(s.uwsgiFile.Path), Value: s.uwsgiFile.Path, At: s.At}}
		}
		s.UWSGI = ld.resolve(args, s.At)
		s.applyUWSGI()
		loaded[s] = ld.loaded
	}
	var out []*Server
	for _, s := range servers {
		if s.uwsgiFile != nil && includedElsewhere(s, loaded) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// includedElsewhere reports whether another server's configuration loads
// the file of s, and s does not load that server's own file back.
func includedElsewhere(s *Server, loaded map[*Server]map[string]bool) bool {
	for o, files := range loaded {
		if o == s || !files[s.uwsgiFile.Path] {
			continue
		}
		if o.uwsgiFile != nil && loaded[s][o.uwsgiFile.Path] {
			continue
		}
		return true
	}
	return false
}

// applyUWSGI sets the server's listeners and routes from its resolved
// options.
func (s *Server) applyUWSGI() {
	s.Binds, s.Sockets, s.Routes = nil, nil, nil
	for _, o := range s.UWSGI.Options {
		val := strings.TrimSpace(o.Value)
		switch uwsgiListeners[o.Key] {
		case "bind":
			addr, _, _ := strings.Cut(val, ",") // https = addr,cert,key
			s.Binds = append(s.Binds, Setting{uwsgiAddr(addr), o.At})
		case "socket":
			s.Sockets = append(s.Sockets, Setting{uwsgiAddr(val), o.At})
		}
		if r, ok := parseRoute(o); ok {
			s.Routes = append(s.Routes, r)
		}
	}
}
