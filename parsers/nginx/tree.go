package nginx

import (
	"strings"
	"unicode"
)

// This file builds the directive tree from the tokens of lex.go, following
// crossplane's parser (parse.go in nginx-go-crossplane v0.4.48, with the
// options djleak used: one file, comments kept, no context or argument
// checks) decision for decision, so that the tree and the errors are the
// ones crossplane would give, while every directive keeps the byte range
// its tokens came from. There is one lexer: crossplane itself is only the
// reference the fuzz tests compare against.

// pdir is one parsed directive or comment.
type pdir struct {
	name    string // "#" for a comment
	args    []string
	comment string
	// isComment tells a comment from a directive whose quoted name is "#".
	isComment bool
	line      int
	isBlock   bool
	block     []*pdir
	// start and end delimit the statement: its name to its terminator
	// ('{' or ';'), or to its last argument when a '}' or the end of the
	// input ended it.
	start, end int
}

// parseErr is a syntax error as crossplane reports it: a line and a text.
type parseErr struct {
	line int
	msg  string
}

// treeResult is the parse of one file: the directives (none after an error
// that stops the parse) and the errors, in crossplane's order.
type treeResult struct {
	dirs []*pdir
	errs []parseErr
}

// errPrematureEnd is crossplane's text for input that ends inside a
// statement.
const errPrematureEnd = "premature end of file"

// item kinds of the token stream.
const (
	itemToken = iota
	itemError
	itemEnd
)

type treeParser struct {
	toks []rawToken
	errs []*lexError // errors in stream order (each before toks[at])
	i, e int         // next token, next error
	res  *treeResult
}

// buildTree parses tokens: the lexer's tokens, the error that stopped it
// (nil when none) and the errors of Lua blocks.
func buildTree(toks []rawToken, stop *lexError, luaErrs []*lexError) *treeResult {
	p := &treeParser{toks: toks, res: &treeResult{}}
	p.errs = append(p.errs, luaErrs...)
	if stop != nil {
		p.errs = append(p.errs, stop)
	}
	dirs, err := p.parse("", false)
	if err != nil {
		p.res.errs = append(p.res.errs, *err)
	} else {
		p.res.dirs = dirs
	}
	return p.res
}

// next returns the next item of the stream: a token, an error (crossplane
// sends errors as tokens), or the end.
func (p *treeParser) next() (rawToken, *lexError, int) {
	if p.e < len(p.errs) && p.errs[p.e].at <= p.i {
		err := p.errs[p.e]
		p.e++
		return rawToken{}, err, itemError
	}
	if p.i >= len(p.toks) {
		return rawToken{}, nil, itemEnd
	}
	t := p.toks[p.i]
	p.i++
	return t, nil, itemToken
}

// parse reads the statements of one block (the file when ctx is ""), whose
// directive is ctx. With consume set it only skips to the end of the
// block, as crossplane does for blocks it rejects.
func (p *treeParser) parse(ctx string, consume bool) ([]*pdir, *parseErr) {
	var parsed []*pdir
	for {
		t, lerr, kind := p.next()
		switch kind {
		case itemEnd:
			return parsed, nil
		case itemError:
			return nil, &parseErr{line: lerr.line, msg: lerr.msg}
		}
		if t.is("}") {
			return parsed, nil
		}
		if consume {
			if t.is("{") {
				p.parse("", true) //nolint:errcheck // crossplane ignores errors here
			}
			continue
		}
		d := &pdir{name: t.value, line: t.line, start: t.start, end: t.end}
		if t.isComment() {
			d.name, d.comment, d.isComment = "#", t.value[1:], true
			parsed = append(parsed, d)
			continue
		}
		var comments []*pdir
		// Arguments run to '{', ';' or '}'. An error in this position is an
		// argument to crossplane (its empty value), not an error.
		for {
			a, _, kind := p.next()
			if kind == itemEnd {
				return nil, &parseErr{line: d.line, msg: errPrematureEnd}
			}
			if kind == itemToken && !a.quoted && (a.value == "{" || a.value == ";" || a.value == "}") {
				t = a
				break
			}
			switch {
			case kind == itemError:
				d.args = append(d.args, "")
			case a.isComment():
				comments = append(comments, &pdir{name: "#", comment: a.value[1:], isComment: true, line: d.line, start: a.start, end: a.end})
			default:
				d.args = append(d.args, a.value)
				d.end = a.end
			}
		}
		if t.value != "}" {
			d.end = t.end
		}
		// The body of a map-like block holds parameters, not directives.
		if body, ok := mapBodies[ctx]; ok {
			if msg := body.check(d, t.value); msg != "" {
				p.res.errs = append(p.res.errs, parseErr{line: d.line, msg: msg})
				if t.value == "{" {
					p.parse("", true) //nolint:errcheck // crossplane ignores errors here
				}
				continue
			}
			parsed = append(parsed, d)
			continue
		}
		if d.name == "if" {
			d.args = ifArgs(d.args)
		}
		if t.value == "{" {
			d.isBlock = true
			inner, err := p.parse(d.name, false)
			if err != nil {
				return nil, err
			}
			d.block = inner
		}
		parsed = append(parsed, d)
		parsed = append(parsed, comments...)
	}
}

// ifArgs strips the parentheses around an if condition, as crossplane does.
func ifArgs(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "(") || !strings.HasSuffix(args[len(args)-1], ")") {
		return args
	}
	b, e := 0, len(args)-1
	args[0] = strings.TrimLeftFunc(strings.TrimPrefix(args[0], "("), unicode.IsSpace)
	args[e] = strings.TrimRightFunc(strings.TrimSuffix(args[e], ")"), unicode.IsSpace)
	if args[0] == "" {
		b++
	}
	if args[e] == "" {
		e--
	}
	if b > e {
		return []string{}
	}
	return args[b : e+1]
}

// mapBody is what crossplane accepts in a map-like block: how many
// arguments a parameter takes, and the parameters with their own count.
type mapBody struct {
	args    argCount
	special map[string]argCount
}

// argCount is an accepted number of arguments (after the parameter).
type argCount int

const (
	argsNone argCount = iota
	argsOne
	argsOneOrMore
)

func (c argCount) ok(n int) bool {
	switch c {
	case argsNone:
		return n == 0
	case argsOne:
		return n == 1
	}
	return n >= 1
}

// mapBodies are crossplane's map-like blocks.
var mapBodies = map[string]mapBody{
	"charset_map":   {args: argsOne},
	"geo":           {args: argsOne, special: map[string]argCount{"ranges": argsNone, "proxy_recursive": argsNone}},
	"map":           {args: argsOne, special: map[string]argCount{"volatile": argsNone, "hostnames": argsNone}},
	"match":         {args: argsOneOrMore},
	"types":         {args: argsOneOrMore},
	"split_clients": {args: argsOne},
	"geoip2":        {args: argsOneOrMore},
	"otel_exporter": {args: argsOne},
}

// check returns crossplane's error for a parameter of the block ended by
// term, or "".
func (b mapBody) check(d *pdir, term string) string {
	if term != ";" {
		return `unexpected "` + term + `"`
	}
	want := b.args
	if c, ok := b.special[d.name]; ok {
		want = c
	}
	if !want.ok(len(d.args)) {
		return "invalid number of parameters"
	}
	return ""
}
