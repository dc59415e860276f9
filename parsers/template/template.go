// Package template neutralizes the template syntax that deployment tools
// leave in server configuration files (Jinja, ERB, envsubst, sed
// placeholders): it rewrites it into plain text of the same length, so that
// a configuration parser reads the file and every directive keeps the
// offsets, lines and columns it has in the original. The nginx, HAProxy
// and Caddy parsers share it.
package template

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
)

// Many deployments keep server configuration as templates that a tool
// fills in before the server reads them: the official nginx image runs
// envsubst on /etc/nginx/templates, Ansible and Salt render Jinja
// (nginx.conf.j2, haproxy.cfg.j2), Chef and Puppet render ERB, and build
// scripts replace ##NAME## or @NAME@ with sed. Neutralize rewrites the
// template syntax into text the server's grammar accepts, byte for byte in
// place, so every directive keeps the offsets, lines and columns it has in
// the original file.
//
//   - envsubst ${VAR} and @NAME@ are already single words and are left as
//     they are.
//   - Jinja {{ expr }} and ERB <%= expr %> become a word of the same length
//     when they stand where a value goes, and white space when they stand
//     where a directive starts (a placeholder for a whole line of
//     configuration).
//   - Jinja {% stmt %} and {# comment #}, and ERB <% code %> (also <%- -%>)
//     and <%# %>, become white space.
//   - ##NAME## (which nginx would read as a comment) becomes a word.
//
// Directives inside template conditionals ({% if %}, {% elif %}, {% else %},
// ERB if/unless/elsif/else) are kept, whichever branch they are in, and are
// marked with the condition so that findings can say a template decides
// them instead of guessing.
//
// Keeping every branch fails when the branches are alternatives that each
// open a block of their own, closed once after the conditional:
//
//	{% if ssl %}<VirtualHost *:443>
//	    SSLEngine on
//	{% else %}<VirtualHost *:80>
//	{% endif %}
//	    ServerName example.org
//	</VirtualHost>
//
// No rendering of that template is unbalanced, but the text with both
// branches is. The parsers then read the template as the rendering that
// takes the first branch of every conditional (Result.FirstBranches), when
// that one parses, and say which branches they left out (Result.LeftOut).

// Range is a byte range of a template under one chain of conditionals.
type Range struct {
	Start, End int
	Text       string // e.g. "`{% if verify %}`", conditions outermost first joined by " and "
}

// Syntax selects the template languages Neutralize looks for.
type Syntax struct {
	Jinja bool // {{ }}, {% %}, {# #}
	ERB   bool // <%= %>, <% %>, <%# %>
}

// Exts are file name suffixes of templates.
var Exts = []string{".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".erb", ".in"}

// ByName decides the template syntax of a file from its name: ERB for
// .erb, Jinja for the other template suffixes; ok is false for a name
// without one.
func ByName(name string) (s Syntax, ok bool) {
	if strings.HasSuffix(name, ".erb") {
		return Syntax{ERB: true}, true
	}
	for _, ext := range Exts {
		if strings.HasSuffix(name, ext) {
			return Syntax{Jinja: true}, true
		}
	}
	return Syntax{}, false
}

// sedPlaceholder is a ##NAME## placeholder.
var sedPlaceholder = regexp.MustCompile(`##[A-Za-z_][A-Za-z0-9_]*##`)

// condFrame is one open template block.
type condFrame struct {
	cond  bool   // an if/unless (else a for, do, block, …)
	text  string // the condition as written, quoted: "`{% if verify %}`"
	first string // the opening if, for "{% else %} of {% if … %}"
	start int    // where the current branch starts
	alt   int    // where the current branch's tag starts when it is an elif or else, else -1
}

// Result is a template with its syntax replaced.
type Result struct {
	Content []byte  // same length as the original
	Conds   []Range // ranges under template conditionals
	// Alternates are the elif and else branches (tags included), each
	// with its condition ("`{% else %}` of `{% if ssl %}`"), in the order
	// they start; one may lie inside another.
	Alternates []Range
	// LeftOut are the outermost alternates that the parse left out, when
	// it read the template as its first-branch rendering (see Reread).
	LeftOut []Range
	// words maps each word that replaced a placeholder back to the
	// placeholder's text, for directive arguments; order lists the words
	// longest first, so that no word is replaced inside a longer one.
	words map[string]string
	order []string
}

// Restore puts the placeholders' text back into a directive argument.
func (n *Result) Restore(arg string) string {
	if len(n.words) == 0 || !strings.Contains(arg, "T") {
		return arg
	}
	if n.order == nil {
		for w := range n.words {
			n.order = append(n.order, w)
		}
		sort.Slice(n.order, func(i, j int) bool {
			a, b := n.order[i], n.order[j]
			return len(a) > len(b) || len(a) == len(b) && a < b
		})
	}
	for _, w := range n.order {
		if strings.Contains(arg, w) {
			arg = strings.ReplaceAll(arg, w, n.words[w])
		}
	}
	return arg
}

// HasPlaceholder reports whether a directive argument holds template
// syntax ({{ }}, {% %}, <% %>, ##NAME##), whose value is decided when the
// template is rendered.
func HasPlaceholder(arg string) bool {
	return strings.Contains(arg, "{{") || strings.Contains(arg, "{%") || strings.Contains(arg, "<%") ||
		sedPlaceholder.MatchString(arg)
}

// Neutralize returns content with template syntax replaced (same
// length), the ranges under template conditionals, and the words that
// replaced placeholders. The content is the original when there is nothing
// to replace. atStatementStart reports, in the server's grammar, whether
// offset i of the text being rewritten starts a directive: a placeholder
// there stands for whole lines of configuration and becomes white space,
// one elsewhere a word.
func Neutralize(content []byte, syn Syntax, atStatementStart func(out []byte, i int) bool) *Result {
	hasSed := sedPlaceholder.Match(content)
	if !syn.Jinja && !syn.ERB && !hasSed {
		return &Result{Content: content}
	}
	out := append([]byte(nil), content...)
	res := &Result{words: map[string]string{}}
	var (
		stack []condFrame
		conds []Range
		alts  []Range
	)
	expression := func(i, j int) {
		if atStatementStart(out, i) {
			Blank(out, i, j)
			return
		}
		res.word(out, i, j)
	}
	closeBranch := func(at int) {
		chain := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.cond {
				chain = append(chain, f.text)
			}
		}
		top := stack[len(stack)-1]
		if top.cond && at > top.start {
			conds = append(conds, Range{Start: top.start, End: at, Text: strings.Join(chain, " and ")})
		}
	}
	// open starts a block after a tag ending at end.
	open := func(cond bool, text string, end int) {
		// Close the enclosing branch so ranges never overlap: the inner
		// block gets its own range with the full chain.
		if len(stack) > 0 {
			closeBranch(end)
		}
		stack = append(stack, condFrame{cond: cond, text: text, first: text, start: end, alt: -1})
	}
	// closeAlt ends the current branch of the top block at at when that
	// branch is an alternate.
	closeAlt := func(at int) {
		if top := stack[len(stack)-1]; top.cond && top.alt >= 0 {
			alts = append(alts, Range{Start: top.alt, End: at, Text: top.text})
		}
	}
	branch := func(text string, tagStart, tagEnd int) {
		if len(stack) == 0 || !stack[len(stack)-1].cond {
			return
		}
		closeBranch(tagStart)
		closeAlt(tagStart)
		top := &stack[len(stack)-1]
		top.text = text + " of " + top.first
		top.start = tagEnd
		top.alt = tagStart
	}
	endBlock := func(tagStart, tagEnd int) {
		if len(stack) == 0 {
			return
		}
		closeBranch(tagStart)
		closeAlt(tagStart)
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			stack[len(stack)-1].start = tagEnd
		}
	}

	for i := 0; i < len(out); i++ {
		if hasSed && out[i] == '#' {
			if m := sedPlaceholder.FindIndex(out[i:]); m != nil && m[0] == 0 {
				res.word(out, i, i+m[1])
				i += m[1] - 1
			}
			continue
		}
		var opener string
		switch {
		case syn.Jinja && (hasAt(out, i, "{{") || hasAt(out, i, "{#") || hasAt(out, i, "{%")),
			syn.ERB && hasAt(out, i, "<%"):
			opener = string(out[i : i+2])
		default:
			continue
		}
		closer := map[string]string{"{{": "}}", "{#": "#}", "{%": "%}", "<%": "%>"}[opener]
		j := indexFrom(out, i+2, closer)
		if j < 0 {
			break // unterminated: the rest is left as it is
		}
		end := j + 2
		tag := "`" + collapse(string(content[i:end])) + "`"
		switch {
		case opener == "{{" || hasAt(out, i, "<%="):
			expression(i, end)
		case opener == "{%":
			kw, _, _ := strings.Cut(strings.Trim(string(content[i+2:j]), "-+ \t\r\n"), " ")
			switch kw {
			case "if":
				open(true, tag, end)
			case "elif", "else":
				branch(tag, i, end)
			case "for", "macro", "block", "call", "filter", "with", "raw":
				open(false, tag, end)
			case "endif", "endfor", "endmacro", "endblock", "endcall", "endfilter", "endwith", "endraw":
				endBlock(i, end)
			}
			Blank(out, i, end)
		case opener == "<%" && !hasAt(out, i, "<%#"):
			code := strings.Trim(string(content[i+2:j]), "-= \t\r\n")
			kw, _, _ := strings.Cut(code, " ")
			switch {
			case kw == "if" || kw == "unless":
				open(true, tag, end)
			case kw == "elsif" || kw == "else":
				branch(tag, i, end)
			case kw == "end":
				endBlock(i, end)
			case kw == "case" || kw == "while" || kw == "until" || kw == "begin" ||
				strings.HasSuffix(code, " do") || strings.Contains(code, " do |"):
				open(false, tag, end)
			}
			Blank(out, i, end)
		default: // {# comment #}, <%# comment %>
			Blank(out, i, end)
		}
		i = end - 1
	}
	// Blocks not closed by the end of the file extend to it.
	for len(stack) > 0 {
		endBlock(len(out), len(out))
	}
	sort.SliceStable(alts, func(i, j int) bool { return alts[i].Start < alts[j].Start })
	res.Content, res.Conds, res.Alternates = out, conds, alts
	return res
}

// FirstBranches is Content with every alternate blanked (line breaks
// kept): the rendering that takes the first branch of each conditional,
// at the same offsets. It is nil when the template has no alternates.
func (n *Result) FirstBranches() []byte {
	if len(n.Alternates) == 0 {
		return nil
	}
	out := append([]byte(nil), n.Content...)
	for _, a := range n.Alternates {
		Blank(out, a.Start, a.End)
	}
	return out
}

// outermost are the alternates that lie in no other.
func (n *Result) outermost() []Range {
	var out []Range
	for _, a := range n.Alternates { // by start: an enclosing one comes first
		if len(out) > 0 && a.End <= out[len(out)-1].End {
			continue
		}
		out = append(out, a)
	}
	return out
}

// trimEnd ends r at its last text rather than at the next tag.
func (n *Result) trimEnd(r Range) Range {
	r.End = r.Start + len(bytes.TrimRight(n.Content[r.Start:r.End], " \t\r\n"))
	return r
}

// rereadBytes bounds the text Reread parses again to put alternates
// back, so that a large template with many conditionals costs a bounded
// number of parses.
const rereadBytes = 16 << 20

// Reread decides how a template is read: parsed is its parse with every
// branch kept, clean whether a parse has no structural error. When parsed
// is not clean but the first-branch rendering parses clean, Reread puts
// back, one at a time and in order, each outermost alternate with which
// the text still parses clean, and returns the last clean parse; the
// alternates it could not put back are recorded in LeftOut. Otherwise it
// returns parsed, whose errors stand.
func Reread[F any](n *Result, parsed F, parse func([]byte) F, clean func(F) bool) F {
	if clean(parsed) {
		return parsed
	}
	text := n.FirstBranches()
	if text == nil {
		return parsed
	}
	best := parse(text)
	if !clean(best) {
		return parsed
	}
	tries := rereadBytes / max(1, len(text))
	for _, a := range n.outermost() {
		if tries > 0 {
			tries--
			try := append([]byte(nil), text...)
			copy(try[a.Start:a.End], n.Content[a.Start:a.End])
			if g := parse(try); clean(g) {
				text, best = try, g
				continue
			}
		}
		n.LeftOut = append(n.LeftOut, n.trimEnd(a))
	}
	return best
}

// Blank replaces out[i:j] with spaces, keeping line breaks.
func Blank(out []byte, i, j int) {
	for k := i; k < j; k++ {
		if out[k] != '\n' && out[k] != '\r' {
			out[k] = ' '
		}
	}
}

// word replaces out[i:j] with one word of the same length made from
// the placeholder's name ("{{ nginx_port }}" → "Tnginx_port_____"), keeping
// line breaks, and remembers the placeholder's text.
func (res *Result) word(out []byte, i, j int) {
	orig := string(out[i:j])
	var name []byte
	for _, c := range out[i:j] {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			name = append(name, c)
		}
	}
	w := append([]byte{'T'}, name...)
	for k := i; k < j; k++ {
		if out[k] == '\n' || out[k] == '\r' {
			continue
		}
		if n := k - i; n < len(w) {
			out[k] = w[n]
		} else {
			out[k] = '_'
		}
	}
	if !strings.ContainsAny(orig, "\r\n") {
		res.words[string(out[i:j])] = orig
	}
}

func hasAt(b []byte, i int, s string) bool { return bytes.HasPrefix(b[i:], []byte(s)) }

// indexFrom finds s in b at or after from; -1 if absent.
func indexFrom(b []byte, from int, s string) int {
	if from > len(b) {
		return -1
	}
	if k := bytes.Index(b[from:], []byte(s)); k >= 0 {
		return from + k
	}
	return -1
}

// collapse squeezes runs of white space in a tag to one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// ConditionAt returns the template conditions covering offset off.
func ConditionAt(conds []Range, off int) string {
	for _, c := range conds {
		if off >= c.Start && off < c.End {
			return c.Text
		}
	}
	return ""
}

// LineAlone is the atStatementStart of line-oriented formats (HAProxy,
// Caddyfile, httpd): the placeholder at offset i is the only text of its
// line, so it stands for whole lines. One with more text on its line (a
// Caddy site address `{{ domain }} {`) is a word.
func LineAlone(out []byte, i int) bool {
	ls := bytes.LastIndexByte(out[:i], '\n') + 1
	if len(bytes.TrimSpace(out[ls:i])) > 0 {
		return false
	}
	line := out[i:]
	if e := bytes.IndexByte(line, '\n'); e >= 0 {
		line = line[:e]
	}
	for _, closer := range []string{"}}", "%>"} {
		if k := bytes.Index(line, []byte(closer)); k >= 0 {
			return len(bytes.TrimSpace(line[k+2:])) == 0
		}
	}
	return false
}

// ParseNamed parses a line-oriented file with parse, first rewriting its
// template syntax in place when its name marks a template (see ByName and
// LineAlone), and reading it as its first-branch rendering when only that
// one is clean (see Reread); restore then gets the parsed file and
// Result.Restore, to put the placeholders' text back into the words.
func ParseNamed[F any](name string, content []byte, parse func([]byte) F, clean func(F) bool, restore func(F, *Result)) F {
	syn, ok := ByName(name)
	if !ok {
		return parse(content)
	}
	res := Neutralize(content, syn, LineAlone)
	f := Reread(res, parse(res.Content), parse, clean)
	restore(f, res)
	return f
}
