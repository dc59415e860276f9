package pysem

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/djleak/djleak/parsers/python"
)

// Python's full Unicode case mappings ('ß'.upper() is 'SS').
var (
	lowerCaser = cases.Lower(language.Und)
	upperCaser = cases.Upper(language.Und)
	foldCaser  = cases.Fold()
)

// isSpace is str.isspace for one code point (Python also counts the
// information separators U+001C–U+001F).
func isSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// isByteSpace is bytes.isspace for one byte.
func isByteSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// Method evaluates recv.name(args...) for a str or bytes constant, as
// Python does. kw holds keyword arguments. ok is false when the method is
// not one of those modelled, the arguments are not constants of the kinds
// Python accepts, or Python would raise.
func Method(name string, recv python.Value, args []python.Value, kw map[string]python.Value) (python.Value, bool) {
	if !IsText(recv) {
		return python.Value{}, false
	}
	bytes := recv.Kind == python.Bytes
	s := recv.Str
	text := func(x string) python.Value { return python.Value{Kind: recv.Kind, Str: x} }
	// arg returns positional argument i or keyword k.
	arg := func(i int, k string) (python.Value, bool) {
		if v, ok := kw[k]; ok && k != "" {
			return v, true
		}
		if i < len(args) {
			return args[i], true
		}
		return python.Value{}, false
	}
	sameKind := func(v python.Value) bool { return v.Kind == recv.Kind }
	nargs := len(args) + len(kw)
	switch name {
	case "lower", "upper", "casefold", "title", "swapcase", "capitalize":
		if nargs != 0 || bytes && name == "casefold" {
			return python.Value{}, false
		}
		if bytes {
			return text(asciiCase(name, s)), true
		}
		if !utf8.ValidString(s) {
			return python.Value{}, false
		}
		switch name {
		case "lower":
			return text(lowerCaser.String(s)), true
		case "upper":
			return text(upperCaser.String(s)), true
		case "casefold":
			return text(foldCaser.String(s)), true
		case "title":
			return text(title(s)), true
		}
		if isASCII(s) {
			return text(asciiCase(name, s)), true
		}
		return python.Value{}, false
	case "strip", "lstrip", "rstrip":
		if nargs > 1 {
			return python.Value{}, false
		}
		chars, has := arg(0, "chars")
		var cut func(string) string
		switch {
		case !has || chars.Kind == python.None:
			if bytes {
				cut = trimmer(name, func(r rune) bool { return r < utf8.RuneSelf && isByteSpace(byte(r)) }, true)
			} else {
				cut = trimmer(name, isSpace, false)
			}
		case sameKind(chars):
			set := chars.Str
			if bytes {
				cut = trimmer(name, func(r rune) bool { return strings.IndexByte(set, byte(r)) >= 0 }, true)
			} else {
				cut = trimmer(name, func(r rune) bool { return strings.ContainsRune(set, r) }, false)
			}
		default:
			return python.Value{}, false
		}
		return text(cut(s)), true
	case "startswith", "endswith":
		if len(args) != 1 || len(kw) != 0 {
			return python.Value{}, false // start and end positions are not modelled
		}
		cands := []python.Value{args[0]}
		if args[0].Kind == python.Tuple {
			cands = args[0].Elems
		}
		res := false
		for _, c := range cands {
			if !sameKind(c) {
				return python.Value{}, false // TypeError
			}
			if name == "startswith" && strings.HasPrefix(s, c.Str) || name == "endswith" && strings.HasSuffix(s, c.Str) {
				res = true
			}
		}
		return Bool(res), true
	case "split", "rsplit":
		sep, hasSep := arg(0, "sep")
		maxv, hasMax := arg(1, "maxsplit")
		if nargs > 2 {
			return python.Value{}, false
		}
		limit := -1
		if hasMax {
			if maxv.Kind != python.Int && maxv.Kind != python.Bool {
				return python.Value{}, false
			}
			n, _ := toInt64(maxv)
			if n >= 0 && n < math.MaxInt32 {
				limit = int(n)
			}
		}
		var parts []string
		switch {
		case !hasSep || sep.Kind == python.None:
			space := isSpace
			if bytes {
				space = func(r rune) bool { return r < utf8.RuneSelf && isByteSpace(byte(r)) }
			}
			parts = splitSpace(s, space, limit, name == "rsplit", bytes)
		case sameKind(sep) && sep.Str != "":
			if name == "rsplit" {
				parts = rsplit(s, sep.Str, limit)
			} else {
				parts = strings.SplitN(s, sep.Str, limitN(limit))
			}
		default:
			return python.Value{}, false // ValueError: empty separator; TypeError
		}
		out := python.Value{Kind: python.List, Elems: make([]python.Value, 0, len(parts))}
		for _, p := range parts {
			out.Elems = append(out.Elems, text(p))
		}
		return out, true
	case "replace":
		if len(args) < 2 || len(args) > 3 || len(kw) != 0 || !sameKind(args[0]) || !sameKind(args[1]) {
			return python.Value{}, false
		}
		n := -1
		if len(args) == 3 {
			c, ok := toInt64(args[2])
			if !ok || args[2].Kind == python.Float {
				return python.Value{}, false
			}
			if c >= 0 && c < math.MaxInt32 {
				n = int(c)
			}
		}
		old, repl := args[0].Str, args[1].Str
		grow := 0
		if old == "" {
			grow = (len(s) + 1) * len(repl)
		} else if len(repl) > len(old) {
			grow = strings.Count(s, old) * (len(repl) - len(old))
		}
		if len(s)+grow > MaxSize {
			return python.Value{}, false
		}
		if bytes && old == "" {
			return text(replaceBytesEmpty(s, repl, n)), true
		}
		return text(strings.Replace(s, old, repl, n)), true
	case "join":
		if len(args) != 1 || len(kw) != 0 || !IsSeq(args[0]) && args[0].Kind != python.Dict || args[0].Kind == python.Set && len(args[0].Elems) > 1 {
			return python.Value{}, false
		}
		items := args[0].Elems
		if args[0].Kind == python.Dict {
			items = args[0].Keys
		}
		var sb strings.Builder
		for i, e := range items {
			if !sameKind(e) {
				return python.Value{}, false // TypeError
			}
			if i > 0 {
				sb.WriteString(s)
			}
			sb.WriteString(e.Str)
			if sb.Len() > MaxSize {
				return python.Value{}, false
			}
		}
		return text(sb.String()), true
	case "encode":
		if bytes || nargs > 0 && !utf8Codec(args, kw) || !utf8.ValidString(s) {
			return python.Value{}, false
		}
		return Bytes(s), true
	case "decode":
		if !bytes || nargs > 0 && !utf8Codec(args, kw) || !utf8.ValidString(s) {
			return python.Value{}, false
		}
		return Str(s), true
	case "format":
		if bytes {
			return python.Value{}, false
		}
		out, ok := Format(s, args, kw)
		if !ok {
			return python.Value{}, false
		}
		return Str(out), true
	}
	return python.Value{}, false
}

// utf8Codec reports whether the arguments of encode/decode name UTF-8
// (and at most the strict error handler).
func utf8Codec(args []python.Value, kw map[string]python.Value) bool {
	enc, ok := kw["encoding"]
	if len(args) > 0 {
		enc, ok = args[0], true
	}
	if len(args) > 2 || len(args) == 2 && !(args[1].Kind == python.Str && args[1].Str == "strict") {
		return false
	}
	if e, has := kw["errors"]; has && !(e.Kind == python.Str && e.Str == "strict") {
		return false
	}
	if !ok {
		return true
	}
	if enc.Kind != python.Str {
		return false
	}
	switch strings.ReplaceAll(strings.ToLower(enc.Str), "-", "_") {
	case "utf8", "utf_8", "u8", "utf":
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiCase applies a case method to the ASCII letters of s only (bytes
// methods, and str methods on ASCII text).
func asciiCase(name, s string) string {
	b := []byte(s)
	prevCased := false
	for i, c := range b {
		lower, upper := c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z'
		switch name {
		case "lower", "casefold":
			if upper {
				b[i] = c + 32
			}
		case "upper":
			if lower {
				b[i] = c - 32
			}
		case "swapcase":
			if upper {
				b[i] = c + 32
			} else if lower {
				b[i] = c - 32
			}
		case "title":
			if prevCased && upper {
				b[i] = c + 32
			} else if !prevCased && lower {
				b[i] = c - 32
			}
		case "capitalize":
			if i == 0 && lower {
				b[i] = c - 32
			} else if i > 0 && upper {
				b[i] = c + 32
			}
		}
		prevCased = lower || upper
	}
	return string(b)
}

// title is str.title: a cased character after an uncased one takes its
// title case, every other cased character its lower case.
func title(s string) string {
	var sb strings.Builder
	prevCased := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case cased && !prevCased:
			sb.WriteString(cases.Title(language.Und, cases.NoLower).String(string(r)))
		case cased:
			sb.WriteString(lowerCaser.String(string(r)))
		default:
			sb.WriteRune(r)
		}
		prevCased = cased
	}
	return sb.String()
}

// trimmer returns the strip, lstrip or rstrip of a set of characters
// (bytes one by one when byteWise).
func trimmer(name string, in func(rune) bool, byteWise bool) func(string) string {
	if byteWise {
		return func(s string) string {
			i, j := 0, len(s)
			if name != "rstrip" {
				for i < j && in(rune(s[i])) {
					i++
				}
			}
			if name != "lstrip" {
				for j > i && in(rune(s[j-1])) {
					j--
				}
			}
			return s[i:j]
		}
	}
	switch name {
	case "lstrip":
		return func(s string) string { return strings.TrimLeftFunc(s, in) }
	case "rstrip":
		return func(s string) string { return strings.TrimRightFunc(s, in) }
	}
	return func(s string) string { return strings.TrimFunc(s, in) }
}

// limitN converts a maxsplit to strings.SplitN's n.
func limitN(limit int) int {
	if limit < 0 {
		return -1
	}
	return limit + 1
}

// rsplit is str.rsplit(sep, limit) for a non-empty sep.
func rsplit(s, sep string, limit int) []string {
	if limit < 0 {
		return strings.Split(s, sep)
	}
	var rev []string
	for limit > 0 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		rev = append(rev, s[i+len(sep):])
		s = s[:i]
		limit--
	}
	out := []string{s}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

// splitSpace is split()/rsplit() without a separator: runs of whitespace
// separate, and leading and trailing whitespace yields no empty fields.
// With a limit the rest of the string (from the first non-space) is the
// last field.
func splitSpace(s string, space func(rune) bool, limit int, fromRight, byteWise bool) []string {
	type span struct{ i, j int }
	var spans []span
	decode := func(i int) (rune, int) {
		if byteWise {
			return rune(s[i]), 1
		}
		return utf8.DecodeRuneInString(s[i:])
	}
	for i := 0; i < len(s); {
		r, n := decode(i)
		if space(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r, n := decode(j)
			if space(r) {
				break
			}
			j += n
		}
		spans = append(spans, span{i, j})
		i = j
	}
	if limit >= 0 && len(spans) > limit+1 {
		// The unsplit rest keeps its inner whitespace and the whitespace
		// on its far side.
		if fromRight {
			head := span{0, spans[len(spans)-limit-1].j}
			spans = append([]span{head}, spans[len(spans)-limit:]...)
		} else {
			spans = append(spans[:limit:limit], span{spans[limit].i, len(s)})
		}
	}
	out := make([]string, 0, len(spans))
	for _, sp := range spans {
		out = append(out, s[sp.i:sp.j])
	}
	return out
}

// replaceBytesEmpty is bytes.replace(b"", new, n): new before every byte
// and at the end.
func replaceBytesEmpty(s, repl string, n int) string {
	var sb strings.Builder
	count := 0
	for i := 0; i <= len(s); i++ {
		if n < 0 || count < n {
			sb.WriteString(repl)
			count++
		}
		if i < len(s) {
			sb.WriteByte(s[i])
		}
	}
	return sb.String()
}

// StrOf is str(v) for a constant; ok is false for values str() of which
// djleak does not render exactly (floats in containers are fine, bytes
// are rendered as their repr like Python does).
func StrOf(v python.Value) (string, bool) {
	switch {
	case v.Kind == python.Str:
		return v.Str, true
	case v.Kind == python.Unknown || !ordered(v):
		return "", false
	}
	return v.String(), true
}

// ordered reports whether the order Python shows v's elements in is
// known: not for a set of two or more elements (its order follows hashes),
// at any depth.
func ordered(v python.Value) bool {
	if v.Kind == python.Set && len(v.Elems) > 1 {
		return false
	}
	for _, list := range [][]python.Value{v.Elems, v.Keys} {
		for _, e := range list {
			if !ordered(e) {
				return false
			}
		}
	}
	return true
}

// IntOf is int(v) for a constant: ints, bools, finite floats (truncated)
// and str or bytes in Python's int literal syntax (whitespace around,
// a sign, underscores between digits).
func IntOf(v python.Value) (python.Value, bool) {
	switch v.Kind {
	case python.Int:
		return v, true
	case python.Bool:
		if v.Bool {
			return Int(1), true
		}
		return Int(0), true
	case python.Float:
		if math.IsInf(v.Float, 0) || math.IsNaN(v.Float) || math.Abs(v.Float) >= 1<<63 {
			return python.Value{}, false
		}
		return Int(int64(v.Float)), true
	case python.Str, python.Bytes:
		s := strings.TrimFunc(v.Str, isSpace)
		if v.Kind == python.Bytes {
			s = strings.TrimFunc(v.Str, func(r rune) bool { return r < utf8.RuneSelf && isByteSpace(byte(r)) })
		}
		sign := ""
		if s != "" && (s[0] == '+' || s[0] == '-') {
			sign, s = s[:1], s[1:]
		}
		if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
			return python.Value{}, false
		}
		digits := strings.ReplaceAll(s, "_", "")
		for i := 0; i < len(digits); i++ {
			if digits[i] < '0' || digits[i] > '9' {
				return python.Value{}, false
			}
		}
		n, err := strconv.ParseInt(sign+digits, 10, 64)
		if err != nil {
			return python.Value{}, false
		}
		return Int(n), true
	}
	return python.Value{}, false
}

// toInt64 is the int value of an Int or Bool.
func toInt64(v python.Value) (int64, bool) {
	switch v.Kind {
	case python.Int:
		return v.Int, true
	case python.Bool:
		if v.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Format is str.format with plain replacement fields: `{}`, `{0}`,
// `{name}`, and `{{`/`}}`. Conversions, format specs, attribute and index
// lookups are not modelled (ok is false).
func Format(f string, args []python.Value, kw map[string]python.Value) (string, bool) {
	var sb strings.Builder
	auto, manual := 0, false
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '{' && i+1 < len(f) && f[i+1] == '{':
			sb.WriteByte('{')
			i++
		case c == '}' && i+1 < len(f) && f[i+1] == '}':
			sb.WriteByte('}')
			i++
		case c == '}':
			return "", false // ValueError: single '}'
		case c == '{':
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return "", false
			}
			field := f[i+1 : i+end]
			i += end
			var v python.Value
			switch {
			case field == "":
				if manual || auto >= len(args) {
					return "", false
				}
				v = args[auto]
				auto++
			case strings.ContainsAny(field, "!:.[{"):
				return "", false
			case field[0] >= '0' && field[0] <= '9':
				n, err := strconv.Atoi(field)
				if err != nil || auto > 0 || n >= len(args) {
					return "", false
				}
				manual = true
				v = args[n]
			default:
				x, ok := kw[field]
				if !ok {
					return "", false
				}
				v = x
			}
			s, ok := StrOf(v)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		default:
			sb.WriteByte(c)
		}
		if sb.Len() > MaxSize {
			return "", false
		}
	}
	return sb.String(), true
}

// Percent is `f % args` for a str format with the conversions %s, %r, %d,
// %i and %%, no flags, widths or mapping keys. args is a tuple or, for a
// single conversion, one value.
func Percent(f string, args python.Value) (string, bool) {
	vals := []python.Value{args}
	if args.Kind == python.Tuple {
		vals = args.Elems
	}
	var sb strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			sb.WriteByte(f[i])
			continue
		}
		if i+1 >= len(f) {
			return "", false
		}
		i++
		conv := f[i]
		if conv == '%' {
			sb.WriteByte('%')
			continue
		}
		if next >= len(vals) {
			return "", false // not enough arguments
		}
		v := vals[next]
		next++
		switch conv {
		case 's':
			s, ok := StrOf(v)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		case 'r':
			if v.Kind == python.Unknown {
				return "", false
			}
			sb.WriteString(v.String())
		case 'd', 'i':
			n, ok := IntOf(v)
			if !ok || v.Kind == python.Str || v.Kind == python.Bytes {
				return "", false
			}
			sb.WriteString(strconv.FormatInt(n.Int, 10))
		default:
			return "", false
		}
		if sb.Len() > MaxSize {
			return "", false
		}
	}
	if next != len(vals) {
		return "", false // not all arguments converted
	}
	return sb.String(), true
}
