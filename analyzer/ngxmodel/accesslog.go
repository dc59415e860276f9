package ngxmodel

import (
	"strings"

	"github.com/djleak/djleak/parsers/nginx"
)

// AccessLog is one access log nginx writes for requests handled in a scope.
type AccessLog struct {
	// Dir is the access_log directive; nil for nginx's default log, written
	// when no level sets access_log.
	Dir *nginx.Directive
	// Name is the format's name ("combined" when the directive names none).
	Name string
	// Format is the log_format directive; nil for the built-in combined
	// format, and for a name no log_format in the configuration defines.
	Format *nginx.Directive
}

// combinedVars are the variables of nginx's built-in combined format.
var combinedVars = []string{"remote_addr", "remote_user", "time_local", "request", "status",
	"body_bytes_sent", "http_referer", "http_user_agent"}

// QueryLogVars are the variables whose value contains the query string,
// with what they hold.
var QueryLogVars = map[string]string{
	"request":      "the request line, query string included",
	"request_uri":  "the original URI, query string included",
	"args":         "the query string",
	"query_string": "the query string",
}

// AccessLogs returns the access logs in effect for requests handled in
// scope s, following nginx's rules: access_log is inherited from the
// nearest level that has any; a level whose lines include `access_log off`
// writes none of them (nil); with no access_log anywhere nginx writes its
// default log in the combined format.
func (m *Model) AccessLogs(s *Scope) []AccessLog {
	ds, _ := s.Array("access_log")
	if len(ds) == 0 {
		return []AccessLog{{Name: "combined"}}
	}
	if LogsOff(ds) {
		return nil
	}
	root := s
	for root.Parent != nil {
		root = root.Parent
	}
	out := make([]AccessLog, 0, len(ds))
	for _, d := range ds {
		l := AccessLog{Dir: d, Name: AccessLogFormat(d)}
		if l.Name != "combined" {
			l.Format = m.formats[root][l.Name]
		}
		out = append(out, l)
	}
	return out
}

// LogsOff reports whether one level's access_log lines turn its logging
// off: nginx writes none of a level's logs when one of them is `off`.
func LogsOff(ds []*nginx.Directive) bool {
	for _, d := range ds {
		if d.Arg(0) == "off" {
			return true
		}
	}
	return false
}

// AccessLogFormat is the name of the format an access_log directive uses.
func AccessLogFormat(d *nginx.Directive) string {
	if len(d.Args) > 1 && !strings.Contains(d.Arg(1), "=") {
		return d.Arg(1)
	}
	return "combined"
}

// LogFormatVars lists the variables a log_format directive writes.
func LogFormatVars(f *nginx.Directive) []string {
	var parts []string
	for _, a := range f.Args[1:] {
		if !strings.HasPrefix(a, "escape=") {
			parts = append(parts, a)
		}
	}
	return VarNames(strings.Join(parts, " "))
}

// Known reports whether the log's format is known: built in, or defined
// in the configuration.
func (l AccessLog) Known() bool { return l.Name == "combined" || l.Format != nil }

// Vars lists the variables the log's format writes (nil when unknown).
func (l AccessLog) Vars() []string {
	switch {
	case l.Format != nil:
		return LogFormatVars(l.Format)
	case l.Name == "combined":
		return combinedVars
	}
	return nil
}

// QueryVar is the first variable of the log's format whose value holds
// the query string ($request, $request_uri, $args, $query_string), or "".
func (l AccessLog) QueryVar() string {
	for _, v := range l.Vars() {
		if QueryLogVars[v] != "" {
			return v
		}
	}
	return ""
}

// logFormats indexes the log_format directives of the configuration
// rooted at root by name (the first of a name, as nginx rejects a second).
func logFormats(root *Scope) map[string]*nginx.Directive {
	out := map[string]*nginx.Directive{}
	root.Walk(func(s *Scope) {
		for _, d := range s.Own("log_format") {
			if _, ok := out[d.Arg(0)]; !ok && len(d.Args) > 1 {
				out[d.Arg(0)] = d
			}
		}
	})
	return out
}

// Scopes are the scopes whose configuration a request passed by u may run
// under: u's own, and the `if` and `limit_except` blocks inside it that
// inherit its *_pass (a block with a *_pass of its own is an upstream
// itself). Each may have, e.g., its own access_log.
func (u *Upstream) Scopes() []*Scope {
	out := []*Scope{u.Scope}
	var walk func(s *Scope)
	walk = func(s *Scope) {
		for _, c := range s.Children {
			if c.Kind != "if" && c.Kind != "limit_except" || hasPass(c) {
				continue
			}
			out = append(out, c)
			walk(c)
		}
	}
	walk(u.Scope)
	return out
}

// hasPass reports whether scope s has a *_pass directive of its own.
func hasPass(s *Scope) bool {
	for _, d := range s.Directives {
		if _, ok := passDirectives[d.Name]; ok {
			return true
		}
	}
	return false
}
