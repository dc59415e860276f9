// Package appserver is djleak's model of the app servers behind the front
// end — gunicorn, uvicorn, daphne, uwsgi — as a project's files run them:
// gunicorn configuration modules (gunicorn.conf.py and friends) and the
// command lines of Procfiles, Dockerfiles and systemd units. It records
// where each server listens and whom it trusts with X-Forwarded-* headers.
//
// What the model knows of gunicorn 20.1 (checked against the real gunicorn
// by this package's tests):
//   - `forwarded_allow_ips` defaults to 127.0.0.1: X-Forwarded-Proto from
//     any other address does not change wsgi.url_scheme; with `*` it does,
//     from every address;
//   - a header spelled with underscores (X_Client_DN) is joined to the one
//     spelled with dashes into the same HTTP_X_CLIENT_DN key, after a comma.
package appserver

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Server is one app server invocation or configuration.
type Server struct {
	Kind string // gunicorn, uvicorn, daphne, uwsgi
	// At is the command line or configuration module.
	At source.Location
	// Binds are the addresses it listens on, as written ("0.0.0.0:8000").
	Binds []Setting
	// ForwardedAllowIPs is the forwarded_allow_ips / --forwarded-allow-ips
	// value; nil when not set (the server's default).
	ForwardedAllowIPs *Setting
	// ProxyHeaders is set for uvicorn / daphne --proxy-headers.
	ProxyHeaders *Setting
}

// Setting is one value with where it is written.
type Setting struct {
	Value string
	At    source.Location
}

// Public reports whether the address listens on every interface.
func Public(addr string) bool {
	a := strings.TrimPrefix(addr, "tcp://")
	return strings.HasPrefix(a, "0.0.0.0") || strings.HasPrefix(a, "[::]") || strings.HasPrefix(a, ":") || strings.HasPrefix(a, "*:")
}

// Commands are the files whose command lines start app servers.
var Commands = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "app-server-command",
	Match: matchCommands,
	Parse: func(f *source.File) any { return f },
})

var serverWord = regexp.MustCompile(`\b(gunicorn|uvicorn|daphne)\b`)

func matchCommands(rel string, content func() []byte) bool {
	base := path.Base(rel)
	l := strings.ToLower(base)
	if !(base == "Procfile" || strings.HasPrefix(base, "Procfile.") || l == "dockerfile" || strings.HasPrefix(l, "dockerfile.") ||
		strings.HasSuffix(l, ".dockerfile") || l == "containerfile" || strings.HasSuffix(l, ".service")) {
		return false
	}
	c := content()
	return c != nil && serverWord.Match(c)
}

// Pass collects every app server of the project (a project fact).
var Pass = &analyzer.Pass[[]*Server]{Name: "appserver", Run: collect, Requires: []analyzer.Requirement{analyzer.PythonModules}}

func collect(p *analyzer.Project) []*Server {
	var out []*Server
	for _, m := range p.Python {
		if isGunicornConfig(m.File.Path) {
			out = append(out, fromConfig(m))
		}
	}
	for _, c := range p.Configs(Commands) {
		out = append(out, fromCommands(c.File)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Less(out[j].At) })
	return out
}

func isGunicornConfig(p string) bool {
	b := strings.ToLower(path.Base(p))
	return strings.HasSuffix(b, ".py") && strings.Contains(b, "gunicorn") && !strings.HasPrefix(b, "test")
}

// fromConfig reads a gunicorn configuration module's settings.
func fromConfig(m *python.Module) *Server {
	s := &Server{Kind: "gunicorn", At: m.File.Span(0, 0)}
	for _, a := range m.Assigns {
		v, ok := a.Value.Const()
		if !ok {
			continue
		}
		var vals []string
		switch v.Kind {
		case python.Str:
			vals = []string{v.Str}
		case python.List, python.Tuple:
			for _, e := range v.Elems {
				if e.Kind == python.Str {
					vals = append(vals, e.Str)
				}
			}
		}
		switch a.Target {
		case "bind":
			for _, b := range vals {
				s.Binds = append(s.Binds, Setting{b, a.Loc})
			}
		case "forwarded_allow_ips":
			s.ForwardedAllowIPs = &Setting{strings.Join(vals, ","), a.Loc}
		}
	}
	return s
}

// fromCommands finds app server command lines in a file.
func fromCommands(f *source.File) []*Server {
	var out []*Server
	for ln := 1; ln <= f.LineCount(); ln++ {
		line := f.Line(ln)
		loc := serverWord.FindStringIndex(line)
		if loc == nil || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		start := f.LineStart(ln)
		at := f.Span(start+loc[0], start+len(line))
		s := &Server{Kind: line[loc[0]:loc[1]], At: at}
		words := shellWords(line[loc[1]:])
		host, port := "", ""
		for i := 0; i < len(words); i++ {
			w := words[i]
			name, val, hasVal := strings.Cut(w, "=")
			next := func() string {
				if hasVal {
					return val
				}
				if i+1 < len(words) {
					i++
					return words[i]
				}
				return ""
			}
			switch name {
			case "-b", "--bind":
				if s.Kind == "daphne" {
					host = next()
				} else {
					s.Binds = append(s.Binds, Setting{next(), at})
				}
			case "--host":
				host = next()
			case "-p", "--port":
				port = next()
			case "--forwarded-allow-ips":
				s.ForwardedAllowIPs = &Setting{next(), at}
			case "--proxy-headers":
				s.ProxyHeaders = &Setting{"on", at}
			}
		}
		if host != "" {
			if port == "" {
				port = "8000"
			}
			s.Binds = append(s.Binds, Setting{host + ":" + port, at})
		}
		out = append(out, s)
	}
	return out
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
