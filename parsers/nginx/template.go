package nginx

import (
	"bytes"

	"github.com/djleak/djleak/parsers/template"
)

// nginx configuration kept as a template (nginx.conf.j2, the official
// image's templates/*.template, ERB) is read through package template,
// which rewrites the template syntax in place; directives inside template
// conditionals are kept, whichever branch they are in, and are marked with
// the condition so that findings can say a template decides them instead
// of guessing.

// syntaxFor decides which template syntax to look for in a file, by name
// and content. Plain nginx files (and Kubernetes manifests, which Helm
// templates with the same {{ }}) are only searched for Jinja syntax when
// they contain "{%" or "{{" and no Lua (whose tables use "{{").
func syntaxFor(name string, content []byte) template.Syntax {
	if s, ok := template.ByName(name); ok {
		return s
	}
	if bytes.Contains(content, []byte("_by_lua")) {
		return template.Syntax{}
	}
	return template.Syntax{Jinja: bytes.Contains(content, []byte("{%")) || bytes.Contains(content, []byte("{{"))}
}

// neutralize returns content with template syntax replaced (see
// template.Neutralize).
func neutralize(name string, content []byte) *template.Result {
	return template.Neutralize(content, syntaxFor(name, content), atStatementStart)
}

// HasPlaceholder reports whether a directive argument holds template
// syntax ({{ }}, {% %}, <% %>, ##NAME##), whose value is decided when the
// template is rendered.
func HasPlaceholder(arg string) bool { return template.HasPlaceholder(arg) }

// atStatementStart reports whether offset i is the first text of its line
// and the previous line of configuration ended a statement (';', '{' or
// '}'), or there is none.
func atStatementStart(out []byte, i int) bool {
	ls := bytes.LastIndexByte(out[:i], '\n') + 1
	if len(bytes.TrimSpace(out[ls:i])) > 0 {
		return false
	}
	for end := ls - 1; end > 0; {
		s := bytes.LastIndexByte(out[:end], '\n') + 1
		line := out[s:end]
		if h := bytes.IndexByte(line, '#'); h >= 0 {
			line = line[:h]
		}
		line = bytes.TrimSpace(line)
		if len(line) > 0 {
			c := line[len(line)-1]
			return c == ';' || c == '{' || c == '}'
		}
		end = s - 1
	}
	return true
}
