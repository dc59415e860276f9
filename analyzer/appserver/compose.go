package appserver

import (
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// fromCompose returns the app servers that Compose services start with
// their `entrypoint:` and `command:`, and gives the servers that the
// project's Dockerfiles start the Compose service built from them (one
// that does not override the command), so that the service's published
// ports decide who reaches them. A Compose file that is not valid YAML is
// left to the deployment reader, which reports it.
func fromCompose(p *analyzer.Project, dockerfileServers []*Server) []*Server {
	var out []*Server
	for _, pf := range p.Files {
		if pf.Kind != analyzer.KindCompose {
			continue
		}
		f := p.File(pf.Path)
		if f == nil {
			continue
		}
		cf, err := deploy.Parse(f.Path, f.Content)
		if err != nil {
			continue
		}
		for _, svc := range cf.Services {
			c := &Container{File: f.Path, Name: "Compose service " + svc.Name}
			for _, pt := range svc.Ports {
				if pt.HostIP == "" || pt.HostIP == "0.0.0.0" || pt.HostIP == "::" {
					c.Published = append(c.Published, Port{Container: pt.Target, At: lineSpan(f, pt.Line),
						Via: "published on every host interface by " + c.Name})
				}
			}
			env := map[string]Setting{}
			for k, v := range svc.Environment {
				env[k] = Setting{v.Value, lineSpan(f, v.Line)}
			}
			words := append(append([]string(nil), svc.Entrypoint...), svc.Command...)
			line := svc.CommandLine
			if line == 0 {
				line = svc.EntrypointLine
			}
			if line > 0 {
				if s := parseCommand(shellWords(strings.Join(words, " ")), lineSpan(f, line), env); s != nil {
					s.Container = c
					out = append(out, s)
				}
				continue
			}
			if svc.Dockerfile == "" {
				continue
			}
			for _, s := range dockerfileServers {
				if s.At.Path == svc.Dockerfile && s.Container == nil {
					s.Container = c
					applyEnv(s, env)
				}
			}
		}
	}
	return out
}

// lineSpan is a line's text without its leading indentation.
func lineSpan(f *source.File, line int) source.Location {
	text := f.Line(line)
	start := f.LineStart(line) + len(text) - len(strings.TrimLeft(text, " \t-"))
	return f.Span(start, f.LineStart(line)+len(strings.TrimRight(text, " \t\r")))
}
