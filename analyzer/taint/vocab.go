package taint

import (
	"math"
	"strings"
	"unicode"
)

// Vocab decides which names denote secrets and which calls sanitize them.
// The built-in vocabulary is extended by the project's configuration
// (`extra-token-names`, `extra-sanitizers`).
type Vocab struct {
	extraNames [][]string      // extra token names, as word sequences
	extraSan   map[string]bool // extra sanitizers: full dotted names and last components
}

// NewVocab builds the vocabulary with the project's extra names and
// sanitizers.
func NewVocab(extraNames, extraSanitizers []string) *Vocab {
	v := &Vocab{extraSan: map[string]bool{}}
	for _, n := range extraNames {
		if w := Words(n); len(w) > 0 {
			v.extraNames = append(v.extraNames, w)
		}
	}
	for _, s := range extraSanitizers {
		s = strings.TrimSpace(s)
		if s != "" {
			v.extraSan[strings.ToLower(s)] = true
		}
	}
	return v
}

// Words splits an identifier, dict key or header name into lower-case
// words: snake_case, camelCase, kebab-case and dotted names all split
// ("accessToken" → access, token; "X-Api-Key" → x, api, key).
func Words(name string) []string {
	var out []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if !alnum {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		// fooBar: boundary before B; HTTPHeader: boundary before the H of Header.
		if unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)) {
			flush(i)
			start = i
		} else if unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) {
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return out
}

// secretWords are words that on their own name a secret.
var secretWords = map[string]bool{
	"token": true, "tokens": true, "secret": true, "secrets": true,
	"password": true, "passwords": true, "passwd": true, "passphrase": true,
	"bearer": true, "jwt": true, "sessionid": true, "authorization": true,
	"credential": true, "credentials": true,
	"apikey": true, "authtoken": true, "accesstoken": true, "refreshtoken": true,
	"secretkey": true, "privatekey": true, "sessionkey": true, "clientsecret": true,
	"xapikey": true, "idtoken": true,
}

// secretPairs are two-word sequences that name a secret.
var secretPairs = map[[2]string]bool{
	{"api", "key"}: true, {"access", "key"}: true, {"session", "key"}: true,
	{"private", "key"}: true, {"signing", "key"}: true, {"encryption", "key"}: true,
	{"auth", "header"}: true, {"auth", "key"}: true, {"master", "key"}: true,
	{"license", "key"}: true, {"app", "key"}: true, {"webhook", "key"}: true,
}

// notSecretPairs are two-word sequences whose second word is a secret word
// but that name something else: an OAuth 1.0a request token (a temporary
// credential the protocol sends through the browser), a push-notification
// device token (an address, not a credential), public key material.
var notSecretPairs = map[[2]string]bool{
	{"request", "token"}: true, {"device", "token"}: true, {"push", "token"}: true,
	{"fcm", "token"}: true, {"apns", "token"}: true, {"gcm", "token"}: true,
	{"notification", "token"}: true,
	{"public", "key"}:         true, {"publishable", "key"}: true,
}

// providers are service names that, directly before "key", name that
// service's API key (STRIPE_KEY, TwilioKey).
var providers = map[string]bool{
	"stripe": true, "twilio": true, "sendgrid": true, "mailgun": true, "mailchimp": true, "mandrill": true,
	"postmark": true, "github": true, "gitlab": true, "aws": true, "slack": true, "openai": true,
	"anthropic": true, "google": true, "gmaps": true, "firebase": true, "algolia": true, "paypal": true,
	"braintree": true, "pusher": true, "mapbox": true, "heroku": true, "datadog": true, "segment": true,
	"shopify": true, "plaid": true, "okta": true, "auth0": true, "azure": true, "cloudflare": true,
	"digitalocean": true, "telegram": true, "discord": true, "sentry": true, "mixpanel": true,
	"intercom": true, "zendesk": true, "hubspot": true, "nexmo": true, "vonage": true, "cohere": true,
}

// qualifiers are words that turn a secret word into something that is not
// the secret: its type, count, id, hash, expiry, name, URL, a flag, a
// pagination cursor, an LLM token count, a CSRF token, a class, …
var qualifiers = map[string]bool{
	"type": true, "types": true, "kind": true, "count": true, "counts": true, "num": true,
	"number": true, "len": true, "length": true, "size": true, "max": true, "min": true,
	"total": true, "limit": true, "limits": true, "usage": true, "used": true, "remaining": true,
	"budget": true, "cost": true, "prompt": true, "completion": true, "input": true, "output": true,
	"cached": true, "reasoning": true, "next": true, "prev": true, "previous": true, "page": true,
	"pagination": true, "continuation": true, "cursor": true, "sync": true, "csrf": true,
	"xsrf": true, "csrftoken": true, "csrfmiddlewaretoken": true, "ids": true, "pk": true,
	"hash": true, "hashed": true, "hashes": true, "digest": true, "fingerprint": true,
	"checksum": true, "name": true, "names": true, "prefix": true, "suffix": true,
	"format": true, "fmt": true, "version": true, "scheme": true, "algorithm": true,
	"algorithms": true, "alg": true, "expiry": true, "expires": true, "expire": true,
	"expiration": true, "expired": true, "exp": true, "ttl": true, "timeout": true, "age": true,
	"lifetime": true, "created": true, "updated": true, "issued": true, "validator": true,
	"validators": true, "validation": true, "generator": true, "generators": true,
	"class": true, "classes": true, "model": true, "serializer": true, "form": true,
	"view": true, "viewset": true, "backend": true, "backends": true, "manager": true,
	"cls": true, "mode": true, "policy": true, "template": true, "label": true, "help": true,
	"text": true, "widget": true, "field": true, "fields": true, "required": true,
	"enabled": true, "disabled": true, "salt": true, "hint": true, "lexer": true,
	"parser": true, "tokenizer": true, "tokenize": true, "tokenized": true, "url": true,
	"urls": true, "uri": true, "endpoint": true, "path": true, "route": true, "dir": true,
	"file": true, "filename": true, "env": true, "var": true, "setting": true, "attr": true,
	"column": true, "index": true, "position": true, "pos": true, "start": true, "end": true,
	"offset": true, "lineno": true, "hasher": true, "hashers": true, "iterations": true,
	"chars": true, "charset": true, "alphabet": true, "entropy": true, "strength": true,
	"changed": true, "valid": true, "invalid": true, "missing": true, "error": true,
	"errors": true, "placeholder": true, "title": true, "description": true, "regex": true,
	"pattern": true, "re": true, "rx": true, "location": true, "source": true, "param": true,
	"parameter": true, "method": true, "contents": true, "storage": true,
	"lookup": true, "kwarg": true, "query": true, "func": true, "function": true, "call": true,
	"callable": true, "dbus": true, "arg": true, "args": true, "inspect": true, "ok": true, "found": true,
	"exists": true, "present": true, "status": true, "state": true, "done": true,
	"public": true, "publishable": true,
}

// trailingQualifiers turn a secret word into something else only after it:
// token_certificate, key_certfile, tokens_deleted, token_uuid are not
// secrets, cert_password and certificate_secret are.
var trailingQualifiers = map[string]bool{
	"deleted": true, "removed": true, "purged": true, "delete": true, "no": true, "cert": true, "certificate": true, "certs": true,
	"certificates": true, "keyfile": true, "certfile": true, "uuid": true, "slug": true,
	// An ERC-20 token's contract address (autobahn's XBR_DEBUG_TOKEN_ADDR,
	// _token_adr).
	"addr": true, "adr": true, "address": true,
}

// flagWords start boolean names: is_token, has_password, use_jwt, ….
var flagWords = map[string]bool{
	"is": true, "has": true, "should": true, "use": true, "uses": true, "needs": true, "need": true,
	"require": true, "requires": true, "allow": true, "allows": true, "can": true, "must": true,
	"with": true, "without": true, "no": true, "enable": true, "disable": true, "validate": true,
	"verify": true, "check": true, "show": true, "hide": true, "include": true, "exclude": true,
	"skip": true, "want": true, "did": true, "was": true, "will": true, "supports": true,
	"accept": true, "accepts": true, "count": true, "num": true, "len": true, "n": true,
}

// TokenName reports whether name (an identifier, attribute, dict key or
// header name) denotes a secret. code is set for identifiers in code, where
// CamelCase names are classes rather than values.
func (v *Vocab) TokenName(name string, code bool) bool {
	name = strings.TrimLeft(name, "_")
	if name == "" {
		return false
	}
	if code && isClassName(name) {
		return false
	}
	ws := Words(name)
	if len(ws) == 0 {
		return false
	}
	lower := strings.ToLower(name)
	if strings.Contains(lower, "csrf") || strings.Contains(lower, "xsrf") {
		return false
	}
	if len(ws) > 1 && flagWords[ws[0]] {
		return false
	}
	found := -1
	for _, extra := range v.extraNames {
		if i := seqIndex(ws, extra); i >= 0 {
			found = i
			break
		}
	}
	for i, w := range ws {
		if found >= 0 {
			break
		}
		if secretWords[w] {
			found = i
			break
		}
		if i+1 < len(ws) && (secretPairs[[2]string{w, ws[i+1]}] || providers[w] && (ws[i+1] == "key" || ws[i+1] == "keys")) {
			found = i
			break
		}
	}
	if found > 0 && notSecretPairs[[2]string{ws[found-1], ws[found]}] && !secretAfter(ws, found+1) {
		return false
	}
	// Signatures (request_signature, webhook_signature, X-Hub-Signature,
	// a signed URL's sig) are public material: a MAC or signature over one
	// message, not a credential that opens anything else.
	if found < 0 {
		return false
	}
	for i, w := range ws {
		if qualifiers[w] {
			return false
		}
		// token_id / password_id is an id; id_token (OIDC) is a token.
		if (w == "id" || trailingQualifiers[w]) && i > found {
			return false
		}
	}
	return true
}

// idWords name identifiers of a record, not its secret.
var idWords = map[string]bool{"id": true, "pk": true, "uuid": true, "slug": true}

// Metadata reports a field name that selects metadata of a secret-holding
// object rather than the secret (token["expires_at"], token.pk,
// key.uuid): it names no secret itself and has a qualifier or id word.
func (v *Vocab) Metadata(name string) bool {
	if v.TokenName(name, false) {
		return false
	}
	for _, w := range Words(name) {
		if qualifiers[w] || idWords[w] || trailingQualifiers[w] {
			return true
		}
	}
	return false
}

// publicContainer reports a subscript (`request_token["oauth_token"]`)
// whose container is named as public by notSecretPairs: its entries are
// not secrets by their key alone.
func (v *Vocab) publicContainer(text string) bool {
	i := strings.IndexByte(text, '[')
	if i < 0 {
		return false
	}
	base := text[:i]
	if j := strings.LastIndexByte(base, '.'); j >= 0 {
		base = base[j+1:]
	}
	ws := Words(base)
	n := len(ws)
	return n >= 2 && notSecretPairs[[2]string{ws[n-2], ws[n-1]}]
}

// secretAfter reports whether a secret word follows position i
// (request_token_secret).
func secretAfter(ws []string, i int) bool {
	for _, w := range ws[i:] {
		if secretWords[w] {
			return true
		}
	}
	return false
}

func seqIndex(ws, seq []string) int {
	for i := 0; i+len(seq) <= len(ws); i++ {
		ok := true
		for j := range seq {
			if ws[i+j] != seq[j] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// isClassName reports CamelCase names (RefreshToken, Token): classes, not
// values. ALL_CAPS constants are values.
func isClassName(name string) bool {
	rs := []rune(name)
	if !unicode.IsUpper(rs[0]) || strings.Contains(name, "_") {
		return false
	}
	for _, r := range rs[1:] {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// builtinSanitizers are call names (last dotted component, lower case)
// whose result is not the secret.
var builtinSanitizers = map[string]bool{
	"len": true, "bool": true, "int": true, "float": true, "isinstance": true, "issubclass": true,
	"type": true, "id": true, "callable": true, "hasattr": true, "hmac": true,
	"sha1": true, "sha224": true, "sha256": true, "sha384": true, "sha512": true, "md5": true,
	"blake2b": true, "blake2s": true, "sha3_256": true, "sha3_512": true, "pbkdf2": true,
	"pbkdf2_hmac": true, "compare_digest": true, "constant_time_compare": true,
	"check_password": true, "make_password": true, "salted_hmac": true, "hexdigest": true,
	"digest": true, "encrypt": true, "any": true, "all": true, "startswith": true,
	"endswith": true, "isdigit": true, "isalnum": true, "isalpha": true, "isspace": true,
	"count": true, "find": true, "rfind": true, "index": true, "exists": true,
	"is_valid": true, "check_token": true, "verify": true,
}

// sanitizerStems match anywhere in a call's last name component.
var sanitizerStems = []string{"mask", "redact", "scrub", "sanitiz", "sanitis", "obfuscat", "anonymi", "censor", "hash", "hmac", "digest", "fingerprint", "encrypt"}

// Sanitizer reports whether a call to the dotted name fn hides a secret
// (masking, redaction, hashing, length or truth value).
//
// It lower-cases only the components it looks at (the first and the
// last): the callee of a method chain is as long as the chain, and the
// chain calls it once per link. Lower-casing maps rune by rune and keeps
// the dots, so a component of the lower-cased name is the lower-cased
// component.
func (v *Vocab) Sanitizer(fn string) bool {
	last := fn
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		last = fn[i+1:]
	}
	last = strings.ToLower(last)
	if v.extraSan[last] || len(v.extraSan) > 0 && v.extraSan[strings.ToLower(fn)] {
		return true
	}
	if builtinSanitizers[last] {
		return true
	}
	if i := strings.IndexByte(fn, '.'); i >= 0 {
		if first := strings.ToLower(fn[:i+1]); first == "hashlib." || first == "hmac." {
			return true
		} else if last == "compile" && (first == "re." || first == "regex.") {
			// A compiled pattern (gunicorn's `_token_spliter =
			// re.compile(r"\W+")`), not the text it will match.
			return true
		}
	}
	ws := Words(last)
	if len(ws) > 0 && (ws[0] == "is" || ws[0] == "has") {
		return true
	}
	for _, s := range sanitizerStems {
		if strings.Contains(last, s) {
			// "unmask", "unredact" restore the secret.
			if strings.Contains(last, "un"+s) {
				return false
			}
			return true
		}
	}
	return false
}

// LooksSecret reports whether a string literal assigned to a secret-named
// variable looks like a real credential rather than a placeholder, a header
// name or a setting value.
func LooksSecret(s string) bool {
	if len(s) < 12 || len(s) > 512 {
		return false
	}
	if strings.ContainsAny(s, " \t\n{}%<>$") {
		return false
	}
	l := strings.ToLower(s)
	for _, p := range []string{"http://", "https://", "/", "change", "example", "your", "xxx", "dummy", "fake", "placeholder", "replace", "todo", "test", "sample"} {
		if strings.HasPrefix(l, p) || (len(p) > 3 && strings.Contains(l, p)) {
			return false
		}
	}
	if strings.HasPrefix(l, "django-insecure-") {
		return true
	}
	digits, letters := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	if digits == 0 || letters == 0 {
		return false
	}
	return entropy(s) >= 3.0
}

func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// Sensitive headers -------------------------------------------------------

// The request headers whose presence in a logged or returned collection is
// reported. A filter that removes all four makes the collection clean.
const (
	hAuthorization = iota
	hProxyAuthorization
	hCookie
	hXAPIKey
	numHeaders
)

// Header-collection key styles.
const (
	styleHeaders = iota // request.headers: "Authorization"
	styleMeta           // request.META / environ: "HTTP_AUTHORIZATION"
	styleASGI           // ASGI scope["headers"]: b"authorization"
	numStyles
)

var headerNames = [numHeaders]string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"}

const allBits = uint16(1<<(numHeaders*numStyles) - 1)

func bit(h, style int) uint16 { return 1 << (style*numHeaders + h) }

// styleBits is the mask of one style's bits.
func styleBits(style int) uint16 { return uint16(1<<numHeaders-1) << (style * numHeaders) }

// headerKey is the key under which a collection of the given style holds
// header h, and whether it is bytes.
func headerKey(h, style int) (string, bool) {
	switch style {
	case styleMeta:
		return "HTTP_" + strings.ToUpper(strings.ReplaceAll(headerNames[h], "-", "_")), false
	case styleASGI:
		return strings.ToLower(headerNames[h]), true
	}
	return headerNames[h], false
}

// HeaderNames lists the sensitive headers whose bits are set, in canonical
// order, without duplicates across styles.
func HeaderNames(bits uint16) []string {
	var out []string
	for h := 0; h < numHeaders; h++ {
		for s := 0; s < numStyles; s++ {
			if bits&bit(h, s) != 0 {
				out = append(out, headerNames[h])
				break
			}
		}
	}
	return out
}

// sensitiveHeader maps a key read from a collection of the given style to
// one of the four sensitive headers (-1 if it is none of them).
func sensitiveHeader(key string, style int) int {
	k := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
	if style == styleMeta {
		if !strings.HasPrefix(k, "http-") {
			return -1
		}
		k = strings.TrimPrefix(k, "http-")
	}
	for h, n := range headerNames {
		if k == strings.ToLower(n) {
			return h
		}
	}
	return -1
}

// SensitiveHeader reports whether name is one of the sensitive request
// headers (Authorization, Proxy-Authorization, Cookie, X-Api-Key), written
// as a header name ("X-Api-Key", any case) or as a WSGI environ / nginx
// FastCGI parameter ("HTTP_AUTHORIZATION").
func SensitiveHeader(name string) bool {
	return sensitiveHeader(name, styleHeaders) >= 0 || sensitiveHeader(name, styleMeta) >= 0
}
