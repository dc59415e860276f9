package nginx

import (
	"strings"
	"unicode/utf8"
)

// This is djleak's one nginx lexer. It follows crossplane's tokenizer
// (lex.go in nginx-go-crossplane v0.4.48, with its Lua extension) step by
// step, so that it produces the same token values, line numbers and errors
// (the fuzz tests compare them), and it records the byte range each token
// came from, which crossplane does not. tree.go builds the directives from
// these tokens.

// rawToken is one token as crossplane's lexer produces it, plus the byte
// range of the source text it was made from.
type rawToken struct {
	value  string
	quoted bool
	line   int // the line crossplane reports for the token
	start  int // offset of the first byte (the opening quote of a quoted token)
	end    int // offset just past the last byte (the closing quote, if any)
	// lua marks the tokens of the Lua lexer, and the token after them: the
	// character that ended a Lua directive's name is lexed again after
	// them, as crossplane does, so that token's range may start before
	// theirs ends and include bytes the Lua lexer read.
	lua bool
}

// is reports whether t is the unquoted token s.
func (t rawToken) is(s string) bool { return !t.quoted && t.value == s }

// isComment reports whether t is a comment token.
func (t rawToken) isComment() bool { return !t.quoted && strings.HasPrefix(t.value, "#") }

// lexError is a tokenizer error: crossplane stops at the same point.
type lexError struct {
	line int
	off  int // offset of the offending character; -1 when unknown
	eof  int // at the end of input: how many blocks are still open
	msg  string
	// at is the error's place in the token stream: crossplane emits each
	// error as a token, before toks[at].
	at int
}

// Lexer states, named as in crossplane.
const (
	stSkipSpace = iota
	stInWord
	stInComment
	stInVar
	stInQuote
)

// isSpace mirrors crossplane's isSpace: a "character" (one rune, or an
// escaped rune such as `\ `) is space if trimming white space empties it.
func isSpace(s string) bool { return len(strings.TrimSpace(s)) == 0 }

// lexRaw tokenises content exactly as crossplane does and returns the tokens
// with their byte ranges. On a tokenizer error it returns the tokens read so
// far and the error.
func lexRaw(content []byte) ([]rawToken, *lexError) {
	toks, err, luaErrs := lexNginx(content)
	if err == nil && len(luaErrs) > 0 {
		err = luaErrs[len(luaErrs)-1]
	}
	return toks, err
}

// lexNginx is lexRaw; it returns the error that stopped it and, apart, the
// errors of Lua blocks (after which lexing goes on), in order.
func lexNginx(content []byte) ([]rawToken, *lexError, []*lexError) {
	var (
		toks           = make([]rawToken, 0, len(content)/16) // real configs have a token per 10–15 bytes
		tok            strings.Builder
		tokStart       int // byte offset where the current token began
		tokEnd         int // byte offset just past the last rune added to it
		tokenLine      = 1
		tokenStartLine = 1
		state          = stSkipSpace
		newToken       bool
		dupSpecial     bool
		readNext       = true
		esc            bool
		escStart       int
		depth          int
		la, quote      string
		laStart, laEnd int // byte range of la in content
		pos            int
		// atDirective mirrors crossplane's nextTokenIsDirective: the token
		// being read is in the position of a directive name, where an
		// external lexer (Lua) may take over.
		atDirective = true
		luaErrs     []*lexError // errors of the Lua lexer
		relexed     bool        // the next token starts with a character lexed again after a Lua block
	)
	emit := func(quoted bool) {
		toks = append(toks, rawToken{value: tok.String(), quoted: quoted, line: tokenStartLine, start: tokStart, end: tokEnd, lua: relexed})
		relexed = false
		tok.Reset()
		state = stSkipSpace
	}
	add := func() { // append la to the current token
		if tok.Len() == 0 && state != stInQuote {
			tokStart = laStart
		}
		tok.WriteString(la)
		tokEnd = laEnd
	}

	for {
		if readNext {
			if pos >= len(content) {
				break
			}
			// bufio.ScanRunes yields U+FFFD for each invalid byte, as does
			// DecodeRune with a width of one.
			r, size := utf8.DecodeRune(content[pos:])
			la = string(r)
			laStart, laEnd = pos, pos+size
			pos += size
			if strings.HasSuffix(la, "\n") {
				tokenLine++
				atDirective = true
			}
		} else {
			readNext = true
		}

		if la == "\r" || la == "\\\r" {
			continue
		}
		if la == "\\" && !esc {
			esc = true
			escStart = laStart
			continue
		}
		if esc {
			esc = false
			la = "\\" + la
			laStart = escStart
		}

		// A *_by_lua_block directive name hands the rest of the statement
		// to the Lua lexer, as crossplane's Lua lexer option does.
		if tok.Len() > 0 && atDirective && luaDirectives[tok.String()] {
			lastState := state
			name := tok.String()
			emit(state == stInQuote)
			lt, next, line, err := lexLua(content, pos, tokenLine, name)
			toks = append(toks, lt...)
			pos, tokenLine = next, line
			if err != nil {
				err.at = len(toks)
				luaErrs = append(luaErrs, err) // crossplane reports it and lexes on
			}
			if lastState == stInQuote && la == quote {
				continue
			}
			relexed = true
		}

		switch state {
		case stSkipSpace:
			if !isSpace(la) {
				state = stInWord
				newToken = true
				readNext = false // re-evaluate la in the word state
				tokenStartLine = tokenLine
				tokStart = laStart
				tokEnd = laStart
			}
			continue

		case stInWord:
			if newToken {
				newToken = false
				if la == "#" {
					add()
					atDirective = false
					state = stInComment
					tokenStartLine = tokenLine
					continue
				}
			}
			if isSpace(la) {
				emit(false)
				atDirective = false
				continue
			}
			// parameter expansion syntax: "${var}"
			if tok.Len() > 0 && strings.HasSuffix(tok.String(), "$") && la == "{" {
				atDirective = false
				add()
				state = stInVar
				dupSpecial = false
				continue
			}
			if la == `"` || la == "'" {
				if tok.Len() > 0 {
					add() // a quote inside a word is an ordinary character
				} else {
					quote = la
					state = stInQuote
					tokenStartLine = tokenLine
					tokStart = laStart
					tokEnd = laEnd
				}
				dupSpecial = false
				continue
			}
			if la == "{" || la == "}" || la == ";" {
				if tok.Len() > 0 {
					emit(false)
				}
				if dupSpecial && la != "}" {
					return toks, &lexError{line: tokenLine, off: laStart, msg: `unexpected "` + la + `"`, at: len(toks)}, luaErrs
				}
				dupSpecial = true
				if la == "{" {
					depth++
				}
				if la == "}" {
					depth--
					if depth < 0 {
						return toks, &lexError{line: tokenLine, off: laStart, msg: `unexpected "}"`, at: len(toks)}, luaErrs
					}
				}
				tokStart = laStart
				add()
				emit(false)
				atDirective = true
				continue
			}
			dupSpecial = false
			add()

		case stInComment:
			if strings.HasSuffix(la, "\n") {
				emit(false)
				continue
			}
			add()

		case stInVar:
			add()
			if !strings.HasSuffix(tok.String(), "}") && !isSpace(la) {
				continue
			}
			state = stInWord

		case stInQuote:
			if la == quote {
				tokEnd = laEnd
				emit(true)
				continue
			}
			if la == "\\"+quote {
				la = quote
			}
			add()
		}
	}

	if tok.Len() > 0 {
		emit(state == stInQuote)
	}
	if depth > 0 {
		return toks, &lexError{line: tokenLine, off: len(content), eof: depth, msg: `unexpected end of file, expecting "}"`, at: len(toks)}, luaErrs
	}
	return toks, nil, luaErrs
}

// luaDirectives are the directives whose block crossplane's Lua lexer reads
// as one Lua token (the list of its Lua extension).
var luaDirectives = map[string]bool{
	"init_by_lua_block": true, "init_worker_by_lua_block": true, "exit_worker_by_lua_block": true,
	"set_by_lua_block": true, "content_by_lua_block": true, "server_rewrite_by_lua_block": true,
	"rewrite_by_lua_block": true, "access_by_lua_block": true, "header_filter_by_lua_block": true,
	"body_filter_by_lua_block": true, "log_by_lua_block": true, "balancer_by_lua_block": true,
	"ssl_client_hello_by_lua_block": true, "ssl_certificate_by_lua_block": true,
	"ssl_session_fetch_by_lua_block": true, "ssl_session_store_by_lua_block": true,
}

// lexLua follows crossplane's Lua lexer from offset pos (just after the
// character that ended the directive name) on line line: for
// set_by_lua_block one variable argument, then a '{ … }' block read as a
// single quoted token (braces inside quotes do not count, and there are no
// escapes) followed by a ';' token. It returns the tokens, the offset and
// line where nginx lexing resumes, and an error when the block does not
// start with '{'. At the end of input it returns what it has, as
// crossplane does.
func lexLua(content []byte, pos, line int, name string) ([]rawToken, int, int, *lexError) {
	var toks []rawToken
	next := func() (string, int, bool) {
		if pos >= len(content) {
			return "", 0, false
		}
		r, size := utf8.DecodeRune(content[pos:])
		start := pos
		pos += size
		s := string(r)
		if strings.HasSuffix(s, "\n") {
			line++
		}
		return s, start, true
	}
	if name == "set_by_lua_block" {
		var arg strings.Builder
		argStart := -1
		for {
			r, at, ok := next()
			if !ok {
				return toks, pos, line, nil
			}
			if isSpace(r) {
				if arg.Len() > 0 {
					toks = append(toks, rawToken{value: arg.String(), line: line, start: argStart, end: at, lua: true})
					break
				}
				for isSpace(r) {
					if r, at, ok = next(); !ok {
						return toks, pos, line, nil
					}
				}
			}
			if argStart < 0 {
				argStart = at
			}
			arg.WriteString(r)
		}
	}
	var open int
	for {
		r, at, ok := next()
		if !ok {
			return toks, pos, line, nil
		}
		if !isSpace(r) {
			if r != "{" {
				return toks, pos, line, &lexError{line: line, off: -1, msg: `expected "{" to start lua block`}
			}
			open = at
			break
		}
	}
	var code strings.Builder
	depth, inQuotes, quote := 1, false, ""
	for {
		r, at, ok := next()
		if !ok {
			return toks, pos, line, nil
		}
		switch {
		case r == "{" && !inQuotes:
			depth++
			code.WriteString(r)
		case r == "}" && !inQuotes:
			depth--
			if depth == 0 {
				end := at + 1
				toks = append(toks,
					rawToken{value: code.String(), quoted: true, line: line, start: open, end: end, lua: true},
					rawToken{value: ";", line: line, start: end, end: end, lua: true})
				return toks, pos, line, nil
			}
			code.WriteString(r)
		case r == `"` || r == "'":
			if !inQuotes {
				inQuotes, quote = true, r
			} else if r == quote {
				inQuotes = false
			}
			code.WriteString(r)
		default:
			code.WriteString(r)
		}
	}
}

// openBlock is a block directive (or, in unterminated, a directive ended
// by '}').
type openBlock struct {
	name   string
	off    int    // offset of the directive's name ('}' for unterminated)
	indent string // leading white space of the name's line
	// closedAt is, for misclosed, the offset of the '}' that closed it.
	closedAt int
}

// stmtScan is the result of grouping tokens into statements.
type stmtScan struct {
	// unterminated lists the offsets of '}' tokens that ended a directive
	// which lacked its ';' (crossplane accepts these when argument checks
	// are skipped; nginx rejects them), with the directive's name.
	unterminated []openBlock
	open         []openBlock // blocks not closed at end of input, outermost first
	// misclosed is the first block, in the order of closing braces, closed
	// by a '}' indented less than the block's own line: when braces do not
	// balance, this is most likely the block that lacks its '}'.
	misclosed *openBlock
}

// scanStatements follows the blocks of the token stream, statement by
// statement as the parser groups them (a name token, argument tokens, and
// a terminator: '{', ';' or '}'), for the messages and repairs of syntax
// errors: which blocks stay open, which '}' closes a block it is indented
// less than, and which '}' ends a statement that lacks its ';'.
func scanStatements(content []byte, toks []rawToken) *stmtScan {
	s := &stmtScan{}
	var stack []openBlock
	for i := 0; i < len(toks); {
		t := toks[i]
		i++
		if t.is("}") {
			if len(stack) > 0 {
				b := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				ind, first := indentAt(content, t.start)
				if s.misclosed == nil && first && len(ind) < len(b.indent) && strings.HasPrefix(b.indent, ind) {
					b.closedAt = t.start
					s.misclosed = &b
				}
			}
			continue
		}
		if t.isComment() {
			continue
		}
		for i < len(toks) && !toks[i].is("{") && !toks[i].is(";") && !toks[i].is("}") {
			i++
		}
		if i >= len(toks) { // premature end of file
			break
		}
		term := toks[i]
		i++
		switch term.value {
		case "{":
			ind, _ := indentAt(content, t.start)
			stack = append(stack, openBlock{name: t.value, off: t.start, indent: ind})
		case "}": // ends the statement without closing a block, as in crossplane
			s.unterminated = append(s.unterminated, openBlock{name: t.value, off: term.start})
		}
	}
	s.open = stack
	return s
}

// indentAt returns the leading spaces and tabs of the line containing
// offset off, and whether only those precede off on the line.
func indentAt(content []byte, off int) (indent string, first bool) {
	start := off
	for start > 0 && content[start-1] != '\n' {
		start--
	}
	end := start
	for end < off && (content[end] == ' ' || content[end] == '\t') {
		end++
	}
	return string(content[start:end]), end == off
}

// unclosed guesses which block lacks its closing brace when the input ends
// inside a block: the misclosed block if there is one, else the innermost
// block still open.
func (s *stmtScan) unclosed() (openBlock, bool) {
	if s.misclosed != nil {
		return *s.misclosed, true
	}
	if len(s.open) > 0 {
		return s.open[len(s.open)-1], true
	}
	return openBlock{}, false
}
