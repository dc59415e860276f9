package taint

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// callInfo is one call being evaluated.
type callInfo struct {
	x      *python.Expr
	call   *python.Call
	recv   *Val // receiver of a method call
	recvX  *python.Expr
	method string
	args   []*Val
	kws    []*Val
	q      string // qualified callee name
	last   string // its last component
}

// containsFold reports whether s holds the lower-case ASCII word w in any
// case, without building a lower-cased copy of s (a method chain's callee
// is as long as the chain).
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

func lastComp(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (c *fctx) call(x *python.Expr, e *env) *Val {
	call := x.Call
	ci := &callInfo{x: x, call: call}
	if fe := call.FuncExpr; fe != nil {
		switch fe.Kind {
		case python.Attribute:
			if len(fe.Elems) == 1 {
				ci.recvX = fe.Elems[0]
				ci.recv = c.eval(fe.Elems[0], e)
				ci.method = fe.Attr
			}
		case python.Name:
		default:
			c.eval(fe, e)
		}
	}
	for _, a := range call.Args() {
		ci.args = append(ci.args, c.eval(a, e))
	}
	for _, k := range call.Kwargs() {
		ci.kws = append(ci.kws, c.eval(k.Value, e))
	}
	ci.q = c.qualify(call.Func, e)
	ci.last = lastComp(ci.q)
	c.sinks(ci)
	return c.result(ci, e)
}

// qualify resolves a dotted callee through the module's imports.
func (c *fctx) qualify(fn string, e *env) string {
	if fn == "" {
		return ""
	}
	first, rest := fn, ""
	if i := strings.IndexByte(fn, '.'); i >= 0 {
		first, rest = fn[:i], fn[i:]
	}
	if _, local := e.get(first); local {
		return fn
	}
	if q, ok := c.mi.imports[first]; ok {
		return q + rest
	}
	if _, ok := c.mi.funcs[first]; ok {
		return c.mi.name + "." + fn
	}
	if _, ok := c.mi.classes[first]; ok {
		return c.mi.name + "." + fn
	}
	return fn
}

// unimported reports a bare callee that no import or definition binds
// (a snippet, or a star import).
func (c *fctx) unimported(ci *callInfo) bool {
	return ci.q == ci.call.Func && !strings.Contains(ci.q, ".")
}

func (c *fctx) djangoName(ci *callInfo) bool {
	return strings.HasPrefix(ci.q, "django.") || c.unimported(ci)
}

// Sinks ------------------------------------------------------------------------

func (c *fctx) sinks(ci *callInfo) {
	switch {
	case c.logSink(ci):
	case c.responseSink(ci):
	case c.redirectSink(ci):
	case c.outboundSink(ci):
	default:
		if c.a.sinks.has(SinkAuth) {
			c.authSink(ci)
		}
		if c.a.sinks.has(SinkURL) {
			c.urlPartsSink(ci)
		}
	}
}

func (c *fctx) isLogger(ci *callInfo) bool {
	if ci.recv == nil || ci.recvX == nil {
		return false
	}
	if ci.recv.Obj == objLogger || ci.recv.Qual == "logging" || ci.recv.Qual == "structlog" {
		return true
	}
	if ci.recv.Class != nil || ci.recv.Obj == objModule || ci.recv.Obj == objClass {
		return false
	}
	if ci.recvX.Kind == python.CallExpr {
		switch lastComp(ci.recvX.Call.Func) {
		case "getLogger", "get_logger", "get_task_logger":
			return true
		}
		return false
	}
	ll := strings.ToLower(lastComp(compactText(ci.recvX.Text)))
	ll = strings.TrimLeft(ll, "_")
	return ll == "log" || strings.HasSuffix(ll, "logger") || strings.HasSuffix(ll, "_log")
}

// managementCommand reports whether the function's module is a Django
// management command (…/management/commands/NAME.py).
func (c *fctx) managementCommand() bool {
	p := "/" + c.mi.m.File.Path
	i := strings.LastIndex(p, "/management/commands/")
	return i >= 0 && !strings.Contains(p[i+len("/management/commands/"):], "/")
}

func (c *fctx) logSink(ci *callInfo) bool {
	call := ci.call
	var desc string
	start := 0
	kwargs := false
	switch {
	case logLevels[ci.method] && c.isLogger(ci):
		desc = compactText(ci.recvX.Text) + "." + ci.method
		if ci.method == "log" {
			start = 1
		}
		kwargs = true
	case (ci.method == "bind" || ci.method == "new") && c.isLogger(ci):
		desc = compactText(ci.recvX.Text) + "." + ci.method
		start = len(call.Args())
		kwargs = true
	case (call.Func == "print" && ci.q == "print" || streamWrites[ci.q]) && c.managementCommand():
		// A management command's output goes to the operator who ran
		// it, as its self.stdout does.
		return false
	case call.Func == "print" && ci.q == "print":
		desc = "print"
	case streamWrites[ci.q]:
		desc = ci.q
	case strings.HasPrefix(ci.q, sentryModule) && sentrySinks[ci.last]:
		desc = ci.q
		kwargs = true
	case ci.q == warnCall:
		desc = ci.q
		start = 0
		if len(call.Args()) > 1 {
			ci = &callInfo{x: ci.x, call: call.WithArgs(call.Args()[:1]), args: ci.args[:1], q: ci.q}
			call = ci.call
		}
	default:
		return false
	}
	for i := start; i < len(call.Args()); i++ {
		where := "in the message"
		if i > start {
			where = "in the message arguments"
		}
		if desc == "print" || strings.HasPrefix(desc, "sys.") {
			where = ""
		}
		c.hitVal(Hit{Sink: SinkLog, Desc: desc, Where: where}, ci, call.Args()[i], ci.args[i], "")
	}
	for j, k := range call.Kwargs() {
		if j >= len(ci.kws) {
			break
		}
		switch {
		case !kwargs && desc == "print":
			continue
		case k.Name == "exc_info" || k.Name == "stack_info" || k.Name == "stacklevel":
			continue
		case k.Name == "extra":
			c.hitVal(Hit{Sink: SinkLog, Desc: desc, Where: "in extra="}, ci, k.Value, ci.kws[j], "extra")
		case k.Name == "":
			c.hitVal(Hit{Sink: SinkLog, Desc: desc, Where: "in **kwargs"}, ci, k.Value, ci.kws[j], "")
		case kwargs:
			c.hitVal(Hit{Sink: SinkLog, Desc: desc, Where: "as `" + k.Name + "=`"}, ci, k.Value, ci.kws[j], "")
		}
	}
	return true
}

// hitVal records a hit for every label of v at expression x. For a dict
// literal with constant keys, each entry is its own hit (cont names the
// dict in messages: "extra['headers']").
func (c *fctx) hitVal(h Hit, ci *callInfo, x *python.Expr, v *Val, cont string) {
	if v == nil || !v.tainted() || x == nil || !c.a.sinks.has(h.Sink) {
		return
	}
	h.Call = ci.x.Loc()
	h.Func = c.name
	h.EmailLink = h.EmailLink || c.email
	if v.Fields != nil && len(v.FieldExpr) > 0 {
		covered := map[*Source]bool{}
		keys := make([]string, 0, len(v.Fields))
		for k := range v.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fv, fx := v.Fields[k], v.FieldExpr[k]
			if fx == nil || !fv.tainted() {
				continue
			}
			hh := h
			name := cont
			if name == "" {
				name = "the value"
			}
			if strings.HasPrefix(name, "the ") {
				hh.Where = "in the `" + k + "` entry of " + name
			} else {
				hh.Where = "in " + name + "['" + k + "']"
			}
			c.emit(hh, fx.Loc(), fv)
			for _, l := range fv.L {
				covered[l.Src] = true
			}
		}
		rest := mapLabels(v, func(l *Label) *Label {
			if covered[l.Src] {
				return nil
			}
			return l
		})
		c.emit(h, x.Loc(), rest)
		return
	}
	c.emit(h, x.Loc(), v)
}

func (c *fctx) emit(h Hit, loc source.Location, v *Val) {
	if v == nil {
		return
	}
	msg := "reaches `" + h.Desc + "`"
	if h.Where != "" {
		msg += " " + h.Where
	}
	for _, l := range v.L {
		if (h.Sink == SinkRedirect || h.Sink == SinkOutbound) && l.InURL {
			continue
		}
		hh := h
		hh.Loc = loc
		hh.Label = l.with(loc, msg)
		c.a.record(c, hh)
	}
}

var statusCodeRe = regexp.MustCompile(`HTTP_(\d{3})`)

// statusOf reads a status expression: its code and whether it is known.
func statusOf(x *python.Expr) (int, bool) {
	if x == nil {
		return 0, false
	}
	if x.Kind == python.Number && x.IsInt {
		return int(x.Num), true
	}
	if m := statusCodeRe.FindStringSubmatch(x.Text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, true
	}
	if x.Kind == python.Attribute {
		if n, ok := httpStatusNames[x.Attr]; ok {
			return n, true
		}
	}
	return 0, false
}

func (c *fctx) responseSink(ci *callInfo) bool {
	call := ci.call
	last := ci.last
	drfExc := strings.HasPrefix(ci.q, drfExceptions) || drfErrors[ci.q]
	statusIdx := -1
	status, known, present := 200, true, false
	switch {
	case drfExc:
		status, present = 400, true
	case last == drfResponse && strings.HasPrefix(ci.q, "rest_framework."):
		statusIdx = 1
	case responseClasses[last] && c.djangoName(ci):
		if last != "JsonResponse" {
			statusIdx = 2
		}
	case errorClasses[last] != 0 && c.djangoName(ci):
		status, present = errorClasses[last], true
	default:
		return false
	}
	var content *python.Expr
	var cv *Val
	if len(call.Args()) > 0 {
		content, cv = call.Args()[0], ci.args[0]
	}
	for j, k := range call.Kwargs() {
		switch k.Name {
		case "content", "data", "streaming_content", "detail":
			content, cv = k.Value, ci.kws[j]
		case "status":
			status, known = statusOf(k.Value)
			present = true
		}
	}
	if statusIdx >= 0 && statusIdx < len(call.Args()) {
		status, known = statusOf(call.Args()[statusIdx])
		present = true
	}
	isErr := known && status >= 400 || c.inExcept > 0 && (!present || !known)
	desc := last + "(…)"
	if known && present && status != 200 {
		desc = Sprintf("%s(status=%d)", last, status)
	}
	if drfExc {
		desc = "raise " + last + "(…)"
		validation := last == "ParseError" || last == "ValidationError"
		h := Hit{Sink: SinkResponse, Desc: desc, Where: "in the error detail", Error: true, Validation: validation}
		for i, a := range call.Args() {
			c.hitVal(h, ci, a, ci.args[i], "the detail")
		}
		for j, k := range call.Kwargs() {
			if k.Name == "detail" {
				c.hitVal(h, ci, k.Value, ci.kws[j], "the detail")
			}
		}
		return true
	}
	c.hitVal(Hit{Sink: SinkResponse, Desc: desc, Where: "in the response body", Error: isErr}, ci, content, cv, "the response body")
	return true
}

func (c *fctx) redirectSink(ci *callInfo) bool {
	call := ci.call
	h := Hit{Sink: SinkRedirect, Desc: ci.last + "()"}
	switch ci.last {
	case "redirect", "resolve_url":
		if !c.djangoName(ci) {
			return false
		}
		for _, k := range call.Kwargs() {
			if k.Name == "uidb64" {
				return true
			}
		}
		for i, a := range call.Args() {
			hh := h
			hh.Where = "as the redirect URL"
			if i > 0 {
				hh.Where, hh.Path = "in the URL path it reverses", true
			}
			c.hitVal(hh, ci, a, ci.args[i], "")
		}
		for j, k := range call.Kwargs() {
			if k.Name == "permanent" || k.Name == "preserve_request" {
				continue
			}
			hh := h
			hh.Where, hh.Path = "in the URL path it reverses", true
			c.hitVal(hh, ci, k.Value, ci.kws[j], "")
		}
		return true
	case "HttpResponseRedirect", "HttpResponsePermanentRedirect":
		if !c.djangoName(ci) {
			return false
		}
		if len(call.Args()) > 0 {
			hh := h
			hh.Where = "as the redirect URL"
			c.hitVal(hh, ci, call.Args()[0], ci.args[0], "")
		}
		return true
	case "reverse", "reverse_lazy":
		if !c.djangoName(ci) {
			return false
		}
		var argsX, kwX *python.Expr
		var argsV, kwV *Val
		if len(call.Args()) > 2 {
			argsX, argsV = call.Args()[2], ci.args[2]
		}
		if len(call.Args()) > 3 {
			kwX, kwV = call.Args()[3], ci.args[3]
		}
		for j, k := range call.Kwargs() {
			switch k.Name {
			case "args":
				argsX, argsV = k.Value, ci.kws[j]
			case "kwargs":
				kwX, kwV = k.Value, ci.kws[j]
			}
		}
		if kwV != nil && kwV.Fields != nil {
			if _, ok := kwV.Fields["uidb64"]; ok {
				return true
			}
		}
		h.Path = true
		h.Where = "in the URL path"
		c.hitVal(h, ci, argsX, argsV, "args")
		c.hitVal(h, ci, kwX, kwV, "kwargs")
		return true
	}
	return false
}

func (c *fctx) outboundSink(ci *callInfo) bool {
	call := ci.call
	lib := httpClients[firstComp(ci.q)] && strings.Count(ci.q, ".") == 1 && httpMethods[ci.last]
	obj := ci.recv != nil && ci.recv.Obj == objHTTP && httpMethods[ci.method]
	urllib := urlOpeners[ci.q]
	if !lib && !obj && !urllib {
		return false
	}
	desc := compactText(call.Func)
	urlIdx := 0
	if ci.last == "request" || ci.method == "request" {
		urlIdx = 1
	}
	var urlX *python.Expr
	var urlV *Val
	if urlIdx < len(call.Args()) {
		urlX, urlV = call.Args()[urlIdx], ci.args[urlIdx]
	}
	for j, k := range call.Kwargs() {
		switch k.Name {
		case "url":
			urlX, urlV = k.Value, ci.kws[j]
		case "params":
			c.hitVal(Hit{Sink: SinkOutbound, Desc: desc, Where: "in params="}, ci, k.Value, ci.kws[j], "params")
		}
	}
	if urlX != nil {
		c.hitVal(Hit{Sink: SinkOutbound, Desc: desc, Where: "in the URL"}, ci, urlX, labelsOnly(urlV), "")
	}
	return true
}

func (c *fctx) authSink(ci *callInfo) {
	call := ci.call
	// desc names the callee in messages; built only for a hit, as a
	// method chain's callee is as long as the chain.
	desc := func() string { return compactText(call.Func) }
	if authFuncs[ci.last] || authDecoders[ci.q] || strings.HasSuffix(ci.q, "signing.loads") {
		for i, a := range call.Args() {
			c.authHits(ci.args[i], a.Loc(), ci.x.Loc(), "used to authenticate by `"+desc()+"()`")
		}
		for j, k := range call.Kwargs() {
			c.authHits(ci.kws[j], k.Value.Loc(), ci.x.Loc(), "used to authenticate by `"+desc()+"()`")
		}
		return
	}
	if lookupMethods[ci.method] && ci.recvX != nil && strings.Contains(ci.recvX.Text, "objects") {
		for j, k := range call.Kwargs() {
			field := k.Name
			if i := strings.Index(field, "__"); i >= 0 {
				field = field[:i]
			}
			if field == "key" || c.nameIsSecretKey(field) {
				c.authHits(ci.kws[j], k.Value.Loc(), ci.x.Loc(), "looked up by `"+desc()+"("+k.Name+"=…)`")
			}
		}
	}
}

func (c *fctx) authHits(v *Val, loc, call source.Location, msg string) {
	if v == nil {
		return
	}
	for _, l := range v.L {
		if !l.Src.Query && l.Src.Kind != Param {
			continue
		}
		c.a.record(c, Hit{Sink: SinkAuth, Label: l.with(loc, msg), Loc: loc, Call: call, Desc: msg, Func: c.name, EmailLink: c.email || oneTimeName(c.name)})
	}
}

// compareAuth treats `token == expected` as authentication.
func (c *fctx) compareAuth(x *python.Expr, vs []*Val) {
	if !c.a.sinks.has(SinkAuth) {
		return
	}
	eq := false
	for _, op := range x.Ops {
		if op == "==" || op == "!=" {
			eq = true
		}
	}
	if !eq || len(vs) < 2 {
		return
	}
	for i, v := range vs {
		other := false
		for j, w := range vs {
			if j != i && !w.Clean {
				other = true
			}
		}
		if other {
			c.authHits(v, x.Loc(), x.Loc(), "compared with an expected credential")
		}
	}
}

// oneTimeName recognises one-time link handlers by name.
func oneTimeName(name string) bool {
	l := strings.ToLower(name)
	for _, s := range []string{"activat", "verif", "confirm", "reset", "unsubscribe", "invit", "magic", "email"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// urlPartsSink handles urlunparse/urlunsplit tuples and
// ParseResult._replace(query=…).
func (c *fctx) urlPartsSink(ci *callInfo) {
	call := ci.call
	idx := -1
	switch ci.last {
	case "urlunparse":
		idx = 4
	case "urlunsplit":
		idx = 3
	}
	if idx >= 0 && len(call.Args()) > 0 && len(ci.args[0].Elems) > idx && call.Args()[0].Kind == python.Tuple {
		x := call.Args()[0].Elems[idx]
		c.urlHit(ci, x, ci.args[0].Elems[idx])
	}
	if ci.method == "_replace" {
		for j, k := range call.Kwargs() {
			if k.Name == "query" {
				c.urlHit(ci, k.Value, ci.kws[j])
			}
		}
	}
}

func (c *fctx) urlHit(ci *callInfo, x *python.Expr, v *Val) {
	for _, l := range v.L {
		if l.InURL || (l.Src.Kind != Token && l.Src.Kind != Credential && l.Src.Kind != Param) {
			continue
		}
		c.a.record(c, Hit{Sink: SinkURL, Label: l.with(x.Loc(), "put into the query string of a URL here"), Loc: x.Loc(), Call: ci.x.Loc(), Desc: "URL", Where: "in the query string", Func: c.name, EmailLink: c.email})
	}
}

// Results ------------------------------------------------------------------------

var cleanMethods = map[string]bool{
	"startswith": true, "endswith": true, "count": true, "find": true, "rfind": true, "index": true,
	"isdigit": true, "isalnum": true, "isalpha": true, "isspace": true, "isupper": true, "islower": true,
	"exists": true, "delete": true, "save": true, "is_valid": true, "is_expired": true, "verify": true,
	"check": true, "hexdigest": true, "digest": true, "total_seconds": true, "timestamp": true,
	"blacklist": true, "__len__": true, "get_username": true, "check_password": true, "set_password": true,
	"keys": true,
}

var transparent = map[string]bool{
	"str": true, "repr": true, "format": true, "bytes": true, "bytearray": true, "ascii": true,
	"dict": true, "list": true, "tuple": true, "set": true, "frozenset": true, "sorted": true,
	"reversed": true, "iter": true, "copy": true, "deepcopy": true, "dumps": true, "force_str": true,
	"force_bytes": true, "smart_str": true, "smart_bytes": true, "force_text": true, "smart_text": true,
	"join": true, "b64encode": true, "b64decode": true, "urlsafe_b64encode": true, "urlsafe_b64decode": true,
	"b32encode": true, "quote": true, "quote_plus": true, "unquote": true, "unquote_plus": true,
	"urljoin": true, "escape": true, "mark_safe": true, "format_html": true, "pformat": true,
	"OrderedDict": true, "dedent": true, "iri_to_uri": true, "urlsafe_base64_encode": true,
	"loads": true, "ChainMap": true, "MappingProxyType": true,
}

var producerVerbs = map[string]bool{
	"get": true, "create": true, "generate": true, "gen": true, "make": true, "issue": true,
	"new": true, "fetch": true, "obtain": true, "refresh": true, "build": true, "mint": true,
	"encode": true, "sign": true, "random": true, "load": true, "read": true, "retrieve": true,
	"request": true, "acquire": true, "current": true,
}

func (c *fctx) result(ci *callInfo, e *env) *Val {
	call := ci.call
	fn := call.Func
	method := ci.method
	q := ci.q
	loc := ci.x.Loc()
	// text is the callee as messages show it; built only for a message,
	// as a method chain's callee is as long as the chain.
	text := func() string { return compactText(fn) + "()" }

	if c.a.vocab.Sanitizer(fn) || (q != fn && c.a.vocab.Sanitizer(q)) {
		return clean
	}
	switch {
	case tracebackCalls[q]:
		src := c.a.source(Exception, loc, "a traceback (`"+text()+"`)", "a traceback is formatted here")
		return &Val{L: []*Label{src.label()}}
	case excInfoCalls[q]:
		src := c.a.source(Exception, loc, "the current exception (`"+text()+"`)", "the current exception is read here")
		l := []*Label{src.label()}
		if q == "sys.exception" {
			return &Val{L: l, Obj: objException}
		}
		return &Val{L: l, Elems: []*Val{clean, {L: l, Obj: objException}, {L: l}}}
	}
	if containsFold(q, "csrf") {
		return clean
	}
	if strings.HasPrefix(q, tokenGenerators) {
		if shortRandomID(call) {
			return clean
		}
		src := c.a.source(Token, loc, "a token from `"+text()+"`", "`"+text()+"` creates a token here")
		return &Val{L: []*Label{src.label()}}
	}
	if q == jwtEncode {
		src := c.a.source(Token, loc, "a JWT from `"+text()+"`", "`"+text()+"` creates a JWT here")
		return &Val{L: []*Label{src.label()}}
	}
	if q == signingDumps || oneTimeTokenMethods[method] ||
		signerMethods[method] && ci.recvX != nil && strings.Contains(strings.ToLower(ci.recvX.Text), signerWord) {
		src := c.a.source(Token, loc, "a one-time token from `"+text()+"`", "`"+text()+"` creates a signed one-time token here")
		src.OneTime = true
		return &Val{L: []*Label{src.label()}}
	}
	if ci.recvX != nil && tokenModelCreates[method] &&
		strings.HasSuffix(compactText(ci.recvX.Text), tokenClassSuffix+".objects") {
		src := c.a.source(Token, loc, "an API token from `"+text()+"`", "`"+text()+"` creates an API token here")
		v := &Val{L: []*Label{src.label()}}
		if strings.HasSuffix(method, "get_or_create") {
			return &Val{L: v.L, Elems: []*Val{v, clean}}
		}
		return v
	}
	if ci.recvX != nil && tokenClassMethods[method] && strings.HasSuffix(compactText(ci.recvX.Text), tokenClassSuffix) {
		src := c.a.source(Token, loc, "a JWT from `"+text()+"`", "`"+text()+"` creates a JWT here")
		return &Val{L: []*Label{src.label()}, Obj: objTokenObj}
	}
	if fn == "getattr" && len(call.Args()) >= 2 {
		if name, ok := constString(call.Args()[1]); ok {
			v := c.attrOf(ci.args[0], name, loc, compactText(call.Args()[0].Text)+"."+name, e)
			if isRequestText(compactText(call.Args()[0].Text)) {
				if rv := c.requestAttr(python.ExprAt(python.Other, compactText(call.Args()[0].Text)+"."+name, ci.x), "", name); rv != nil {
					v = rv
				}
			}
			if len(ci.args) > 2 {
				v = join(v, ci.args[2])
			}
			return v
		}
	}
	if len(call.Args()) > 0 {
		if key, ok := constString(call.Args()[0]); ok && c.nameIsSecretKey(key) {
			switch {
			case q == "os.getenv", q == "os.environ.get", ci.last == "getenv", ci.last == "env" && ci.recv == nil,
				ci.last == "config" && ci.recv == nil, ci.last == "get_env", ci.last == "get_secret",
				ci.recv != nil && ci.recv.Obj == objNone && ci.recv.Class == nil && (ci.recvX.Text == "env" || ci.recvX.Text == "environ.Env"):
				return &Val{L: []*Label{c.byName(compactText(call.Func)+"('"+key+"')", loc)}}
			}
		}
	}
	if v, ok := c.project(ci, e); ok {
		return v
	}
	switch ci.last {
	case "getLogger", "get_logger", "get_task_logger":
		return &Val{Obj: objLogger}
	case "Session", "session", "Client", "AsyncClient", "ClientSession", "PoolManager":
		if strings.HasPrefix(q, "requests.") || strings.HasPrefix(q, "httpx.") || strings.HasPrefix(q, "aiohttp.") || strings.HasPrefix(q, "urllib3.") {
			return &Val{Obj: objHTTP}
		}
	}
	if ci.recv != nil && ci.recv.Obj == objLogger {
		return &Val{Obj: objLogger}
	}
	if ci.last == "urlencode" {
		out := &Val{Encoded: true, Clean: true}
		if ci.recv != nil {
			out.L = union(out.L, ci.recv.L)
			out.Clean = ci.recv.Clean
		}
		for _, a := range ci.args {
			out.L = union(out.L, a.L)
			out.Clean = out.Clean && a.Clean
		}
		return out
	}
	switch ci.last {
	case "parse_qs", "parse_qsl", "QueryDict":
		for i, a := range ci.args {
			if a.Coll == collQueryString || strings.Contains(strings.ToLower(call.Args()[i].Text), "query_string") {
				return &Val{Coll: collQuery}
			}
		}
	case "dict":
		// dict(x.split("=") for x in scope["query_string"].decode().split("&")):
		// a hand-parsed query string.
		if len(call.Args()) == 1 && strings.Contains(strings.ToLower(call.Args()[0].Text), "query_string") &&
			strings.Contains(call.Args()[0].Text, "split(") {
			return &Val{Coll: collQuery}
		}
	}
	if r := ci.recv; r != nil {
		switch method {
		case "items":
			return &Val{L: r.L, Items: true, Coll: r.Coll, Clean: r.Clean, Fields: r.Fields, FieldExpr: r.FieldExpr}
		case "keys":
			return &Val{Keys: true, Coll: r.Coll, Clean: true}
		case "values":
			return &Val{L: r.L, Values: true, Clean: r.Clean}
		case "get", "pop", "getlist", "setdefault", "get_all", "aget":
			if len(call.Args()) > 0 && r.Class == nil && r.Obj != objHTTP {
				key, ok := constString(call.Args()[0])
				if !ok && ci.args[0].IsStr {
					key, ok = ci.args[0].Str, true
				}
				if !ok {
					key, ok = namedKey(call.Args()[0])
				}
				v := c.index(r, key, ok, ci.args[0], -1, false, loc, compactText(ci.x.Text), e)
				if len(ci.args) > 1 {
					v = join(v, ci.args[1])
				}
				if method == "pop" && ci.recvX.Kind == python.Name && ok && r.Coll == collHeaders {
					e.set(ci.recvX.Name, removeHeader(r, key))
				}
				return v
			}
		case "copy", "dict", "deepcopy":
			n := *r
			return &n
		case "decode", "encode", "strip", "lower", "upper":
			if r.Coll == collQueryString {
				return &Val{Coll: collQueryString}
			}
		case "update", "append", "extend", "add", "insert", "appendleft", "extendleft", "write", "writelines", "push":
			// Mutation: the container now holds the argument.
			if name := ci.recvX.Name; name != "" && (ci.recvX.Kind == python.Name || ci.recvX.Kind == python.Attribute) {
				n := *r
				for _, a := range ci.args {
					n.L = union(n.L, a.L)
					n.Clean = n.Clean && a.Clean
				}
				for _, k := range ci.kws {
					n.L = union(n.L, k.L)
				}
				if len(n.L) > len(r.L) {
					e.set(name, &n)
				}
			}
			return clean
		}
		if r.tainted() && !cleanMethods[method] && !strings.HasPrefix(method, "is_") && !strings.HasPrefix(method, "has_") {
			out := labelsOnly(r)
			if transparent[method] || method == "join" || method == "format" {
				for _, a := range ci.args {
					out.L = union(out.L, a.L)
				}
			}
			return out
		}
	}
	if transparent[ci.last] && (ci.recv == nil || ci.recv.Qual != "" || ci.recv.IsStr || ci.recv.Clean || method == "join") {
		out := &Val{Clean: true}
		for i, a := range ci.args {
			if i == 0 && (ci.last == "dict" || ci.last == "list" || ci.last == "tuple" || ci.last == "copy" || ci.last == "deepcopy" || ci.last == "sorted" || ci.last == "OrderedDict") {
				out.Coll, out.Items, out.Fields, out.FieldExpr = a.Coll, a.Items, a.Fields, a.FieldExpr
				if ci.last == "dict" || ci.last == "OrderedDict" {
					out.Items = false
				}
			}
			if a.Obj == objException && (ci.last == "str" || ci.last == "repr") {
				out.ExcUser = a.ExcUser
			}
			if ci.last == "repr" {
				out.L = union(out.L, reprLabels(a.L))
				out.Clean = out.Clean && a.Clean
				continue
			}
			out.L = union(out.L, a.L)
			out.Clean = out.Clean && a.Clean
		}
		for _, k := range ci.kws {
			out.L = union(out.L, k.L)
			out.Clean = out.Clean && k.Clean
		}
		if len(ci.args) == 0 && len(ci.kws) == 0 {
			out.Clean = true
		}
		return out
	}
	if c.tokenFunc(ci.last) {
		src := c.a.source(Token, loc, "the result of `"+text()+"`", "`"+text()+"` returns a secret (by its name)")
		src.ByName = true
		return &Val{L: []*Label{src.label()}}
	}
	return opaque
}

func (c *fctx) tokenFunc(name string) bool {
	if !c.a.vocab.TokenName(name, true) {
		return false
	}
	if c.mi.lexer && lexicalName(name) {
		return false // a lexer's token() (PLY's `_token = lexer.token`)
	}
	ws := Words(name)
	return len(ws) == 1 || producerVerbs[ws[0]]
}

// project evaluates a call to a project function, method or class.
func (c *fctx) project(ci *callInfo, e *env) (*Val, bool) {
	var fn *python.Function
	var cls *python.Class
	bound := false
	fe := ci.call.FuncExpr
	if r := ci.recv; r != nil {
		switch {
		case r.Obj == objNone && r.Class != nil:
			fn, bound = c.a.method(r.Class, ci.method, 0), true
		case r.Obj == objClass && r.Class != nil:
			fn = c.a.method(r.Class, ci.method, 0)
			bound = fn != nil && hasDecorator(fn, "classmethod")
		case r.Obj == objModule:
			if mi := c.a.info(r.Module); mi != nil {
				fn = mi.funcs[ci.method]
				if fn == nil {
					cls = mi.classes[ci.method]
				}
			}
		}
	} else if fe != nil && fe.Kind == python.Name {
		if v, local := e.get(fe.Name); local {
			if v.Obj == objClass {
				cls = v.Class
			}
		} else if f := c.mi.funcs[fe.Name]; f != nil {
			fn = f
		} else if cl := c.mi.classes[fe.Name]; cl != nil {
			cls = cl
		} else if q, ok := c.mi.imports[fe.Name]; ok {
			r := c.a.resolve(q)
			fn, cls = r.fn, r.cls
			if fn != nil && cls != nil {
				cls = nil // Class.method imported by name: an unbound call
			}
		}
	}
	if fn == nil && cls != nil {
		if init := c.a.method(cls, "__init__", 0); init != nil {
			c.instantiate(init, true, ci)
		}
		return &Val{Class: cls}, true
	}
	if fn == nil {
		return nil, false
	}
	return c.instantiate(fn, bound, ci), true
}

// instantiate applies a callee's summary at a call: its parameter sinks
// become hits (or sinks of the caller's own parameters) and its return
// value is expressed in the call's arguments.
func (c *fctx) instantiate(fn *python.Function, bound bool, ci *callInfo) *Val {
	s := c.a.summary(fn)
	if hasDecorator(fn, "staticmethod") {
		bound = false
	}
	params := fn.Params
	vals := make([]*Val, len(params))
	exprs := make([]*python.Expr, len(params))
	off := 0
	if bound {
		off = 1
	}
	star, dstar := -1, -1
	for i, p := range params {
		switch p.Kind {
		case "*":
			star = i
		case "**":
			dstar = i
		}
	}
	put := func(j int, v *Val, x *python.Expr) {
		if j < 0 || j >= len(params) {
			return
		}
		vals[j] = join(vals[j], v)
		if exprs[j] == nil {
			exprs[j] = x
		}
	}
	for i, a := range ci.call.Args() {
		if i >= len(ci.args) {
			break
		}
		v := ci.args[i]
		if a.Kind == python.Starred {
			for j := i + off; j < len(params); j++ {
				if params[j].Kind != "**" {
					put(j, v, a)
				}
			}
			continue
		}
		j := i + off
		if star >= 0 && j >= star {
			j = star
		}
		if j < len(params) && params[j].Kind != "**" {
			put(j, v, a)
		}
	}
	for k, kw := range ci.call.Kwargs() {
		if k >= len(ci.kws) {
			break
		}
		if kw.Name == "" {
			put(dstar, ci.kws[k], kw.Value)
			continue
		}
		j := -1
		for i, p := range params {
			if p.Name == kw.Name && p.Kind == "" {
				j = i
			}
		}
		if j < 0 {
			j = dstar
		}
		put(j, ci.kws[k], kw.Value)
	}
	for _, ps := range s.sinks {
		i := ps.hit.Label.Src.Param
		if i >= len(vals) || vals[i] == nil {
			continue
		}
		ph, fwd, drop := resolveKey(ps.hit.Label, vals, exprs, params)
		for _, al := range argLabels(vals[i], ph) {
			if drop && al.Src.Kind == Headers {
				continue
			}
			nl := compose(al, ph, exprs[i].Loc(), fn, params[i].Name).keyedBy(fwd)
			if nl == nil {
				continue
			}
			h := ps.hit
			h.Label = nl
			h.EmailLink = h.EmailLink || c.email || h.Sink == SinkAuth && oneTimeName(c.name)
			if al.Src.Kind != Param {
				// A secret handed to a helper that leaks it: report at the
				// argument, where the caller can stop passing it — unless
				// the helper's parameter is itself named like a secret, in
				// which case the helper is reported. A query-string
				// credential used to authenticate (DJL104) is reported at
				// the argument either way: the helper's own by-name
				// secret is no query-string read.
				if c.nameIsSecret(params[i].Name) && h.Sink != SinkAuth {
					continue
				}
				h.Loc = exprs[i].Loc()
				h.Via = fn.Name
				h.Func = c.name
			}
			c.a.record(c, h)
		}
	}
	if s.ret == nil {
		return opaque
	}
	return c.instRet(s.ret, vals, exprs, fn, params, ci.x, 0)
}

func (c *fctx) instRet(r *Val, vals []*Val, exprs []*python.Expr, fn *python.Function, params []python.Param, call *python.Expr, depth int) *Val {
	out := &Val{Clean: r.Clean, Coll: r.Coll, Obj: r.Obj, Class: r.Class, Items: r.Items, Keys: r.Keys, Values: r.Values, Encoded: r.Encoded, ExcUser: r.ExcUser}
	callLoc := call.Loc()
	msg := "returned here by `" + fn.Name + "()`"
	for _, l := range r.L {
		ph, fwd, drop := resolveKey(l, vals, exprs, params)
		if l.Src.Kind == Param {
			i := l.Src.Param
			if i < len(vals) && vals[i] != nil {
				for _, al := range argLabels(vals[i], ph) {
					if drop && al.Src.Kind == Headers {
						continue
					}
					if nl := compose(al, ph, exprs[i].Loc(), fn, params[i].Name).keyedBy(fwd); nl != nil {
						out.L = union(out.L, []*Label{nl.with(callLoc, msg)})
					}
				}
				if out.Coll == collNone {
					out.Coll = vals[i].Coll
				}
			}
			continue
		}
		if l.KeyParam != 0 {
			// The callee read one header of its own request by a key the
			// call gives: the header is read here.
			switch {
			case ph.Field != "":
				text := compactText(call.Text)
				nl := c.headerRead(l, ph.Field, callLoc, text)
				if nl == nil {
					nl = c.customHeader(ph.Field, callLoc, text)
				}
				if nl != nil {
					out.L = union(out.L, []*Label{nl})
				}
			case fwd != 0:
				out.L = union(out.L, []*Label{l.keyedBy(fwd).with(callLoc, msg)})
			}
			continue
		}
		out.L = union(out.L, []*Label{l.with(callLoc, msg)})
	}
	if depth < 3 {
		for _, el := range r.Elems {
			out.Elems = append(out.Elems, c.instRet(el, vals, exprs, fn, params, call, depth+1))
		}
		if r.Fields != nil {
			out.Fields = make(map[string]*Val, len(r.Fields))
			out.FieldExpr = r.FieldExpr
			for k, f := range r.Fields {
				out.Fields[k] = c.instRet(f, vals, exprs, fn, params, call, depth+1)
			}
		}
	}
	return out
}

// resolveKey gives a callee's label read through a parameter key
// (Label.KeyParam) the key the call passes for it, or the parameter's
// default: a constant key becomes the field the label reads (Field); one
// of the caller's own parameters carries over as the label's key in the
// caller (fwd, as a KeyParam); any other key reads no header (drop).
// Labels read through no parameter key come back as they are.
func resolveKey(l *Label, vals []*Val, exprs []*python.Expr, params []python.Param) (ph *Label, fwd int, drop bool) {
	i := l.KeyParam - 1
	if i < 0 {
		return l, 0, false
	}
	n := *l
	n.KeyParam = 0
	x := (*python.Expr)(nil)
	if i < len(exprs) {
		x = exprs[i]
	}
	if x == nil && i < len(params) {
		x = params[i].Default
	}
	if key, ok := constString(x); ok {
		n.Field = key
		return &n, 0, false
	}
	if i < len(vals) && exprs[i] != nil {
		if j, ok := paramKey(vals[i]); ok {
			return &n, j + 1, false
		}
	}
	return &n, 0, true
}

// keyedBy returns l read through the key of parameter k-1 (Label.KeyParam)
// when k is not 0 and l is a collection (a placeholder or headers) read
// through no key yet.
func (l *Label) keyedBy(k int) *Label {
	if l == nil || k == 0 || l.KeyParam != 0 || l.Field != "" || l.Src.Kind != Param && l.Src.Kind != Headers {
		return l
	}
	n := *l
	n.KeyParam = k
	return &n
}

// argLabels are the labels of an argument that a placeholder stands for:
// all of them, or only those of one entry of a dict literal when the
// callee read the parameter through a constant key.
func argLabels(v *Val, ph *Label) []*Label {
	switch {
	case ph.Field != "" && v.Fields != nil:
		if f, ok := v.Fields[ph.Field]; ok {
			return f.L
		}
		return nil
	case ph.Field != "" && (v.Coll == collHeaders || slices.ContainsFunc(v.L, func(l *Label) bool { return l.Src.Kind == Headers })):
		// The callee reads one header of the collection.
		var out []*Label
		for _, l := range v.L {
			if l.Src.Kind != Headers {
				out = append(out, l)
				continue
			}
			if h := sensitiveHeader(ph.Field, l.Src.Style); h >= 0 && l.Bits&bit(h, l.Src.Style) != 0 {
				n := *l
				n.Bits = bit(h, l.Src.Style)
				out = append(out, &n)
			}
		}
		return out
	}
	return v.L
}

// compose continues an argument's label through a callee's parameter
// path (a placeholder label).
func compose(al, ph *Label, argLoc source.Location, fn *python.Function, pname string) *Label {
	n := &Label{Src: al.Src, Bits: al.Bits, InURL: al.InURL || ph.InURL, Filter: al.Filter, Debug: al.Debug || ph.Debug, Field: al.Field,
		KeyParam: al.KeyParam}
	if al.Src.Kind == Headers || al.Src.Kind == Param {
		n.Bits = al.Bits & ph.Bits
		if n.Bits == 0 {
			return nil
		}
	}
	if ph.Filter != "" {
		n.Filter = ph.Filter
	}
	if al.Src.Kind == Param && al.Field == "" {
		n.Field = ph.Field
	}
	steps := make([]analyzer.Step, 0, len(al.Steps)+len(ph.Steps)+1)
	steps = append(steps, al.Steps...)
	steps = append(steps, analyzer.Step{Location: argLoc, Message: "passed to `" + fn.Name + "()` as `" + pname + "`"})
	steps = append(steps, ph.Steps...)
	if len(steps) > maxSteps {
		steps = append(steps[:4:4], steps[len(steps)-(maxSteps-4):]...)
	}
	n.Steps = steps
	return n
}

// reprLabels returns ls without the parse-message mark: repr(e) shows the
// exception's type and arguments, not only its message.
func reprLabels(ls []*Label) []*Label {
	out := ls
	for i, l := range ls {
		if !l.ParseMsg {
			continue
		}
		if &out[0] == &ls[0] {
			out = append([]*Label(nil), ls...)
		}
		n := *l
		n.ParseMsg = false
		out[i] = &n
	}
	return out
}

// shortRandomID reports a secrets.token_*(n) call with fewer than 8 random
// bytes: a short identifier (a file-name suffix, a nonce for a cache key),
// too short to be a credential.
func shortRandomID(call *python.Call) bool {
	if call == nil || len(call.Args()) != 1 {
		return false
	}
	a := call.Args()[0]
	return a.Kind == python.Number && a.IsInt && a.Num >= 0 && a.Num < 8
}
