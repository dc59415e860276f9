// Package mask hides credential-looking values in every piece of text
// djleak shows: code frames and their context lines, SARIF snippets,
// messages in every format and LSP diagnostics. It does not depend on which
// rule reported a line: every line is masked the same way.
//
// A value is masked to its first four characters and "…" (analyzer.Mask).
// On each line the masker hides:
//
//   - the literal secrets the rules found (analyzer.Result.Secrets);
//   - string literals assigned to, compared with, or given as the default
//     of a secret-named name (the taint vocabulary decides what a secret
//     name is: SECRET_KEY, api_token, "password", X-Api-Key, …), including
//     dict values under such keys and header values such as
//     headers["Authorization"] = "Bearer …" (an authorization scheme word is
//     kept: "Bearer abcd…");
//   - header values a front end sets or passes for Authorization,
//     Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and other
//     secret-named headers and variables: nginx (proxy_set_header,
//     add_header, fastcgi_param, set $api_token, …), HAProxy
//     (http-request set-header, …, and userlist insecure-password), Caddy
//     (header_up, request_header, header) and Apache httpd (RequestHeader,
//     Header, SetEnv);
//   - credential headers written out ("Authorization: Bearer …",
//     "X-Api-Key: …" in a curl example, a docstring or more_set_headers);
//   - the password of a URL's userinfo (https://user:Pa55…@host), the
//     values of secret-named query parameters in a literal
//     ("/cb?token=abc1…") and name=value or name: value in a comment
//     ("# old password=hunt…");
//   - well-known key formats: Stripe (sk_live_…, rk_live_…, whsec_…), AWS
//     access key IDs (AKIA…), GitHub (ghp_…, github_pat_…), GitLab
//     (glpat-…), Slack (xoxb-…), Google (AIza…), OpenAI (sk-…), SendGrid,
//     npm, JWTs (eyJ….eyJ….…) and PEM private keys (the body after the
//     BEGIN line, and lines that are nothing but a long base64 run).
//
// Values that are variables or placeholders ($http_authorization,
// {token}, %s) are left alone. Masking is per line, linear in the line's
// length, and deterministic.
package mask

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

// Masker masks the secrets of one report. It is safe for concurrent use.
type Masker struct {
	known []string // literal secrets, longest first
	vocab *taint.Vocab

	mu         sync.Mutex
	cache      map[string][]Span // spans of long texts, which outputs often mask again
	cacheBytes int
}

// Texts at least cacheMin bytes long have their spans kept, up to
// cacheMax of them and cacheMaxBytes in all (besides the latest): a long
// line with many findings is scanned once.
const (
	cacheMin      = 1 << 10
	cacheMax      = 64
	cacheMaxBytes = 32 << 20
)

// New returns a masker that also hides the given literal secret values
// wherever they appear, and treats extraTokenNames (the project's
// `extra-token-names`) as secret names.
func New(known, extraTokenNames []string) *Masker {
	m := &Masker{vocab: taint.NewVocab(extraTokenNames, nil)}
	for _, s := range known {
		if s != "" {
			m.known = append(m.known, s)
		}
	}
	sort.SliceStable(m.known, func(i, j int) bool { return len(m.known[i]) > len(m.known[j]) })
	return m
}

// Span is the byte range [Start, End) of one secret value.
type Span struct{ Start, End int }

// Text returns text with every secret value masked.
func (m *Masker) Text(text string) string {
	spans := m.Spans(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		b.WriteString(text[at:sp.Start])
		b.WriteString(analyzer.Mask(text[sp.Start:sp.End]))
		at = sp.End
	}
	b.WriteString(text[at:])
	return b.String()
}

// Map masks text and maps positions onto the result: cols[i] is the rune
// index in the masked text of rune index i of text, for i up to the rune
// count (for end positions). A rune inside a masked value maps onto the
// shown prefix, or onto the ellipsis when it is hidden. Invalid UTF-8 is
// replaced by U+FFFD, one per byte, so rune indexes of text count each
// invalid byte as one rune.
func (m *Masker) Map(text string) (string, []int) {
	spans := m.Spans(text)
	var b strings.Builder
	cols := make([]int, 0, len(text)+1)
	out := 0 // runes written
	for i := 0; i < len(text); {
		for len(spans) > 0 && spans[0].End <= i {
			spans = spans[1:] // Spans' result is shared: never written to
		}
		if len(spans) > 0 && spans[0].Start <= i {
			// A span starts here (or, in invalid UTF-8, inside the rune
			// just decoded: it is masked from here).
			sp := Span{i, spans[0].End}
			spans = spans[1:]
			masked := analyzer.Mask(text[sp.Start:sp.End])
			b.WriteString(masked)
			shown := utf8.RuneCountInString(masked) - 1
			k := 0
			for range text[sp.Start:sp.End] {
				cols = append(cols, out+min(k, shown))
				k++
			}
			out += utf8.RuneCountInString(masked)
			i = sp.End
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		b.WriteRune(r)
		cols = append(cols, out)
		out++
		i += size
	}
	cols = append(cols, out)
	return b.String(), cols
}

// Spans returns the byte ranges of the secret values in text, sorted and
// not overlapping (overlapping ranges are merged). Each line of text is
// looked at on its own.
func (m *Masker) Spans(text string) []Span {
	if len(text) < cacheMin {
		return m.spans(text)
	}
	m.mu.Lock()
	spans, ok := m.cache[text]
	m.mu.Unlock()
	if ok {
		return spans
	}
	spans = m.spans(text)
	m.mu.Lock()
	if m.cache == nil || len(m.cache) >= cacheMax || m.cacheBytes+len(text) > cacheMaxBytes {
		m.cache, m.cacheBytes = map[string][]Span{}, 0
	}
	m.cache[text] = spans
	m.cacheBytes += len(text)
	m.mu.Unlock()
	return spans
}

func (m *Masker) spans(text string) []Span {
	var spans []Span
	add := func(s, e int) {
		// Whole runes: a known secret of invalid UTF-8 can match inside one.
		for k := 0; k < utf8.UTFMax && s > 0 && !utf8.RuneStart(text[s]); k++ {
			s--
		}
		for k := 0; k < utf8.UTFMax && e < len(text) && !utf8.RuneStart(text[e]); k++ {
			e++
		}
		if s < e {
			spans = append(spans, Span{s, e})
		}
	}
	for off := 0; off <= len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += off
		}
		m.line(text[off:end], func(s, e int) { add(off+s, off+e) })
		off = end + 1
	}
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].Start != spans[j].Start {
			return spans[i].Start < spans[j].Start
		}
		return spans[i].End > spans[j].End
	})
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.Start < last.End {
			last.End = max(last.End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

var (
	// keyFormat matches credentials recognisable by their format alone.
	keyFormat = regexp.MustCompile(`\b(?:` +
		`(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}|whsec_[0-9A-Za-z]{16,}|` +
		`(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|` +
		`gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,}|glpat-[0-9A-Za-z_-]{20,}|` +
		`xox[abposr]-[0-9A-Za-z-]{8,}|` +
		`AIza[0-9A-Za-z_-]{35}|` +
		`sk-(?:proj-|ant-|svcacct-)?[0-9A-Za-z_-]{20,}|` +
		`SG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}|npm_[0-9A-Za-z]{36}|` +
		`eyJ[0-9A-Za-z_-]{4,}\.eyJ[0-9A-Za-z_-]{4,}\.[0-9A-Za-z_-]*)`)

	// urlPassword matches a URL with a password in its userinfo; group 1 is
	// the password.
	urlPassword = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'"]*:([^\s/?#@'"]+)@`)

	// headerLine is a credential header written out as in an HTTP request
	// ("Authorization: Bearer …" in a curl example or a docstring); group 1
	// is the credential.
	headerLine = regexp.MustCompile(`(?i)\b(?:(?:proxy-)?authorization:\s*(?:bearer|basic|token|digest|apikey)\s+|x-api-key:\s*)([^\s'"\x60;,]+)`)

	// pemBegin is the first line of a PEM private key.
	pemBegin = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----`)

	// setHeader matches a front-end directive that sets a header, parameter
	// or variable: nginx (proxy_set_header, add_header, fastcgi_param, set,
	// …), HAProxy (http-request set-header, …) and Caddy (header_up,
	// request_header, header, …). Group 1 is the name, group 2 the value.
	setHeader = regexp.MustCompile(`(?:^|[\s;{}])(?:proxy_set_header|grpc_set_header|add_header|add_trailer|fastcgi_param|uwsgi_param|scgi_param|set|` +
		`http-(?:request|response|after-response)\s+(?:set|add)-header|http-check\s+send\s+hdr|` +
		`header_up|header_down|request_header|header)\s+("[^"]*"|'[^']*'|[^\s;"'{}]+)\s+("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[^\s;"'{}]+)`)

	// apacheHeader is the same for Apache httpd (RequestHeader set, Header
	// always append, SetEnv; directive names are case-insensitive).
	apacheHeader = regexp.MustCompile(`(?i)(?:^|\s)(?:(?:RequestHeader|Header)\s+(?:(?:always|onsuccess)\s+)?(?:set|append|add|merge|setifempty)|SetEnv)\s+("[^"]*"|[^\s"]+)\s+("(?:[^"\\]|\\.)*"?|[^\s"]+)`)

	// insecurePassword is a password HAProxy keeps in clear text in a
	// userlist; group 1 is the password.
	insecurePassword = regexp.MustCompile(`\binsecure-password\s+("(?:[^"\\]|\\.)*"|'[^']*'|\S+)`)
)

// line finds the secret values of one line.
func (m *Masker) line(line string, add func(s, e int)) {
	for _, s := range m.known {
		for from := 0; from < len(line); {
			i := strings.Index(line[from:], s)
			if i < 0 {
				break
			}
			add(from+i, from+i+len(s))
			from += i + len(s)
		}
	}
	if len(line) < 4 {
		return
	}
	for _, loc := range keyFormat.FindAllStringIndex(line, -1) {
		add(loc[0], loc[1])
	}
	if strings.Contains(line, "://") {
		for _, loc := range urlPassword.FindAllStringSubmatchIndex(line, -1) {
			if !placeholder(line[loc[2]:loc[3]]) {
				add(loc[2], loc[3])
			}
		}
	}
	if strings.Contains(line, "PRIVATE KEY") {
		for _, loc := range pemBegin.FindAllStringIndex(line, -1) {
			pemBody(line, loc[1], add)
		}
	}
	if strings.Contains(line, ":") {
		for _, loc := range headerLine.FindAllStringSubmatchIndex(line, -1) {
			if v := line[loc[2]:loc[3]]; !placeholder(v) {
				add(loc[2], loc[3])
			}
		}
	}
	base64Line(line, add)
	for _, re := range []*regexp.Regexp{setHeader, apacheHeader} {
		for _, loc := range re.FindAllStringSubmatchIndex(line, -1) {
			name := strings.TrimLeft(unquote(line[loc[2]:loc[3]]), "$+-?>")
			if m.secretName(name, false) {
				s, e := unquoteSpan(line, loc[4], loc[5])
				m.value(line, s, e, cookieHeader(name), add)
			}
		}
	}
	if strings.Contains(line, "insecure-password") {
		for _, loc := range insecurePassword.FindAllStringSubmatchIndex(line, -1) {
			s, e := unquoteSpan(line, loc[2], loc[3])
			m.value(line, s, e, false, add)
		}
	}
	m.literals(line, add)
}

// value masks the literal value line[s:e] given to a secret name: an
// authorization scheme word is kept, a cookie's attributes too, and
// placeholders are left alone.
func (m *Masker) value(line string, s, e int, cookie bool, add func(s, e int)) {
	v := line[s:e]
	if v == "" || taint.SensitiveHeader(v) {
		return // empty, or a header name rather than its value
	}
	if sp := strings.IndexByte(v, ' '); sp > 0 && authScheme[strings.ToLower(v[:sp])] {
		s += sp
		for s < e && line[s] == ' ' {
			s++
		}
		v = line[s:e]
	}
	if placeholder(v) {
		return
	}
	if !cookie {
		if utf8.RuneCountInString(v) > 4 { // a shorter one would show in full anyway
			add(s, e)
		}
		return
	}
	// name=value; Path=/; … : mask each value but the attributes'.
	for at := s; at < e; {
		end := strings.IndexByte(line[at:e], ';')
		if end < 0 {
			end = e
		} else {
			end += at
		}
		pair := line[at:end]
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			if v := strings.TrimSpace(pair[eq+1:]); !cookieAttr[strings.ToLower(strings.TrimSpace(pair[:eq]))] && !placeholder(v) && utf8.RuneCountInString(v) > 4 {
				add(at+eq+1, end)
			}
		} else if strings.TrimSpace(pair) != "" && at == s && !placeholder(pair) {
			add(at, end) // a bare value
		}
		at = end + 1
	}
}

var authScheme = map[string]bool{
	"bearer": true, "basic": true, "token": true, "digest": true, "apikey": true,
	"api-key": true, "jwt": true, "bot": true, "key": true, "hmac": true, "negotiate": true,
}

var cookieAttr = map[string]bool{
	"path": true, "domain": true, "expires": true, "max-age": true, "samesite": true,
	"secure": true, "httponly": true, "partitioned": true, "priority": true,
}

func cookieHeader(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	return n == "cookie" || n == "set-cookie" || n == "http-cookie"
}

// placeholder reports values that are variables or format placeholders,
// or already masked ("abcd…", "…"), not literal secrets.
func placeholder(v string) bool {
	if strings.HasSuffix(v, "…") && utf8.RuneCountInString(v) <= 5 {
		return true
	}
	return v == "" || strings.HasPrefix(v, "{") || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "%") || strings.HasPrefix(v, "<")
}

// secretName reports whether a name (identifier, dict key, header or
// variable name) denotes a secret.
func (m *Masker) secretName(name string, code bool) bool {
	return name != "" && (m.vocab.TokenName(name, code) || taint.SensitiveHeader(name) || cookieHeader(name))
}

// unquoteSpan drops the quotes around line[s:e], if any.
func unquoteSpan(line string, s, e int) (int, int) {
	if q := line[s]; q == '"' || q == '\'' {
		s++
		if e > s && line[e-1] == q {
			e--
		}
	}
	return s, e
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// pemBody masks a private key's body that follows its BEGIN line on the
// same line (a key written into one string with \n escapes).
func pemBody(line string, from int, add func(s, e int)) {
	end := len(line)
	if i := strings.Index(line[from:], "-----END"); i >= 0 {
		end = from + i
	}
	s := from
	for s < end && !isBase64(line[s]) {
		s++
	}
	if s < end && line[s] == 'n' && s > from && line[s-1] == '\\' {
		s++ // the n of a \n escape
	}
	if end-s >= 8 {
		add(s, end)
	}
}

// base64Line masks a line that is nothing but a long base64 run (a PEM
// body line in a string, a key split over lines), with optional
// indentation, quotes, a trailing \n escape, comma or closing bracket.
func base64Line(line string, add func(s, e int)) {
	s, e := 0, len(line)
	for s < e && strings.IndexByte(" \t\"'(+", line[s]) >= 0 {
		s++
	}
	for e > s && strings.IndexByte(" \t\r\"',)+;", line[e-1]) >= 0 {
		e--
	}
	if e-s >= 2 && line[e-2] == '\\' && line[e-1] == 'n' {
		e -= 2
	}
	if e-s < 40 {
		return
	}
	var upper, lower, digit bool
	for i := s; i < e; i++ {
		c := line[i]
		switch {
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z':
			lower = true
		case '0' <= c && c <= '9':
			digit = true
		case c == '+' || c == '/' || c == '=':
		default:
			return
		}
	}
	if upper && lower && digit {
		add(s, e)
	}
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}
