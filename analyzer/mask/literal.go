package mask

import (
	"regexp"
	"strings"
)

// A string literal on one line: [start, end) with its prefix and quotes,
// [cs, ce) its content.
type literal struct{ start, end, cs, ce int }

// lookBehind bounds how far back from a literal the name it is given to is
// looked for, so that a long line of literals stays linear.
const lookBehind = 256

// scanLiterals finds the string literals of a line of Python (and the
// quoted strings of nginx and templates). A literal that is not closed
// runs to the end of the line; a # outside a literal starts a comment, in
// which no literals are looked for (comment is its offset, or -1). A quote
// right after a word (Django's) is an apostrophe, not a literal.
func scanLiterals(line string) (lits []literal, comment int) {
	for i := 0; i < len(line); {
		c := line[i]
		if c == '#' {
			return lits, i
		}
		if c != '"' && c != '\'' {
			i++
			continue
		}
		start := i
		for start > 0 && strings.IndexByte("rRbBuUfF", line[start-1]) >= 0 && start > i-2 {
			start--
		}
		if start > 0 && isIdent(line[start-1]) {
			i++
			continue // an apostrophe
		}
		q := line[i : i+1]
		if strings.HasPrefix(line[i:], q+q+q) {
			q = q + q + q
		}
		cs := i + len(q)
		j := cs
		ce, end := len(line), len(line)
		for j < len(line) {
			if line[j] == '\\' {
				j += 2
				continue
			}
			if strings.HasPrefix(line[j:], q) {
				ce, end = j, j+len(q)
				break
			}
			j++
		}
		lits = append(lits, literal{start, end, cs, ce})
		i = end
	}
	return lits, -1
}

func isIdent(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// literals masks the string literals of a line that are given to a secret
// name.
func (m *Masker) literals(line string, add func(s, e int)) {
	lits, comment := scanLiterals(line)
	if comment >= 0 {
		m.assignments(line, comment, len(line), add)
	}
	before := make([]given, len(lits))
	for k, l := range lits {
		before[k].name, before[k].ok = m.nameBefore(line, lits, k, before)
		name, ok := before[k].name, before[k].ok
		if !ok {
			name, ok = m.nameAfter(line, l.end)
		}
		if ok && l.ce > l.cs {
			m.value(line, l.cs, l.ce, cookieHeader(name), add)
		}
		if l.ce-l.cs > 4 && strings.ContainsAny(line[l.cs:l.ce], "?&") {
			m.queryParams(line, l.cs, l.ce, add)
		}
	}
}

var (
	// queryParam is a parameter of a URL's query string: group 1 the name,
	// group 2 the value.
	queryParam = regexp.MustCompile(`[?&]([A-Za-z_][A-Za-z0-9_.-]*)=([^&#\s'"]+)`)
	// assignment is the name=… or name: … of prose (a comment).
	assignment = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]`)
)

// queryParams masks the values of secret-named query parameters in the
// literal line[s:e] ("…/cb?token=abc123").
func (m *Masker) queryParams(line string, s, e int, add func(s, e int)) {
	for _, loc := range queryParam.FindAllStringSubmatchIndex(line[s:e], -1) {
		if m.secretName(line[s+loc[2]:s+loc[3]], false) {
			m.value(line, s+loc[4], s+loc[5], false, add)
		}
	}
}

// assignments masks the values given to secret names in the prose of
// line[s:e] ("# old: password=hunter2").
func (m *Masker) assignments(line string, s, e int, add func(s, e int)) {
	for _, loc := range assignment.FindAllStringSubmatchIndex(line[s:e], -1) {
		if !m.secretName(line[s+loc[2]:s+loc[3]], false) {
			continue
		}
		vs := s + loc[1]
		for vs < e && (line[vs] == ' ' || line[vs] == '\t') {
			vs++
		}
		ve := vs
		for ve < e && !strings.ContainsRune(" \t'\"`,;", rune(line[ve])) {
			ve++
		}
		// "token: the one from …" is prose; a value after a colon must
		// look like a credential (have a digit).
		if line[s+loc[1]-1] == ':' && !strings.ContainsAny(line[vs:ve], "0123456789") {
			continue
		}
		m.value(line, vs, ve, false, add)
	}
}

// given is what nameBefore found for a literal.
type given struct {
	name string
	ok   bool
}

// nameBefore looks left of literal k: past the elements of an enclosing
// list or tuple, an operator (=, ==, !=, :) and the name it follows, or the
// call it is an argument of. A literal after another literal and a comma
// shares its answer (before holds the answers for the literals left of k),
// so a long list costs one step per element.
func (m *Masker) nameBefore(line string, lits []literal, k int, before []given) (string, bool) {
	floor := max(lits[k].start-lookBehind, 0)
	back := func(j int) int {
		for j > floor && (line[j-1] == ' ' || line[j-1] == '\t') {
			j--
		}
		return j
	}
	// litEnding is the literal that ends at j, or -1.
	litEnding := func(j int) int {
		for i := k - 1; i >= 0 && lits[i].end >= j; i-- {
			if lits[i].end == j {
				return i
			}
		}
		return -1
	}
	// ident is the start of the identifier (or dotted name) ending at j.
	ident := func(j int) int {
		i := j
		for i > floor && (isIdent(line[i-1]) || line[i-1] == '.') {
			i--
		}
		return i
	}
	lastPart := func(dotted string) string { return dotted[strings.LastIndexByte(dotted, '.')+1:] }

	j := back(lits[k].start)
	firstLit, prevIdent := -1, ""
	for steps := 0; steps < 64 && j > floor; steps++ {
		c := line[j-1]
		if c == ',' || c == '+' {
			p := back(j - 1)
			if q := litEnding(p); q >= 0 {
				b := back(lits[q].start)
				if b > floor && line[b-1] == ':' {
					return "", false // {"k": "v", "key": …}: a dict key
				}
				if before[q].ok {
					return before[q].name, true
				}
				if steps == 0 {
					if name, ok := m.pairName(line, lits, q, k, b, floor); ok {
						return name, true
					}
				}
				firstLit, j = q, b
				continue
			}
			if i := ident(p); i < p {
				prevIdent, j = lastPart(line[i:p]), back(i)
				continue
			}
			return "", false
		}
		if c == '(' || c == '[' || c == '{' {
			p := back(j - 1)
			if p > floor && (isIdent(line[p-1]) || line[p-1] == ')' || line[p-1] == ']') {
				if c != '(' {
					return "", false // a subscript: the literal is a key
				}
				call := lastPart(line[ident(p):p])
				switch {
				case firstLit >= 0 && getters[call]:
					// os.environ.get("API_TOKEN", "…"), env("SECRET_KEY", "…")
					name := line[lits[firstLit].cs:lits[firstLit].ce]
					return name, m.secretName(name, false)
				case prevIdent != "" && (strings.Contains(call, "compare") || strings.Contains(call, "equal")):
					return prevIdent, m.secretName(prevIdent, true)
				}
				return "", false
			}
			j = p
			continue
		}
		break
	}
	var op string
	switch {
	case j >= 2 && (line[j-2:j] == "==" || line[j-2:j] == "!="):
		op = "=="
	case j >= 1 && line[j-1] == '=' && (j < 2 || !strings.ContainsRune("<>", rune(line[j-2]))):
		op = "="
	case j >= 1 && line[j-1] == ':':
		op = ":"
	default:
		return "", false
	}
	p := back(j - len(op))
	if op == "=" && p > 0 && line[p-1] == ':' {
		p = back(p - 1) // walrus
	}
	if p <= floor {
		return "", false
	}
	// A literal name: {"password": "…"}, headers["Authorization"] = "…",
	// request.GET.get("token") == "…".
	if q := litEnding(p); q >= 0 {
		name := line[lits[q].cs:lits[q].ce]
		return name, m.secretName(name, false)
	}
	if c := line[p-1]; c == ']' || c == ')' {
		if q := litEnding(back(p - 1)); q >= 0 {
			name := line[lits[q].cs:lits[q].ce]
			return name, m.secretName(name, false)
		}
		return "", false
	}
	if op == ":" {
		return "", false // a slice, lambda or annotation, not a dict key
	}
	i := ident(p)
	if i == p {
		return "", false
	}
	name := lastPart(line[i:p])
	if op == "=" {
		// API_KEY: str = "…"
		if a := back(i); a > floor && line[a-1] == ':' {
			if pi := back(a - 1); ident(pi) < pi {
				name = lastPart(line[ident(pi):pi])
			}
		}
		// env.str("SECRET_KEY", default="…")
		if name == "default" {
			if a := back(i); a > floor && line[a-1] == ',' {
				if q := litEnding(back(a - 1)); q >= 0 {
					name = line[lits[q].cs:lits[q].ce]
					return name, m.secretName(name, false)
				}
			}
		}
	}
	return name, m.secretName(name, true)
}

// pairName reports a literal k that is the value of a (name, value) pair
// whose name is the secret-named literal q just before it:
// ("Authorization", "…") as a two-element tuple or list, or the first two
// arguments of a call that sets a header or cookie or reads a setting
// (set_cookie("token", "…"), headers.add("X-Api-Key", "…")). b is where
// q's element starts.
func (m *Masker) pairName(line string, lits []literal, q, k, b, floor int) (string, bool) {
	name, value := line[lits[q].cs:lits[q].ce], line[lits[k].cs:lits[k].ce]
	if !m.secretName(name, false) || headerName.MatchString(value) || b <= floor {
		return "", false // vary_on_headers("Cookie", "Accept-Language")
	}
	open := line[b-1]
	if open != '(' && open != '[' {
		return "", false
	}
	p := b - 1
	for p > floor && (line[p-1] == ' ' || line[p-1] == '\t') {
		p--
	}
	i := p
	for i > floor && (isIdent(line[i-1]) || line[i-1] == '.') {
		i--
	}
	if call := strings.ToLower(line[i:p]); call != "" && open == '(' {
		call = call[strings.LastIndexByte(call, '.')+1:]
		return name, getters[call] || pairCalls[call] || strings.Contains(call, "cookie") || strings.Contains(call, "header")
	}
	// A tuple or list: the pair must end after k.
	e := lits[k].end
	for e < len(line) && (line[e] == ' ' || line[e] == '\t') {
		e++
	}
	return name, e < len(line) && (line[e] == ')' || line[e] == ']')
}

// headerName is a value that is itself a header name.
var headerName = regexp.MustCompile(`^(?:[A-Z][a-z]+(?:-[A-Za-z]+)*|HTTP_[A-Z_]+)$`)

// pairCalls set a header or parameter named by their first argument to
// their second.
var pairCalls = map[string]bool{"add": true, "set": true, "putheader": true, "append": true, "add_header": true}

// getters are calls whose second argument is the default of the setting
// or variable their first argument names.
var getters = map[string]bool{
	"get": true, "getenv": true, "env": true, "config": true, "setdefault": true,
	"pop": true, "str": true,
}

// nameAfter looks right of a literal for a comparison with a secret name:
// "…" == token.
func (m *Masker) nameAfter(line string, end int) (string, bool) {
	j := end
	skip := func() {
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
	}
	skip()
	if j+2 > len(line) || (line[j:j+2] != "==" && line[j:j+2] != "!=") {
		return "", false
	}
	j += 2
	skip()
	i := j
	for j < len(line) && (isIdent(line[j]) || line[j] == '.') {
		j++
	}
	name := line[i:j]
	name = name[strings.LastIndexByte(name, '.')+1:]
	return name, m.secretName(name, true)
}
