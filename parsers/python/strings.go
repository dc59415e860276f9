package python

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// stringExpr fills e from one string node or the parts of an implicit
// concatenation: Kind String or Bytes with the decoded Str, or FString
// with Pieces when any part is an f-string.
func (b *builder) stringExpr(e *Expr, parts []*Node) {
	defer b.release(b.mark())
	var pieces []Piece
	isF, isBytes := false, false
	for _, p := range parts {
		ks := b.kids(p)
		bodyStart, bodyEnd := p.StartByte(), p.EndByte()
		prefix := ""
		if len(ks) > 0 && ks[0].t == "string_start" {
			prefix = strings.ToLower(strings.TrimRight(b.text(ks[0].n), `"'`))
			bodyStart = ks[0].n.EndByte()
		}
		if len(ks) > 0 && ks[len(ks)-1].t == "string_end" {
			bodyEnd = ks[len(ks)-1].n.StartByte()
		}
		if bodyEnd < bodyStart || int(bodyEnd) > len(b.src) {
			continue
		}
		raw := strings.ContainsRune(prefix, 'r')
		bytes := strings.ContainsRune(prefix, 'b')
		isBytes = isBytes || bytes
		if !strings.ContainsRune(prefix, 'f') {
			pieces = append(pieces, Piece{Literal: decodeString(b.src[bodyStart:bodyEnd], raw, bytes, false)})
			continue
		}
		isF = true
		pos := bodyStart
		for _, k := range ks {
			if k.t != "interpolation" {
				continue
			}
			s := k.n.StartByte()
			if s >= pos {
				pieces = append(pieces, Piece{Literal: decodeString(b.src[pos:s], raw, false, true)})
			}
			pieces = append(pieces, b.interpolation(k.n)...)
			pos = k.n.EndByte()
		}
		if pos <= bodyEnd {
			pieces = append(pieces, Piece{Literal: decodeString(b.src[pos:bodyEnd], raw, false, true)})
		}
	}
	switch {
	case isF:
		e.Kind = FString
		e.Pieces = mergePieces(pieces)
	default:
		e.Kind = String
		if isBytes {
			e.Kind = Bytes
		}
		if len(pieces) == 1 {
			e.Str = pieces[0].Literal
			break
		}
		var sb strings.Builder
		for _, p := range pieces {
			sb.WriteString(p.Literal)
		}
		e.Str = sb.String()
	}
}

// interpolation returns the pieces of one f-string replacement field: the
// expression, preceded by its source text for the self-documenting form
// `{x=}`. The conversion and format spec (`!r:>10`) are formatting only.
func (b *builder) interpolation(n *Node) []Piece {
	defer b.release(b.mark())
	ks := b.kids(n)
	var ex *Node
	var out []Piece
	format := ""
	for i, k := range ks {
		switch {
		case k.t == "type_conversion" || k.t == "format_specifier":
			format += b.text(k.n) // "!r", ":>10"
		case k.t == "=" && ex != nil && i > 0:
			// `{x=}` prints "x=" (with the spacing as written, up to the
			// conversion, format spec or closing brace) before the value.
			open, end := n.StartByte()+1, k.n.EndByte()
			if i+1 < len(ks) {
				end = ks[i+1].n.StartByte()
			}
			out = append(out, Piece{Literal: b.src[open:end]})
		case ex == nil && k.named && k.t != "type_conversion" && k.t != "format_specifier":
			ex = k.n
		}
	}
	if ex == nil {
		return out
	}
	return append(out, Piece{Expr: b.expr(ex), Format: format})
}

// decodeString decodes a literal's body: escape sequences unless raw,
// CRLF line ends as "\n" (as Python reads source), and for f-string literal
// parts doubled braces. Bytes literals decode \x and octal escapes to single
// bytes and leave \u, \U and \N alone, as Python does.
func decodeString(s string, raw, bytes, fstr bool) string {
	special := "\r"
	if !raw {
		special += `\`
	}
	if fstr {
		special += "{}"
	}
	if !strings.ContainsAny(s, special) {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r':
			sb.WriteByte('\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			continue
		case fstr && (c == '{' || c == '}'):
			sb.WriteByte(c)
			i++
			if i < len(s) && s[i] == c {
				i++
			}
			continue
		case c != '\\' || raw || i+1 >= len(s):
			sb.WriteByte(c)
			i++
			continue
		}
		i += decodeEscape(&sb, s[i:], bytes)
	}
	return sb.String()
}

// decodeEscape writes the value of the escape sequence at the start of s
// (s[0] is a backslash) and returns how many bytes it used. Unknown or
// malformed escapes are kept as written.
func decodeEscape(sb *strings.Builder, s string, bytes bool) int {
	d := s[1]
	if simple := strings.IndexByte("\\'\"abfnrtv", d); simple >= 0 {
		sb.WriteByte("\\'\"\a\b\f\n\r\t\v"[simple])
		return 2
	}
	switch d {
	case '\n':
		return 2 // line continuation inside the literal
	case '\r':
		if len(s) > 2 && s[2] == '\n' {
			return 3
		}
		return 2
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := 1
		for j < 4 && j < len(s) && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(s[1:j], 8, 32)
		writeCode(sb, rune(v), bytes)
		return j
	case 'x':
		if v, ok := hexAt(s, 2, 2); ok {
			writeCode(sb, v, bytes)
			return 4
		}
	case 'u', 'U':
		n := 4
		if d == 'U' {
			n = 8
		}
		if v, ok := hexAt(s, 2, n); ok && !bytes && utf8.ValidRune(v) {
			sb.WriteRune(v)
			return 2 + n
		}
	}
	// \N{NAME} and anything unknown stay as written.
	sb.WriteByte('\\')
	sb.WriteByte(d)
	return 2
}

// hexAt parses n hex digits at s[i:].
func hexAt(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+n], 16, 32)
	return rune(v), err == nil
}

// writeCode writes a numeric escape: one byte in a bytes literal, a code
// point otherwise.
func writeCode(sb *strings.Builder, v rune, bytes bool) {
	if bytes {
		sb.WriteByte(byte(v))
		return
	}
	sb.WriteRune(v)
}

// percentPieces splits a %-format string at its conversion specs and pairs
// each with the right operand: by position for a tuple, by key for
// `%(name)s` with a dict literal, and the whole operand when it cannot be
// split (a single value, a variable, a call).
func percentPieces(format string, r *Expr) []Piece {
	var elems []*Expr
	split := r.Kind == Tuple
	if split {
		for _, e := range r.Elems {
			if e.Kind == Starred {
				split = false
			}
		}
		elems = r.Elems
	}
	var pieces []Piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pieces = append(pieces, Piece{Literal: lit.String()})
			lit.Reset()
		}
	}
	next := 0
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '%' {
			lit.WriteByte('%')
			i = j + 1
			continue
		}
		key, hasKey := "", false
		if j < len(format) && format[j] == '(' {
			depth, k := 1, j+1
			for ; k < len(format) && depth > 0; k++ {
				switch format[k] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth > 0 {
				lit.WriteString(format[i:])
				break
			}
			key, hasKey, j = format[j+1:k-1], true, k
		}
		stars := 0
		for j < len(format) && strings.IndexByte("#0- +", format[j]) >= 0 {
			j++
		}
		j, stars = skipWidth(format, j, stars)
		if j < len(format) && format[j] == '.' {
			j, stars = skipWidth(format, j+1, stars)
		}
		for j < len(format) && strings.IndexByte("hlL", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			lit.WriteString(format[i:])
			break
		}
		flush()
		var val *Expr
		switch {
		case hasKey:
			val = r
			if r.Kind == Dict {
				for ki, k := range r.Keys {
					if k != nil && k.Kind == String && k.Str == key {
						val = r.Values[ki]
					}
				}
			}
		case split:
			next += stars
			if next < len(elems) {
				val = elems[next]
			}
			next++
		default:
			val = r
		}
		if val != nil {
			pieces = append(pieces, Piece{Expr: val})
		}
		i = j + 1
	}
	flush()
	return mergePieces(pieces)
}

// skipWidth skips a %-spec width or precision: digits or '*' (which takes
// an argument).
func skipWidth(f string, j, stars int) (int, int) {
	if j < len(f) && f[j] == '*' {
		return j + 1, stars + 1
	}
	for j < len(f) && f[j] >= '0' && f[j] <= '9' {
		j++
	}
	return j, stars
}

// formatPieces fills the pieces of `"…".format(…)`: replacement fields
// `{}`, `{0}` and `{name}` (with any attribute, index, conversion and spec)
// paired with the positional and keyword arguments. A field that only a
// `*args` or `**kwargs` argument can fill pairs with that argument.
func (b *builder) formatPieces(e *Expr) {
	c := e.Call
	fe := c.FuncExpr
	if fe == nil || fe.Kind != Attribute || fe.Attr != "format" || len(fe.Elems) != 1 || fe.Elems[0].Kind != String {
		return
	}
	s := fe.Elems[0].Str
	var pieces []Piece
	var lit strings.Builder
	auto := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch == '}' {
			lit.WriteByte('}')
			i++
			if i < len(s) && s[i] == '}' {
				i++
			}
			continue
		}
		if ch != '{' {
			lit.WriteByte(ch)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			lit.WriteByte('{')
			i += 2
			continue
		}
		depth, j := 1, i+1
		for ; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j >= len(s) {
			lit.WriteString(s[i:])
			break
		}
		field := s[i+1 : j]
		if k := strings.IndexAny(field, ".[!:"); k >= 0 {
			field = field[:k]
		}
		var val *Expr
		if idx, err := strconv.Atoi(field); err == nil || field == "" {
			if field == "" {
				idx = auto
				auto++
			}
			val = positional(c.Args(), idx)
		} else {
			val = keyword(c.Kwargs(), field)
		}
		if lit.Len() > 0 {
			pieces = append(pieces, Piece{Literal: lit.String()})
			lit.Reset()
		}
		if val != nil {
			pieces = append(pieces, Piece{Expr: val})
		}
		i = j + 1
	}
	if lit.Len() > 0 {
		pieces = append(pieces, Piece{Literal: lit.String()})
	}
	e.Pieces = mergePieces(pieces)
}

// positional returns the argument at index idx, or the *args argument that
// covers it.
func positional(args []*Expr, idx int) *Expr {
	for i, a := range args {
		if a.Kind == Starred {
			return a
		}
		if i == idx {
			return a
		}
	}
	return nil
}

// keyword returns the keyword argument name, or the **kwargs argument.
func keyword(kws []Kwarg, name string) *Expr {
	var splat *Expr
	for _, k := range kws {
		if k.Name == name {
			return k.Value
		}
		if k.Name == "" && splat == nil {
			splat = k.Value
		}
	}
	return splat
}
