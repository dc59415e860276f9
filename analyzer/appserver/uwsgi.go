package appserver

import (
	"bytes"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// UWSGIConfigs are uwsgi configuration files: `*.ini` with a `[uwsgi]`
// section, and `*.yaml` / `*.yml` (not Compose files) with a top-level
// `uwsgi:` mapping.
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

// uwsgiOption applies one uwsgi option (name with dashes) to the server.
func uwsgiOption(s *Server, key, val string, at source.Location) {
	val = strings.TrimSpace(val)
	switch uwsgiListeners[key] {
	case "bind":
		addr, _, _ := strings.Cut(val, ",") // https = addr,cert,key
		s.Binds = append(s.Binds, Setting{uwsgiAddr(addr), at})
	case "socket":
		s.Sockets = append(s.Sockets, Setting{uwsgiAddr(val), at})
	}
}

// uwsgiAddr normalises a uwsgi address: a path is a unix socket.
func uwsgiAddr(a string) string {
	if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "@") || strings.HasSuffix(a, ".sock") {
		return "unix:" + a
	}
	return a
}

// parseUWSGI reads a uwsgi configuration file's [uwsgi] section (ini) or
// uwsgi: mapping (yaml).
func parseUWSGI(f *source.File) any {
	s := &Server{Kind: UWSGI, At: f.Span(0, 0)}
	if strings.HasSuffix(strings.ToLower(f.Path), ".ini") {
		in := false
		for ln := 1; ln <= f.LineCount(); ln++ {
			line := strings.TrimSpace(f.Line(ln))
			switch {
			case line == "" || line[0] == '#' || line[0] == ';':
			case line[0] == '[':
				in = strings.HasPrefix(line, "[uwsgi]")
			case in:
				k, v, ok := strings.Cut(line, "=")
				if ok {
					uwsgiOption(s, strings.TrimSpace(k), v, f.LineSpan(ln))
				}
			}
		}
		return s
	}
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(f.Content)).Decode(&doc) != nil || len(doc.Content) == 0 {
		return s
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return s
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "uwsgi" || top.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		m := top.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			key := m.Content[j].Value
			v := m.Content[j+1]
			vals := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				vals = v.Content
			}
			for _, x := range vals {
				if x.Kind == yaml.ScalarNode {
					uwsgiOption(s, key, x.Value, f.LineSpan(x.Line))
				}
			}
		}
	}
	return s
}
