package taint

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// eval computes an expression's abstract value, recording the hits of the
// sinks it contains.
func (c *fctx) eval(x *python.Expr, e *env) *Val {
	if x == nil {
		return opaque
	}
	switch x.Kind {
	case python.String, python.Bytes:
		return &Val{Clean: true, Str: x.Str, IsStr: true}
	case python.Number, python.Bool, python.None:
		return clean
	case python.FString:
		return c.buildString(x, x.Pieces, e)
	case python.Name:
		return c.lookup(x.Name, x.Loc(), e)
	case python.Attribute:
		return c.attr(x, e)
	case python.Subscript:
		return c.subscript(x, e)
	case python.CallExpr:
		if x.Pieces != nil {
			// "…".format(…)
			for _, k := range x.Call.Kwargs() {
				if k.Name == "" {
					c.eval(k.Value, e)
				}
			}
			return c.buildString(x, x.Pieces, e)
		}
		return c.call(x, e)
	case python.BinOp:
		if x.Pieces != nil {
			return c.buildString(x, x.Pieces, e)
		}
		var vs []*Val
		for _, el := range x.Elems {
			vs = append(vs, c.eval(el, e))
		}
		switch x.Name {
		case "+", "%", "|":
			out := &Val{Clean: true}
			for _, v := range vs {
				out.L = union(out.L, v.L)
				out.Clean = out.Clean && v.Clean
				if v.Coll == collHeaders && x.Name == "|" {
					out.Coll = collHeaders
				}
			}
			return out
		}
		return clean
	case python.BoolOp:
		out := &Val{Clean: true}
		for _, el := range x.Elems {
			v := c.eval(el, e)
			out.L = union(out.L, v.L)
			out.Clean = out.Clean && v.Clean
		}
		return out
	case python.Compare:
		var vs []*Val
		for _, el := range x.Elems {
			vs = append(vs, c.eval(el, e))
		}
		c.compareAuth(x, vs)
		return clean
	case python.UnaryOp:
		for _, el := range x.Elems {
			c.eval(el, e)
		}
		return clean
	case python.Conditional:
		if len(x.Elems) != 3 {
			return opaque
		}
		body, test, orelse := x.Elems[0], x.Elems[1], x.Elems[2]
		c.eval(test, e)
		if isDebugTest(test) {
			v := mapLabels(c.eval(body, e), func(l *Label) *Label {
				n := *l
				n.Debug = true
				return &n
			})
			return join(v, c.eval(orelse, e))
		}
		if !c.refsKey(test, e) {
			return join(c.eval(body, e), c.eval(orelse, e))
		}
		e1 := e.copy()
		c.narrow(e1, test, true)
		e2 := e.copy()
		c.narrow(e2, test, false)
		return join(c.eval(body, e1), c.eval(orelse, e2))
	case python.Comprehension:
		return c.comprehension(x, e)
	case python.List, python.Tuple, python.Set:
		out := &Val{Clean: true}
		for _, el := range x.Elems {
			v := c.eval(el, e)
			out.Elems = append(out.Elems, v)
			out.L = union(out.L, v.L)
			out.Clean = out.Clean && v.Clean
		}
		return out
	case python.Dict:
		return c.dict(x, e)
	case python.Starred:
		if len(x.Elems) > 0 {
			return c.eval(x.Elems[0], e)
		}
		return opaque
	case python.Lambda:
		return opaque
	}
	// Other
	switch x.Name {
	case ":=":
		if len(x.Elems) == 2 {
			v := c.eval(x.Elems[1], e)
			if x.Elems[0].Kind == python.Name {
				e.set(x.Elems[0].Name, c.named(x.Elems[0].Name, x.Elems[0].Loc(), v, x.Elems[1]))
			}
			return v
		}
	case "await":
		if len(x.Elems) > 0 {
			return c.eval(x.Elems[0], e)
		}
	}
	for _, el := range x.Elems {
		c.eval(el, e)
	}
	return opaque
}

// lookup reads a variable.
func (c *fctx) lookup(name string, loc source.Location, e *env) *Val {
	if v, ok := e.get(name); ok {
		return c.applyMask(v, e)
	}
	if me := c.mi.env; me != nil && me != e {
		if v, ok := me.get(name); ok {
			return v
		}
	}
	if q, ok := c.mi.imports[name]; ok {
		return c.a.importVal(q)
	}
	if _, ok := c.mi.funcs[name]; ok {
		return &Val{Qual: c.mi.name + "." + name}
	}
	if cl := c.mi.classes[name]; cl != nil {
		return &Val{Obj: objClass, Class: cl}
	}
	switch name {
	case scopeName:
		return &Val{Coll: collScope}
	case "True", "False", "None":
		return clean
	}
	if c.nameIsSecret(name) {
		return &Val{L: []*Label{c.byName(name, loc)}}
	}
	return opaque
}

func (a *analysis) importVal(q string) *Val {
	if q == settingsObject {
		return &Val{Obj: objSettings, Qual: q}
	}
	r := a.resolve(q)
	switch {
	case r.fn != nil:
		return &Val{Qual: q}
	case r.cls != nil:
		return &Val{Obj: objClass, Class: r.cls, Qual: q}
	case r.mod != nil && r.varName == "":
		return &Val{Obj: objModule, Module: r.mod, Qual: q}
	case r.mod != nil:
		me := a.moduleEnv(a.info(r.mod))
		if v, ok := me.get(r.varName); ok {
			return v
		}
	}
	return &Val{Qual: q}
}

// applyMask narrows the header labels of an iteration value to the
// headers its key's filters let through.
func (c *fctx) applyMask(v *Val, e *env) *Val {
	if v.IterKey == 0 {
		return v
	}
	mask, ok := e.mask(v.IterKey)
	if !ok || mask == allBits {
		return v
	}
	f, hasF := c.filters[v.IterKey]
	return mapLabels(v, func(l *Label) *Label {
		if l.Src.Kind != Headers && l.Src.Kind != Param {
			return l
		}
		bits := l.Bits & mask
		if bits == 0 {
			return nil
		}
		n := *l
		n.Bits = bits
		if hasF {
			n.Filter = f.text
			if l.Src.Kind == Headers {
				return (&n).with(f.loc, "the filter `"+f.text+"` lets "+joinNames(HeaderNames(bits))+" through")
			}
			return (&n).with(f.loc, "filtered by `"+f.text+"`")
		}
		return &n
	})
}

func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return "nothing"
	case 1:
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}

// Attributes -------------------------------------------------------------------

var cleanAttrs = map[string]bool{
	"user": true, "user_id": true, "pk": true, "id": true, "created": true, "created_at": true,
	"updated_at": true, "expires": true, "expires_at": true, "expiry": true, "is_active": true,
	"name": true, "type": true, "scope": true, "scopes": true, "status": true, "status_code": true,
	"__class__": true, "__name__": true, "objects": true, "DoesNotExist": true, "lifetime": true,
	"token_type": true, "payload": false, "username": true, "email": true, "method": true,
	"path": true, "path_info": true, "content_type": true,
}

func (c *fctx) attr(x *python.Expr, e *env) *Val {
	if x.Name != "" {
		if v, ok := e.get(x.Name); ok {
			return c.applyMask(v, e)
		}
	}
	if len(x.Elems) == 0 {
		return opaque
	}
	obj := x.Elems[0]
	objText := compactText(obj.Text)
	if objText == "self" && x.Attr == scopeName {
		return &Val{Coll: collScope}
	}
	if isRequestText(objText) {
		if v := c.requestAttr(x, objText, x.Attr); v != nil {
			return v
		}
	}
	base := c.eval(obj, e)
	return c.attrOf(base, x.Attr, x.Loc(), compactText(x.Text), e)
}

func (c *fctx) attrOf(base *Val, attr string, loc source.Location, text string, e *env) *Val {
	switch base.Obj {
	case objSettings:
		if c.a.vocab.TokenName(attr, false) && strings.ToUpper(attr) == attr {
			src := c.a.source(Token, loc, "`settings."+attr+"`", "the secret setting `settings."+attr+"` is read here")
			return &Val{L: []*Label{src.label()}}
		}
		return opaque
	case objModule:
		if mi := c.a.info(base.Module); mi != nil {
			if _, ok := mi.funcs[attr]; ok {
				return &Val{Qual: mi.name + "." + attr}
			}
			if cl := mi.classes[attr]; cl != nil {
				return &Val{Obj: objClass, Class: cl}
			}
			if v, ok := c.a.moduleEnv(mi).get(attr); ok {
				return v
			}
		}
	case objClass:
		if v := c.a.field(base.Class, attr, true); v != nil {
			return v
		}
	case objException:
		switch attr {
		case "args", "message", "msg", "reason", "__traceback__":
			return labelsOnly(base)
		}
		// Everything else is clean, strerror included: an OSError's is the
		// C library's text for its errno ("No such file or directory"),
		// without the file name.
		return clean
	}
	if base.Qual != "" && base.Obj != objSettings && base.Class == nil && !base.tainted() {
		return &Val{Qual: base.Qual + "." + attr}
	}
	if base.Coll == collSession && attr == "session_key" {
		src := c.a.source(Credential, loc, "the session key", "the session key is read here")
		return &Val{L: []*Label{src.label()}}
	}
	if base.Class != nil && base.Obj == objNone {
		if v := c.a.field(base.Class, attr, false); v != nil {
			return withStep(v, loc, "read from `"+text+"`")
		}
	}
	if tracebackAttrs[attr] && base.Obj == objNone && !base.tainted() {
		src := c.a.source(Exception, loc, "a traceback (`"+text+"`)", "a stored traceback is read here")
		return &Val{L: []*Label{src.label()}}
	}
	if base.tainted() {
		if cleanAttrs[attr] || c.a.vocab.excluded(attr) || c.a.vocab.Metadata(attr) {
			return clean
		}
		if strings.HasPrefix(attr, "is_") || strings.HasPrefix(attr, "has_") {
			return clean
		}
		out := labelsOnly(base)
		if !hasReal(base) && c.nameIsSecret(attr) {
			// A parameter's attribute named like a secret
			// (request.user.auth_token): the name still counts.
			out.L = append(append([]*Label(nil), out.L...), c.byName(text, loc))
		}
		return out
	}
	if c.nameIsSecret(attr) {
		return &Val{L: []*Label{c.byName(text, loc)}}
	}
	return opaque
}

// excluded reports names that mention a secret word but denote something
// else (token_type, password_hash, max_tokens).
func (v *Vocab) excluded(name string) bool {
	if v.TokenName(name, false) {
		return false
	}
	for _, w := range Words(name) {
		if secretWords[w] {
			return true
		}
	}
	return false
}

// requestAttr models the attributes of a Django/DRF request.
func (c *fctx) requestAttr(x *python.Expr, objText, attr string) *Val {
	text := compactText(x.Text)
	switch attr {
	case "headers", "META", "environ":
		style := styleHeaders
		if attr != "headers" {
			style = styleMeta
		}
		src := c.a.source(Headers, x.Loc(), "request headers (`"+text+"`)", "all request headers (`"+text+"`), including "+joinNames(headerNames[:])+", are read here")
		src.Style = style
		return &Val{Coll: collHeaders, L: []*Label{src.label()}}
	case "COOKIES":
		src := c.a.source(Credential, x.Loc(), "`"+text+"` (including the session cookie)", "all cookies (`"+text+"`), including the session cookie, are read here")
		return &Val{Coll: collCookies, L: []*Label{src.label()}}
	case "GET", "query_params":
		return &Val{Coll: collQuery}
	case "session":
		return &Val{Coll: collSession}
	case "auth":
		src := c.a.source(Credential, x.Loc(), "`"+text+"` (the credential the request authenticated with)", "the request's credential (`"+text+"`) is read here")
		return &Val{L: []*Label{src.label()}}
	case scopeName:
		return &Val{Coll: collScope}
	case "user", "method", "path", "path_info", "body", "POST", "data", "FILES", "resolver_match", "content_type":
		return nil
	}
	if c.a.round == 2 {
		if v, ok := c.a.readField(fieldKey{name: attr}); ok {
			return withStep(v, x.Loc(), "read from `"+text+"`")
		}
	}
	return nil
}

// field looks up an attribute of a project class (or its bases): one
// assigned on self in any method (collected in round 1) or a class-body
// attribute.
func (a *analysis) field(cls *python.Class, attr string, classOnly bool) *Val {
	seen := map[*python.Class]bool{}
	var find func(cl *python.Class, depth int) *Val
	find = func(cl *python.Class, depth int) *Val {
		if cl == nil || seen[cl] || depth > 6 {
			return nil
		}
		seen[cl] = true
		if !classOnly && a.round == 2 {
			if v, ok := a.readField(fieldKey{cls: cl, name: attr}); ok {
				return v
			}
		}
		mi := a.clsModule(cl)
		if mi != nil {
			if ce := a.classEnvOf(mi, cl); ce != nil {
				if v, ok := ce.get(attr); ok {
					return v
				}
			}
			for _, m := range cl.Methods {
				if m.Name == attr {
					return &Val{Qual: mi.name + "." + cl.Name + "." + attr}
				}
			}
			for _, b := range cl.Bases {
				if bc := a.baseClass(mi, b); bc != nil {
					if v := find(bc, depth+1); v != nil {
						return v
					}
				}
			}
		}
		return nil
	}
	return find(cls, 0)
}

func (a *analysis) clsModule(cl *python.Class) *modInfo {
	if a.clsMods == nil {
		a.clsMods = map[*python.Class]*modInfo{}
		for _, mi := range a.mods {
			for _, k := range mi.m.Classes {
				a.clsMods[k] = mi
			}
		}
	}
	return a.touch(a.clsMods[cl])
}

// baseClass resolves a base-class expression in a module.
func (a *analysis) baseClass(mi *modInfo, base string) *python.Class {
	if cl := mi.classes[base]; cl != nil {
		return cl
	}
	first, rest := base, ""
	if i := strings.IndexByte(base, '.'); i >= 0 {
		first, rest = base[:i], base[i:]
	}
	if q, ok := mi.imports[first]; ok {
		return a.resolve(q + rest).cls
	}
	return nil
}

// method finds a method of a project class or its bases.
func (a *analysis) method(cl *python.Class, name string, depth int) *python.Function {
	if cl == nil || depth > 6 {
		return nil
	}
	for _, m := range cl.Methods {
		if m.Name == name {
			return m
		}
	}
	mi := a.clsModule(cl)
	if mi == nil {
		return nil
	}
	for _, b := range cl.Bases {
		if bc := a.baseClass(mi, b); bc != nil && bc != cl {
			if m := a.method(bc, name, depth+1); m != nil {
				return m
			}
		}
	}
	return nil
}

// Subscripts -------------------------------------------------------------------

func (c *fctx) subscript(x *python.Expr, e *env) *Val {
	if len(x.Elems) == 0 {
		return opaque
	}
	base := c.eval(x.Elems[0], e)
	if t := compactText(x.Elems[0].Text); t == scopeName || t == "self."+scopeName {
		base = &Val{Coll: collScope}
	}
	if len(x.Elems) < 2 {
		return labelsOnly(base)
	}
	idx := x.Elems[1]
	if idx.Kind == python.Other && idx.Name == "slice" {
		if shortSlice(idx) {
			return clean
		}
		return labelsOnly(base)
	}
	kv := c.eval(idx, e)
	key, ok := constString(idx)
	if !ok {
		key, ok = namedKey(idx)
	}
	num, isNum := -1, false
	if idx.Kind == python.Number && idx.IsInt {
		num, isNum = int(idx.Num), true
	} else if idx.Kind == python.UnaryOp && idx.Name == "-" && len(idx.Elems) == 1 && idx.Elems[0].Kind == python.Number {
		num, isNum = -int(idx.Elems[0].Num), true
	}
	return c.index(base, key, ok, kv, num, isNum, x.Loc(), compactText(x.Text), e)
}

// namedKey reads a key that is no constant but a name saying which field it
// selects: `credentials.get(UserModel.USERNAME_FIELD)`,
// `data[settings.AXES_USERNAME_FORM_FIELD]`. When the name's last part
// holds "username" or "email" and no secret word, the key is that field.
func namedKey(x *python.Expr) (string, bool) {
	if x.Kind != python.Name && x.Kind != python.Attribute {
		return "", false
	}
	text := compactText(x.Text)
	found := ""
	for _, w := range Words(text[strings.LastIndexByte(text, '.')+1:]) {
		if secretWords[w] {
			return "", false
		}
		if w == "username" || w == "email" {
			found = w
		}
	}
	return found, found != ""
}

// shortSlice recognises `s[:4]`, `s[-4:]`: a masking prefix or suffix.
func shortSlice(idx *python.Expr) bool {
	t := strings.ReplaceAll(idx.Text, " ", "")
	re := regexp.MustCompile(`^(:-?\d+|-?\d+:|-?\d+:-?\d+)$`)
	if !re.MatchString(t) {
		return false
	}
	parts := strings.Split(t, ":")
	lo, hi := 0, 0
	if parts[0] != "" {
		lo, _ = strconv.Atoi(parts[0])
	}
	if parts[1] != "" {
		hi, _ = strconv.Atoi(parts[1])
	}
	switch {
	case parts[0] == "" && hi > 0:
		return hi <= 8
	case parts[1] == "" && lo < 0:
		return lo >= -8
	case lo >= 0 && hi > lo:
		return hi-lo <= 8
	}
	return false
}

// index reads base[key] (also base.get(key)).
func (c *fctx) index(base *Val, key string, ok bool, kv *Val, num int, isNum bool, loc source.Location, text string, e *env) *Val {
	switch base.Coll {
	case collHeaders:
		if kv != nil && kv.Key != 0 {
			mask, has := e.mask(kv.Key)
			if !has {
				mask = allBits
			}
			return mapLabels(labelsOnly(base), func(l *Label) *Label {
				if l.Src.Kind != Headers && l.Src.Kind != Param {
					return l
				}
				b := l.Bits & mask
				if b == 0 {
					return nil
				}
				n := *l
				n.Bits = b
				return &n
			})
		}
		if !ok {
			if k, has := paramKey(kv); has {
				return keyedBy(labelsOnly(base), k)
			}
			return clean
		}
		out := &Val{}
		for _, l := range base.L {
			switch l.Src.Kind {
			case Headers:
				if cl := c.headerRead(l, key, loc, text); cl != nil {
					out.L = append(out.L, cl)
				}
			case Param:
				var b uint16
				for s := 0; s < numStyles; s++ {
					if h := sensitiveHeader(key, s); h >= 0 {
						b |= bit(h, s)
					}
				}
				if l.Bits&b != 0 {
					n := *l
					n.Bits = l.Bits & b
					out.L = append(out.L, (&n).with(loc, "header read by `"+text+"`"))
				}
			default:
				out.L = append(out.L, l)
			}
		}
		if len(out.L) == 0 {
			if cl := c.customHeader(key, loc, text); cl != nil {
				out.L = append(out.L, cl)
			}
		}
		if len(out.L) == 0 {
			return clean
		}
		return out
	case collQuery:
		if ok && c.nameIsSecretKey(key) {
			src := c.a.source(Token, loc, "the `"+key+"` query parameter", "a token is read from the query string here (`"+text+"`)")
			src.Query = true
			return &Val{L: []*Label{src.label()}}
		}
		if isNum {
			return labelsOnly(base)
		}
		return opaque
	case collQueryString:
		return &Val{Coll: collQueryString}
	case collCookies:
		if !ok {
			if strings.Contains(text, "SESSION_COOKIE_NAME") {
				src := c.a.source(Credential, loc, "the session cookie", "the session cookie is read here (`"+text+"`)")
				return &Val{L: []*Label{src.label()}}
			}
			return clean
		}
		if key == "sessionid" || c.nameIsSecretKey(key) {
			src := c.a.source(Credential, loc, "the `"+key+"` cookie", "the `"+key+"` cookie is read here")
			return &Val{L: []*Label{src.label()}}
		}
		return clean
	case collSession:
		if ok && c.nameIsSecretKey(key) {
			return &Val{L: []*Label{c.byName(text, loc)}}
		}
		return opaque
	case collScope:
		switch key {
		case "headers":
			src := c.a.source(Headers, loc, "request headers (`"+text+"`)", "all request headers (`"+text+"`), including "+joinNames(headerNames[:])+", are read here")
			src.Style = styleASGI
			return &Val{Coll: collHeaders, Items: true, L: []*Label{src.label()}}
		case "query_string":
			return &Val{Coll: collQueryString}
		case "cookies":
			src := c.a.source(Credential, loc, "`"+text+"` (including the session cookie)", "all cookies (`"+text+"`) are read here")
			return &Val{Coll: collCookies, L: []*Label{src.label()}}
		case "session":
			return &Val{Coll: collSession}
		}
		return opaque
	}
	if ok && base.Fields != nil {
		if f, has := base.Fields[key]; has {
			return f
		}
		// Another key: only what was added under keys djleak does not
		// know, not the known entries.
		inField := map[*Source]bool{}
		for _, f := range base.Fields {
			for _, l := range f.L {
				inField[l.Src] = true
			}
		}
		return mapLabels(labelsOnly(base), func(l *Label) *Label {
			if inField[l.Src] {
				return nil
			}
			return l
		})
	}
	if isNum && len(base.Elems) > 0 {
		i := num
		if i < 0 {
			i += len(base.Elems)
		}
		if i >= 0 && i < len(base.Elems) {
			return base.Elems[i]
		}
	}
	if base.tainted() {
		if ok && (c.a.vocab.excluded(key) || cleanAttrs[key] || c.a.vocab.Metadata(key)) {
			return clean
		}
		if !ok {
			if k, has := paramKey(kv); has {
				return keyedBy(labelsOnly(base), k)
			}
			return labelsOnly(base)
		}
		// A constant key selects a field of a parameter: remember it, so
		// that a caller's dict literal contributes only that entry.
		out := mapLabels(labelsOnly(base), func(l *Label) *Label {
			if l.Src.Kind != Param || l.Field != "" {
				return l
			}
			n := *l
			n.Field = key
			return &n
		})
		if !hasReal(base) && c.nameIsSecretKey(key) && !messageContainer(text) && !c.a.vocab.publicContainer(text) {
			// request.data["password"] inside a view: the key still counts.
			out.L = append(append([]*Label(nil), out.L...), c.byName(text, loc))
		}
		return out
	}
	if c.a.vocab.publicContainer(text) {
		return clean
	}
	if ok && c.nameIsSecretKey(key) && !messageContainer(text) {
		return &Val{L: []*Label{c.byName(text, loc)}}
	}
	return opaque
}

// headerRead is what a read of key from the header collection l gives: a
// credential's label when key names a sensitive header still in l, nil
// otherwise.
func (c *fctx) headerRead(l *Label, key string, loc source.Location, text string) *Label {
	if h := sensitiveHeader(key, l.Src.Style); h >= 0 && l.Bits&bit(h, l.Src.Style) != 0 {
		return c.headerCredential(headerNames[h], loc, text)
	}
	return nil
}

// customHeader is the credential a read of a header that only its name
// calls secret gives (`X-Auth-Token`), or nil.
func (c *fctx) customHeader(key string, loc source.Location, text string) *Label {
	if !c.nameIsSecretKey(strings.TrimPrefix(strings.TrimPrefix(key, "HTTP_"), "http_")) {
		return nil
	}
	return c.headerCredential(headerDisplay(key), loc, text)
}

func (c *fctx) headerCredential(name string, loc source.Location, text string) *Label {
	return c.a.source(Credential, loc, "the "+name+" header", "the "+name+" header is read here (`"+text+"`)").label()
}

// paramKey reports whether a key is one of the function's parameters
// and which: `headers[name]` in `def header_value(headers, name)`.
func paramKey(kv *Val) (int, bool) {
	if kv == nil || len(kv.L) != 1 {
		return 0, false
	}
	l := kv.L[0]
	if l.Src.Kind != Param || l.Field != "" || l.KeyParam != 0 {
		return 0, false
	}
	return l.Src.Param, true
}

// keyedBy marks the collections of v (placeholders and header
// collections) as read through parameter k's key: the caller says which
// entry that is (resolveKey). Other labels pass as they are.
func keyedBy(v *Val, k int) *Val {
	return mapLabels(v, func(l *Label) *Label { return l.keyedBy(k + 1) })
}

// messageContainer recognises error and message collections keyed by
// field name (`form.errors["password"]`): their entries are messages
// about the field, not its value.
func messageContainer(text string) bool {
	l := strings.ToLower(text)
	if i := strings.IndexByte(l, '['); i >= 0 {
		l = l[:i]
	}
	for _, w := range []string{"error", "message", "detail", "help_text", "label", "widget", "field"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func headerDisplay(key string) string {
	k := strings.TrimPrefix(strings.TrimPrefix(key, "HTTP_"), "http_")
	parts := strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' })
	for i, p := range parts {
		p = strings.ToLower(p)
		if p == "api" || p == "id" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
			continue
		}
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "-")
}

// Dicts and comprehensions ------------------------------------------------------

func (c *fctx) dict(x *python.Expr, e *env) *Val {
	out := &Val{Clean: true, Fields: map[string]*Val{}, FieldExpr: map[string]*python.Expr{}}
	for i, k := range x.Keys {
		if i >= len(x.Values) {
			break
		}
		vx := x.Values[i]
		val := c.eval(vx, e)
		if k == nil {
			out.L = union(out.L, val.L)
			out.Clean = out.Clean && val.Clean
			if val.Coll == collHeaders {
				out.Coll = collHeaders
			}
			if val.Fields != nil {
				if out.Fields == nil {
					out.Fields, out.FieldExpr = map[string]*Val{}, map[string]*python.Expr{}
				}
				for fk, fv := range val.Fields {
					out.Fields[fk] = fv
					out.FieldExpr[fk] = val.FieldExpr[fk]
				}
			}
			continue
		}
		kv := c.eval(k, e)
		if key, ok := constString(k); ok {
			if c.nameIsSecretKey(key) && !val.tainted() {
				switch {
				case vx.Kind == python.String && LooksSecret(vx.Str):
					src := c.a.source(Token, vx.Loc(), "the hard-coded secret `"+analyzer.Mask(vx.Str)+"`", "a secret value is hard-coded here")
					src.Literal = vx.Str
					val = &Val{L: []*Label{src.label()}}
				case !val.Clean && val.Obj == objNone && val.Class == nil && val.Qual == "":
					src := c.a.source(Token, vx.Loc(), "the `"+key+"` value", "the `"+key+"` entry holds a secret (by its name)")
					src.ByName = true
					src.DictKey = true
					val = &Val{L: []*Label{src.label()}}
				}
			}
			if out.Fields == nil {
				out.Fields, out.FieldExpr = map[string]*Val{}, map[string]*python.Expr{}
			}
			out.Fields[key] = val
			out.FieldExpr[key] = vx
		}
		out.L = union(out.L, union(kv.L, val.L))
		out.Clean = out.Clean && val.Clean && kv.Clean
	}
	return out
}

func (c *fctx) comprehension(x *python.Expr, e *env) *Val {
	ce := e.copy()
	n := x.Node
	for _, k := range c.kids(n) {
		switch c.typ(k) {
		case "for_in_clause":
			right, left := c.fieldOf(k, "right"), c.fieldOf(k, "left")
			if right == nil || left == nil {
				continue
			}
			it := c.eval(c.expr(right), ce)
			elem, id := c.elemOf(it, ce)
			if id != 0 {
				ce.setMask(id, allBits)
			}
			c.bindQuiet(left, elem, ce)
		case "if_clause":
			if len(c.kids(k)) > 0 {
				cx := c.expr(c.kids(k)[0])
				c.eval(cx, ce)
				c.narrow(ce, cx, true)
			}
		}
	}
	out := &Val{}
	switch {
	case len(x.Keys) > 0 && len(x.Values) > 0:
		kv, vv := c.eval(x.Keys[0], ce), c.eval(x.Values[0], ce)
		out.L, out.Clean = union(kv.L, vv.L), kv.Clean && vv.Clean
	case len(x.Elems) > 0:
		b := c.eval(x.Elems[0], ce)
		out.L, out.Clean = b.L, b.Clean
		if len(b.Elems) == 2 && b.Elems[0].Key != 0 {
			out.Items = true
		}
	}
	for _, l := range out.L {
		if l.Src.Kind == Headers {
			out.Coll = collHeaders
		}
	}
	return out
}

// bindQuiet binds comprehension variables without flow steps.
func (c *fctx) bindQuiet(n *python.Node, v *Val, e *env) {
	m := c.mi.m
	switch c.typ(n) {
	case "identifier":
		e.set(m.NodeText(n), v)
	case "parenthesized_expression":
		for _, k := range c.kids(n) {
			c.bindQuiet(k, v, e)
		}
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list":
		ks := c.kids(n)
		vals := unpack(v, len(ks), c.starAt(ks))
		for i, k := range ks {
			c.bindQuiet(k, vals[i], e)
		}
	case "list_splat_pattern", "list_splat":
		if ks := c.kids(n); len(ks) > 0 {
			c.bindQuiet(ks[0], v, e)
		}
	default:
		c.bind(n, v, e, nil)
	}
}

// elemOf is the value of one element when iterating over it; for
// (key, value) iterations over header collections it allocates an
// iteration id that filters on the key narrow.
func (c *fctx) elemOf(it *Val, e *env) (*Val, int) {
	switch {
	case it.Items:
		c.a.iterID++
		id := c.a.iterID
		k := &Val{Key: id}
		v := &Val{L: it.L, IterKey: id}
		return &Val{Elems: []*Val{k, v}, L: it.L, IterKey: id}, id
	case it.Values:
		return &Val{L: it.L}, 0
	case it.Keys, it.Coll == collHeaders:
		c.a.iterID++
		return &Val{Key: c.a.iterID}, c.a.iterID
	case len(it.Elems) > 0:
		out := &Val{Clean: true}
		width := len(it.Elems[0].Elems)
		for _, el := range it.Elems {
			out.L = union(out.L, el.L)
			out.Clean = out.Clean && el.Clean
			if len(el.Elems) != width {
				width = 0
			}
		}
		// Rows of the same width (`for name, token in [(user, key)]`):
		// each position is the union of that position over the rows.
		for i := 0; i < width; i++ {
			col := &Val{Clean: true}
			for _, el := range it.Elems {
				col.L = union(col.L, el.Elems[i].L)
				col.Clean = col.Clean && el.Elems[i].Clean
			}
			out.Elems = append(out.Elems, col)
		}
		return out, 0
	}
	if it.Clean {
		return clean, 0
	}
	return labelsOnly(it), 0
}

// Unpacking ----------------------------------------------------------------------

// starAt is the index of the starred target among targets, -1 when there
// is none.
func (c *fctx) starAt(targets []*python.Node) int {
	for i, t := range targets {
		if k := c.typ(t); k == "list_splat_pattern" || k == "list_splat" {
			return i
		}
	}
	return -1
}

// unpack splits v over n targets, the starred one at star (-1: none), the
// way Python's unpacking does: each target gets its own element when v's
// elements are known and their number fits, the starred target the list
// of the rest; otherwise any target may hold any of v's labels.
func unpack(v *Val, n, star int) []*Val {
	out := make([]*Val, n)
	k := len(v.Elems)
	fits := star < 0 && k == n || star >= 0 && k >= n-1
	for i := range out {
		j := unpackIndex(k, n, star, i)
		switch {
		case !fits:
			out[i] = labelsOnly(v)
		case i == star:
			rest := v.Elems[star : k-(n-1-star)]
			lst := &Val{Clean: true, Elems: append([]*Val(nil), rest...)}
			for _, e := range rest {
				lst.L = union(lst.L, e.L)
				lst.Clean = lst.Clean && e.Clean
			}
			out[i] = lst
		default:
			out[i] = v.Elems[j]
		}
	}
	return out
}

// unpackIndex is the element of k that target i of n takes (star: the
// starred target's index, or -1); -1 for the starred target itself.
func unpackIndex(k, n, star, i int) int {
	switch {
	case star < 0 || i < star:
		return i
	case i == star:
		return -1
	}
	return k - (n - i)
}

// unpackExpr is the expression of a tuple or list display that target i
// takes, nil when there is none (for the by-name and literal rules).
func unpackExpr(rx *python.Expr, n, star, i int) *python.Expr {
	if rx == nil || rx.Kind != python.Tuple && rx.Kind != python.List {
		return nil
	}
	for _, x := range rx.Elems {
		if x.Kind == python.Starred {
			return nil
		}
	}
	k := len(rx.Elems)
	if star < 0 && k != n || star >= 0 && k < n-1 {
		return nil
	}
	if j := unpackIndex(k, n, star, i); j >= 0 {
		return rx.Elems[j]
	}
	return nil
}

// Narrowing ----------------------------------------------------------------------

// refsKey reports whether an expression reads an iteration key.
func (c *fctx) refsKey(x *python.Expr, e *env) bool {
	found := false
	walkNames(x, func(name string) {
		if v, ok := e.get(name); ok && v.Key != 0 {
			found = true
		}
	})
	return found
}

func walkNames(x *python.Expr, f func(string)) {
	if x == nil {
		return
	}
	if x.Kind == python.Name {
		f(x.Name)
		return
	}
	for _, el := range x.Elems {
		walkNames(el, f)
	}
	for _, k := range x.Keys {
		walkNames(k, f)
	}
	for _, v := range x.Values {
		walkNames(v, f)
	}
	if x.Call != nil {
		walkNames(x.Call.FuncExpr, f)
		for _, a := range x.Call.Args() {
			walkNames(a, f)
		}
		for _, k := range x.Call.Kwargs() {
			walkNames(k.Value, f)
		}
	}
	for _, p := range x.Pieces {
		walkNames(p.Expr, f)
	}
}

// narrow restricts header iterations in e to the headers for which cond
// has the given truth value.
func (c *fctx) narrow(e *env, cond *python.Expr, truth bool) {
	if cond == nil {
		return
	}
	keys := map[string]int{}
	walkNames(cond, func(name string) {
		if v, ok := e.get(name); ok && v.Key != 0 {
			keys[name] = v.Key
		}
	})
	for name, id := range keys {
		old, ok := e.mask(id)
		if !ok {
			old = allBits
		}
		var nm uint16
		for b := 0; b < numHeaders*numStyles; b++ {
			if old&(1<<b) == 0 {
				continue
			}
			ks, isBytes := headerKey(b%numHeaders, b/numHeaders)
			kv := pysem.Str(ks)
			if isBytes {
				kv = pysem.Bytes(ks)
			}
			r := c.condTruth(cond, name, pysem.Value{V: kv, OK: true, Free: true})
			if r.Undecided {
				continue
			}
			if truth && r.True || !truth && r.False {
				nm |= 1 << b
			}
		}
		e.setMask(id, nm)
		if nm != old {
			text := strings.Join(strings.Fields(cond.Text), " ")
			if !truth {
				text = "not (" + text + ")"
			}
			c.filters[id] = filterInfo{text: text, loc: cond.Loc()}
		}
	}
}

// Strings ------------------------------------------------------------------------

// buildString evaluates a built string and reports secrets put into a
// URL's query string.
func (c *fctx) buildString(x *python.Expr, pieces []python.Piece, e *env) *Val {
	out := &Val{Clean: true}
	var prefix strings.Builder
	hasQuery := false // the prefix holds a '?'
	appended := c.appended
	c.appended = false
	for _, p := range pieces {
		if p.Expr == nil {
			prefix.WriteString(p.Literal)
			hasQuery = hasQuery || strings.Contains(p.Literal, "?")
			continue
		}
		v := c.eval(p.Expr, e)
		out.Clean = out.Clean && v.Clean
		if out.Coll == collNone && v.Coll == collQueryString {
			out.Coll = collQueryString
		}
		pre := prefix.String()
		if v.tainted() && inQuery(pre, hasQuery, appended, v.Encoded) {
			var ls []*Label
			for _, l := range v.L {
				if l.InURL || (l.Src.Kind != Token && l.Src.Kind != Credential && l.Src.Kind != Param) {
					ls = append(ls, l)
					continue
				}
				hl := l.with(p.Expr.Loc(), "put into the query string of a URL here")
				c.a.record(c, Hit{Sink: SinkURL, Label: hl, Loc: p.Expr.Loc(), Call: x.Loc(), Desc: "URL", Where: "in the query string", Func: c.name, EmailLink: c.email})
				n := *hl
				n.InURL = true
				ls = append(ls, &n)
			}
			out.L = union(out.L, ls)
		} else {
			out.L = union(out.L, v.L)
		}
		prefix.WriteString("\x00")
	}
	return out
}

// provisioningURI reports a URI whose scheme carries a secret by design
// and is never requested over the network: otpauth:// key URIs (shown as
// a QR code to enrol an authenticator app).
func provisioningURI(s string) bool {
	s = strings.TrimLeft(s, "\t\n\f\r ")
	return strings.HasPrefix(s, "otpauth://") || strings.HasPrefix(s, "otpauth-migration://")
}

// queryParamEnd reports a prefix that ends a query parameter's name and
// its '=': `?name=` or `&name=`. It looks back from the end only as far as
// the name, so a string built of n pieces costs n, not n², to check at
// each piece.
func queryParamEnd(s string) bool {
	if !strings.HasSuffix(s, "=") {
		return false
	}
	for i := len(s) - 2; i >= 0; i-- {
		switch c := s[i]; {
		case c == '?' || c == '&':
			return true
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("_.-[]%", c) >= 0:
		default:
			return false
		}
	}
	return false
}

// inQuery reports whether a value appended to prefix lands in a URL's
// query string; hasQuery is whether prefix holds a '?'.
func inQuery(prefix string, hasQuery, appended, encoded bool) bool {
	if provisioningURI(prefix) {
		return false
	}
	if encoded {
		t := strings.TrimRight(prefix, " ")
		return strings.HasSuffix(t, "?") || (strings.HasSuffix(t, "&") && (hasQuery || appended))
	}
	if !queryParamEnd(prefix) {
		return false
	}
	if hasQuery {
		return true
	}
	return appended && strings.HasPrefix(prefix, "&")
}
