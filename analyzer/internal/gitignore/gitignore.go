// Package gitignore matches paths against .gitignore patterns, for
// discovery (the project's ignore files) and the configuration's exclude
// and per-file-ignores.
package gitignore

import (
	"strings"
)

// This file implements .gitignore matching with git's semantics (see
// gitignore(5)): comments, trailing-space trimming, `!` negation, anchoring
// by a slash, directory-only patterns, and wildmatch globbing in which `*`,
// `?` and `[...]` never match `/`, `**` matches across directories at
// segment boundaries, `\` escapes the next character and every other byte
// (`| + { } $ ^ ( )` included) is literal. Matching is a simulation of the
// pattern's automaton, so its cost is linear in the path for any pattern.

// ignorePattern is one compiled .gitignore line.
type ignorePattern struct {
	negate   bool // "!pattern": re-include
	dirOnly  bool // "pattern/": directories only
	basename bool // no slash: matched against the last path component
	toks     []globTok
	broken   bool // an unterminated or malformed [...]: git matches nothing
}

// List is the patterns of one .gitignore (or of configuration), for
// paths relative to the directory it applies to.
type List struct {
	pats []ignorePattern
}

// Compile compiles .gitignore lines.
func Compile(lines []string) *List {
	l := &List{}
	for i, line := range lines {
		if i == 0 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if p, ok := compileIgnoreLine(line); ok {
			l.pats = append(l.pats, p)
		}
	}
	return l
}

// compileIgnoreLine compiles one line; ok is false for blank lines and
// comments.
func compileIgnoreLine(line string) (ignorePattern, bool) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' {
		return ignorePattern{}, false
	}
	line = trimTrailingSpaces(line)
	var p ignorePattern
	if line != "" && line[0] == '!' {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = line[:len(line)-1]
	}
	if line == "" {
		return ignorePattern{}, false
	}
	p.basename = !strings.Contains(line, "/")
	line = strings.TrimPrefix(line, "/")
	p.toks, p.broken = compileGlob(line)
	return p, true
}

// trimTrailingSpaces drops trailing spaces that are not escaped by a
// backslash.
func trimTrailingSpaces(s string) string {
	cut := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if cut < 0 {
				cut = i
			}
		case '\\':
			i++
			if i >= len(s) {
				return s
			}
			cut = -1
		default:
			cut = -1
		}
	}
	if cut >= 0 {
		return s[:cut]
	}
	return s
}

// Len is the number of patterns.
func (l *List) Len() int { return len(l.pats) }

// Match reports whether the list decides rel (relative to the list's
// directory): ignored says which way, matched whether any pattern matched.
// The last matching pattern wins.
func (l *List) Match(rel string, isDir bool) (ignored, matched bool) {
	base := rel[strings.LastIndexByte(rel, '/')+1:]
	for i := len(l.pats) - 1; i >= 0; i-- {
		p := &l.pats[i]
		if p.broken || (p.dirOnly && !isDir) {
			continue
		}
		subject := rel
		if p.basename {
			subject = base
		}
		if globMatch(p.toks, subject, !p.basename) {
			return !p.negate, true
		}
	}
	return false, false
}

// MatchesPath reports whether the file or directory rel is excluded by
// the list as git would exclude it: rel itself matches, or a directory
// above it does (git never looks inside an excluded directory, so a later
// negation cannot bring such a path back).
func (l *List) MatchesPath(rel string, isDir bool) bool {
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			if ignored, _ := l.Match(rel[:i], true); ignored {
				return true
			}
		}
	}
	ignored, _ := l.Match(rel, isDir)
	return ignored
}

type globKind uint8

const (
	globByte globKind = iota // one literal byte
	globOne                  // ? or [...]: one byte in set
	globStar                 // *: any run (without / in pathname mode)
	globAll                  // ** at a segment boundary, last: any run
	globDirs                 // **/ at a segment boundary: zero or more "dir/"
)

type globTok struct {
	kind globKind
	b    byte
	set  *[256]bool
}

var anyByte = func() *[256]bool {
	var s [256]bool
	for i := range s {
		s[i] = true
	}
	return &s
}()

// compileGlob turns a wildmatch pattern into tokens; broken reports a
// pattern git never matches (an unterminated bracket expression or an
// unknown [:class:]).
func compileGlob(p string) (toks []globTok, broken bool) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\\':
			if i+1 >= len(p) {
				return nil, true // a trailing backslash matches nothing
			}
			i++
			toks = append(toks, globTok{kind: globByte, b: p[i]})
		case '?':
			toks = append(toks, globTok{kind: globOne, set: anyByte})
		case '*':
			j := i
			for j < len(p) && p[j] == '*' {
				j++
			}
			double := j-i >= 2
			atStart := i == 0 || p[i-1] == '/'
			switch {
			case double && atStart && j == len(p):
				toks = append(toks, globTok{kind: globAll})
			case double && atStart && p[j] == '/':
				toks = append(toks, globTok{kind: globDirs})
				j++ // the slash is part of the token
			default:
				if len(toks) == 0 || toks[len(toks)-1].kind != globStar {
					toks = append(toks, globTok{kind: globStar})
				}
			}
			i = j - 1
		case '[':
			set, end, ok := compileClass(p, i)
			if !ok {
				return nil, true
			}
			toks = append(toks, globTok{kind: globOne, set: set})
			i = end
		default:
			toks = append(toks, globTok{kind: globByte, b: c})
		}
	}
	return toks, false
}

// posixClasses are the [:name:] classes wildmatch knows.
var posixClasses = map[string]func(byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 32 || c == 127 },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 32 && c < 127 },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 32 && c < 127 },
	"punct":  func(c byte) bool { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') },
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// compileClass compiles the bracket expression starting at p[start] == '['
// and returns the index of its closing ']'.
func compileClass(p string, start int) (*[256]bool, int, bool) {
	var set [256]bool
	i := start + 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	prev := -1 // the previous single byte, a possible range start
	first := true
	for ; i < len(p); i++ {
		c := p[i]
		if c == ']' && !first {
			if negate {
				for k := range set {
					set[k] = !set[k]
				}
			}
			return &set, i, true
		}
		first = false
		switch {
		case c == '\\':
			i++
			if i >= len(p) {
				return nil, 0, false
			}
			set[p[i]] = true
			prev = int(p[i])
		case c == '-' && prev >= 0 && i+1 < len(p) && p[i+1] != ']':
			i++
			hi := p[i]
			if hi == '\\' {
				i++
				if i >= len(p) {
					return nil, 0, false
				}
				hi = p[i]
			}
			for k := prev; k <= int(hi); k++ {
				set[k] = true
			}
			prev = -1
		case c == '[' && i+1 < len(p) && p[i+1] == ':':
			// The class name runs to the first ']', which must follow ':'.
			j := strings.IndexByte(p[i+2:], ']')
			if j < 0 {
				return nil, 0, false
			}
			j += i + 2
			if j-1 < i+2 || p[j-1] != ':' {
				// No ":]": the '[' is an ordinary member.
				set['['] = true
				prev = '['
				continue
			}
			fn, ok := posixClasses[p[i+2:j-1]]
			if !ok {
				return nil, 0, false
			}
			for k := 0; k < 256; k++ {
				if fn(byte(k)) {
					set[k] = true
				}
			}
			i = j
			prev = -1
		default:
			set[c] = true
			prev = int(c)
		}
	}
	return nil, 0, false // unterminated
}

// globMatch reports whether toks match all of s. In pathname mode `*`, `?`
// and bracket expressions do not match '/'.
func globMatch(toks []globTok, s string, pathname bool) bool {
	n := len(toks)
	cur := make([]bool, n+1)
	next := make([]bool, n+1)
	// closure adds the states reachable without input: past a star (empty
	// run) and past an optional directory prefix.
	closure := func(st []bool) {
		for i := 0; i < n; i++ {
			if st[i] && (toks[i].kind == globStar || toks[i].kind == globAll || toks[i].kind == globDirs) {
				st[i+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	for k := 0; k < len(s); k++ {
		c := s[k]
		any := false
		for i := range next {
			next[i] = false
		}
		for i := 0; i < n; i++ {
			if !cur[i] {
				continue
			}
			t := toks[i]
			switch t.kind {
			case globByte:
				if c == t.b {
					next[i+1] = true
				}
			case globOne:
				if t.set[c] && !(pathname && c == '/') {
					next[i+1] = true
				}
			case globStar:
				if !(pathname && c == '/') {
					next[i] = true
				}
			case globAll:
				next[i] = true
			case globDirs:
				next[i] = true
				if c == '/' {
					next[i+1] = true
				}
			}
		}
		closure(next)
		for _, v := range next {
			any = any || v
		}
		if !any {
			return false
		}
		cur, next = next, cur
	}
	return cur[n]
}
