// Package identity finds where the Django code reads client-identity values
// (certificate DN, verify status, fingerprint, …) from request headers or
// the server environment, and under which verification guard each read
// happens.
package identity

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Read is one read of a client-identity value.
type Read struct {
	// Name is the canonical WSGI environ key: HTTP_X_CLIENT_DN for the
	// X-Client-DN header, SSL_CLIENT_S_DN for a server variable.
	Name string
	// Header is the HTTP header name a client would send for HTTP_* keys
	// ("X-Client-DN"), "" for server-environment keys.
	Header string
	Loc    source.Location
	Module *python.Module
	Node   *python.Node
	Func   *python.Function // enclosing function, nil at module level
	// Guard says whether a verification check dominates the read.
	Guard Guard
	// Via names the mechanism when the read is not an explicit lookup:
	// "RemoteUserMiddleware" for a subclass's `header = "HTTP_…"`.
	Via string
	// Use is where the value goes: the assignment statement or return that
	// takes it ("request.client_dn = …"); zero when it is used in place.
	Use     source.Location
	UseText string
}

// FromHeader reports whether the value comes from a request header (which a
// client can send) rather than from the server environment.
func (r Read) FromHeader() bool { return r.Header != "" }

// IsVerify reports whether the read is of a verification status
// (…_VERIFY) rather than of an identity value.
func (r Read) IsVerify() bool { return IsVerifyKey(r.Name) }

// Reads is the project's identity reads, sorted by location.
type Reads struct {
	Reads []Read
}

// Pass computes the reads. It parses only the Python files whose text can
// hold a read (see mentions), and the whole project only when it finds one
// (to judge its guards).
var Pass = &analyzer.Pass[*Reads]{Name: "identity-reads", Run: find, Requires: []analyzer.Requirement{keyReadsFact}}

// Canonical maps a header or META key to its WSGI environ key:
// "X-Client-DN" → "HTTP_X_CLIENT_DN"; "HTTP_X_CLIENT_DN" and
// "SSL_CLIENT_S_DN" stay as they are.
func Canonical(key string, fromHeaders bool) string {
	k := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(key), "-", "_"))
	if fromHeaders && !strings.HasPrefix(k, "HTTP_") {
		return "HTTP_" + k
	}
	return k
}

// HeaderName maps an HTTP_* key to the header name a client sends.
func HeaderName(key string) string { return frontend.HeaderName(key) }

// identityPrefixes are the canonical key prefixes of client-identity
// values.
var identityPrefixes = []string{"SSL_CLIENT_", "HTTP_SSL_CLIENT_", "HTTP_X_SSL_", "HTTP_X_CLIENT_"}

// IsIdentityKey reports whether a canonical key names a client-identity
// value.
func IsIdentityKey(k string) bool {
	for _, p := range identityPrefixes {
		if strings.HasPrefix(k, p) && len(k) > len(p) {
			return true
		}
	}
	return false
}

// IsVerifyKey reports whether an identity key carries the verification
// status (SSL_CLIENT_VERIFY, HTTP_X_CLIENT_VERIFY, HTTP_X_SSL_AUTHENTICATED).
func IsVerifyKey(k string) bool {
	return IsIdentityKey(k) && (strings.HasSuffix(k, "VERIFY") || strings.HasSuffix(k, "VERIFIED") || strings.HasSuffix(k, "AUTHENTICATED"))
}

// containerKind classifies the receiver of a subscript or .get: META and
// environ hold environ keys; headers hold header names.
func containerKind(expr string) (headers, ok bool) {
	expr = strings.Join(strings.Fields(expr), "")
	switch {
	case strings.HasSuffix(expr, ".META"), strings.HasSuffix(expr, ".environ"), expr == "environ", expr == "META":
		return false, true
	case strings.HasSuffix(expr, ".headers"):
		return true, true
	case strings.Contains(expr, "scope[") && strings.Contains(expr, "headers"):
		// ASGI: dict(scope["headers"]).get(b"x-client-dn")
		return true, true
	}
	return false, false
}

// keyRead recognises a read of an identity key at node n: a
// `X.META.get('K', …)`, `X.headers.get('K')`, `X.META['K']` or
// `X.headers['K']`. It returns the canonical key.
func keyRead(m *python.Module, n *python.Node, extra map[string]bool) (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.Type() {
	case "call":
		fn := n.ChildByFieldName("function")
		args := n.ChildByFieldName("arguments")
		if fn == nil || args == nil || fn.Type() != "attribute" {
			return "", false
		}
		attr := fn.ChildByFieldName("attribute")
		obj := fn.ChildByFieldName("object")
		if attr == nil || obj == nil || m.NodeText(attr) != "get" || args.NamedChildCount() == 0 {
			return "", false
		}
		hdr, ok := containerKind(m.NodeText(obj))
		if !ok {
			return "", false
		}
		return constKey(m, args.NamedChild(0), hdr, extra)
	case "subscript":
		value := n.ChildByFieldName("value")
		sub := n.ChildByFieldName("subscript")
		if value == nil || sub == nil {
			return "", false
		}
		hdr, ok := containerKind(m.NodeText(value))
		if !ok {
			return "", false
		}
		return constKey(m, sub, hdr, extra)
	}
	return "", false
}

func constKey(m *python.Module, n *python.Node, headers bool, extra map[string]bool) (string, bool) {
	e := m.ExprOf(n)
	key := e.Str
	if e.Kind != python.Bytes {
		v, ok := e.Const()
		if !ok || v.Kind != python.Str {
			return "", false
		}
		key = v.Str
	}
	k := Canonical(key, headers)
	return k, IsIdentityKey(k) || extra[k]
}

// remoteUserBases are the classes whose subclasses read their `header`.
var remoteUserBases = []string{"RemoteUserMiddleware", "RemoteUserAuthentication"}

func find(p *analyzer.Project) *Reads {
	out := &Reads{}
	extra := p.Config.IdentityKeys()
	keys := keyFilter(extra)
	var g *guards // built on the first read: it needs every module
	guardsOf := func() *guards {
		if g == nil {
			allModules(p)
			g = newGuards(p)
		}
		return g
	}
	for _, f := range p.PythonFilesMentioning(keys.mentions) {
		if len(analyzer.FileFactOf(p, keyReadsFact, f)) == 0 {
			continue // most files read no identity key: no walk
		}
		m := p.Module(f.Path)
		walk(m.Root, func(n *python.Node) {
			k, ok := keyRead(m, n, extra)
			if !ok {
				return
			}
			r := Read{Name: k, Header: HeaderName(k), Loc: m.Loc(n), Module: m, Node: n, Func: m.EnclosingFunction(n)}
			r.Guard = guardsOf().guardOf(m, r.Func, n)
			r.Use, r.UseText = useOf(m, n)
			out.Reads = append(out.Reads, r)
		})
	}
	// RemoteUserMiddleware and DRF RemoteUserAuthentication subclasses
	// read their `header` on every request.
	remoteUser := newTextFilter(remoteUserBases, false)
	for _, m := range p.PythonMentioning(remoteUser.mentions) {
		for _, c := range m.Classes {
			remote, via := false, ""
			for _, b := range c.Bases {
				for _, base := range remoteUserBases {
					if strings.HasSuffix(b, base) {
						remote, via = true, base
					}
				}
			}
			if !remote {
				continue
			}
			for _, a := range c.Assigns {
				if a.Target != "header" || a.Value == nil || a.Node == nil {
					continue
				}
				if v, ok := a.Value.Const(); ok && v.Kind == python.Str {
					k := Canonical(v.Str, false)
					out.Reads = append(out.Reads, Read{Name: k, Header: HeaderName(k), Loc: a.Loc, Module: m, Node: a.Node, Via: via})
				}
			}
		}
	}
	// Published packages the settings enable read their headers too: only
	// when some file names one of their classes.
	var classes []string
	for _, kp := range knownPackages(p) {
		classes = append(classes, kp.Classes...)
	}
	known := newTextFilter(classes, false)
	if len(p.PythonMentioning(known.mentions)) > 0 {
		allModules(p)
		out.Reads = append(out.Reads, knownReads(p)...)
	}
	// A small helper that reads the value unguarded is fine when every
	// call to it in the project sits behind a correct check.
	for i := range out.Reads {
		r := &out.Reads[i]
		if r.Guard.State == Unguarded && r.Func != nil {
			if cg, ok := guardsOf().callersGuarded(p, r.Func); ok {
				r.Guard = cg
			}
		}
		if r.Guard.State == Unguarded && r.Func != nil && r.Node != nil && r.Via == "" {
			if bg, ok := guardsOf().backendGuarded(r); ok {
				r.Guard = bg
			}
		}
	}
	sort.SliceStable(out.Reads, func(i, j int) bool { return out.Reads[i].Loc.Less(out.Reads[j].Loc) })
	return out
}

// KeyRead is where a file reads an identity key, by byte offsets.
type KeyRead struct {
	Start, End uint32
	Key        string
}

// keyReadsFact is a module's explicit identity-key reads: it depends on
// the file and on the configured identity headers.
var keyReadsFact = analyzer.NewFileFact("identity-key-reads", 1, identitySalt, func(p *analyzer.Project, f *source.File) []KeyRead {
	m := p.Module(f.Path)
	if m == nil {
		return nil
	}
	extra := p.Config.IdentityKeys()
	var out []KeyRead
	walk(m.Root, func(n *python.Node) {
		if k, ok := keyRead(m, n, extra); ok {
			out = append(out, KeyRead{Start: n.StartByte(), End: n.EndByte(), Key: k})
		}
	})
	return out
})

func identitySalt(p *analyzer.Project) string {
	var keys []string
	for k := range p.Config.IdentityKeys() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return analyzer.SaltOf(keys)
}

// allModules parses every Python file of the project (Project.Python).
func allModules(p *analyzer.Project) {
	if _, err := p.AllPython(); err != nil {
		panic(err)
	}
}

// textFilter is a byte-level pre-filter: a file can matter only when its
// text contains one of the needles.
type textFilter struct {
	needles []string
	// fold compares ASCII case-insensitively and takes '-' and '_' as the
	// same byte (header names and environ keys spell the same key).
	fold bool
	key  string // needles and fold, for mentionsMemo
}

func newTextFilter(needles []string, fold bool) textFilter {
	t := textFilter{needles: needles, fold: fold}
	t.key = analyzer.SaltOf(needles, []string{strconv.FormatBool(fold)})
	return t
}

// mentions reports whether content holds a needle. Verdicts are memoised
// by filter and content, so that a lint after an edit elsewhere (an
// editor's nginx edit runs this pass again) does not scan every Python
// file again.
func (t textFilter) mentions(content []byte) bool {
	return mentionsMemo.Get(t.key, content, func() bool { return t.scan(content) })
}

var mentionsMemo analyzer.ContentMemo[bool]

func (t textFilter) scan(content []byte) bool {
	if t.fold {
		bp := foldBufs.Get().(*[]byte)
		defer foldBufs.Put(bp)
		*bp = foldInto((*bp)[:0], content)
		content = *bp
	}
	for _, n := range t.needles {
		if bytes.Contains(content, []byte(n)) {
			return true
		}
	}
	return false
}

// foldBufs holds the buffers mentions folds a file's text into, so that a
// lint over the project does not allocate a copy of every file.
var foldBufs = sync.Pool{New: func() any { return new([]byte) }}

// foldTable maps a byte to its folded form (foldInto).
var foldTable = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case c == '-':
			c = '_'
		}
		t[i] = c
	}
	return t
}()

// foldInto appends b to dst upper-cased (ASCII), with '-' turned into '_'.
func foldInto(dst, b []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(b))[:n+len(b)]
	out := dst[n:]
	for i, c := range b {
		out[i] = foldTable[c]
	}
	return dst
}

// keyFilter is the pre-filter of files that can hold a key read: a read's
// key is a string literal that, canonicalised, starts with an identity
// prefix or is a configured identity key, so the file's text holds the
// prefix or key without its HTTP_ (a header name drops it) in some case
// and with '-' or '_'. A key spelled with escape sequences, or split
// across implicitly concatenated literals inside that text, is not seen.
func keyFilter(extra map[string]bool) textFilter {
	var needles []string
	for _, k := range identityPrefixes {
		needles = append(needles, strings.TrimPrefix(k, "HTTP_"))
	}
	for k := range extra {
		needles = append(needles, strings.TrimPrefix(k, "HTTP_"))
	}
	sort.Strings(needles)
	return newTextFilter(slices.Compact(needles), true) // SSL_CLIENT_ and HTTP_SSL_CLIENT_ give one
}

// callersGuarded reports whether fn is called at least once in the project
// and every call is dominated by a correct verification check; it returns
// the first caller's guard.
func (g *guards) callersGuarded(p *analyzer.Project, fn *python.Function) (Guard, bool) {
	var first Guard
	calls := 0
	for _, m := range p.Python {
		for _, c := range m.Calls {
			if c.Func != fn.Name && !strings.HasSuffix(c.Func, "."+fn.Name) {
				continue
			}
			if c.Enclosing == fn {
				continue // recursion
			}
			calls++
			cg := g.guardOf(m, c.Enclosing, c.Node)
			if cg.State != Correct {
				return Guard{}, false
			}
			if calls == 1 {
				first = cg
			}
		}
	}
	return first, calls > 0
}

func walk(n *python.Node, fn func(*python.Node)) {
	if n == nil {
		return
	}
	fn(n)
	for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
		walk(ch, fn)
	}
}

// useOf finds the statement that consumes a read: an assignment (its
// target) or a return.
func useOf(m *python.Module, n *python.Node) (source.Location, string) {
	for p := n.Parent(); p != nil; p = p.Parent() {
		switch p.Type() {
		case "assignment":
			if l := p.ChildByFieldName("left"); l != nil {
				return m.Loc(p), "assigned to `" + m.NodeText(l) + "`"
			}
		case "return_statement":
			return m.Loc(p), "returned to the caller"
		case "expression_statement", "block", "function_definition", "module":
			return source.Location{}, ""
		}
	}
	return source.Location{}, ""
}
