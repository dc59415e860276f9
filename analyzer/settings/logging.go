package settings

import (
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Logging is a LOGGING dict as logging.config.dictConfig reads it, with
// item assignments (LOGGING['loggers'][...] = …) applied.
type Logging struct {
	Setting    *Setting
	Formatters map[string]*LogFormatter
	Filters    map[string]*LogFilter
	Handlers   map[string]*LogHandler
	Loggers    map[string]*LogLogger // "" is the root logger
}

// LogFormatter is one entry of LOGGING['formatters'].
type LogFormatter struct {
	Name   string
	Format string // the format string ("" when not a literal)
	Style  string // "%", "{" or "$"
	Class  string // 'class' or '()' factory, dotted
	Loc    source.Location
	// FormatLoc is the format string's location (Loc when there is none).
	FormatLoc source.Location
}

// LogFilter is one entry of LOGGING['filters'].
type LogFilter struct {
	Name     string
	Factory  string       // the '()' factory, dotted ("django.utils.log.CallbackFilter")
	Callback *python.Expr // CallbackFilter's callback
	Loc      source.Location
	// Module is the module whose code wrote the entry (for callbacks).
	Module *python.Module
}

// LogHandler is one entry of LOGGING['handlers'].
type LogHandler struct {
	Name      string
	Class     string
	Formatter string
	Filters   []string
	Level     string
	Filename  string
	Loc       source.Location
	ClassLoc  source.Location
}

// LogLogger is one entry of LOGGING['loggers'] (or 'root').
type LogLogger struct {
	Name      string
	Handlers  []string
	Filters   []string
	Level     string
	LevelLoc  source.Location
	Propagate bool
	Loc       source.Location
}

// lnode is a LOGGING dict flattened to a tree of string keys.
type lnode struct {
	keys []string
	kids map[string]*lnode
	expr *python.Expr
	mod  *python.Module
}

func (n *lnode) get(k string) *lnode {
	if n == nil || n.kids == nil {
		return nil
	}
	return n.kids[k]
}

func (n *lnode) set(k string, v *lnode) {
	if n.kids == nil {
		n.kids = map[string]*lnode{}
	}
	if _, ok := n.kids[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.kids[k] = v
}

func (n *lnode) str() string {
	if n == nil || n.expr == nil {
		return ""
	}
	if v, ok := n.expr.Const(); ok && v.Kind == python.Str {
		return v.Str
	}
	if n.expr.Kind == python.Name || n.expr.Kind == python.Attribute {
		return n.expr.Name
	}
	return ""
}

func (n *lnode) strs() []string {
	if n == nil || n.expr == nil {
		return nil
	}
	if s := n.str(); s != "" {
		return []string{s}
	}
	var out []string
	for _, e := range n.expr.Elems {
		if v, ok := e.Const(); ok && v.Kind == python.Str {
			out = append(out, v.Str)
		}
	}
	return out
}

func (n *lnode) loc() source.Location {
	if n == nil || n.expr == nil {
		return source.Location{}
	}
	return n.expr.Loc()
}

// Logging returns the module's LOGGING configuration, nil when it is not
// set or not a dict djleak can read.
func (m *Module) Logging(p *analyzer.Project) *Logging {
	s := m.Get("LOGGING")
	if s == nil || s.Expr == nil {
		return nil
	}
	mod := moduleOf(p, s)
	root := m.tree(s.Expr, mod, 0)
	if root == nil || root.kids == nil {
		return nil
	}
	for _, pt := range s.Patches {
		m.applyPatch(root, pt, mod)
	}
	lg := &Logging{Setting: s, Formatters: map[string]*LogFormatter{}, Filters: map[string]*LogFilter{},
		Handlers: map[string]*LogHandler{}, Loggers: map[string]*LogLogger{}}
	if fs := root.get("formatters"); fs != nil {
		for _, name := range fs.keys {
			e := fs.kids[name]
			f := &LogFormatter{Name: name, Style: "%", Loc: e.loc()}
			f.FormatLoc = f.Loc
			if fm := e.get("format"); fm != nil {
				f.Format, f.FormatLoc = fm.str(), fm.loc()
			} else if fm := e.get("fmt"); fm != nil {
				f.Format, f.FormatLoc = fm.str(), fm.loc()
			}
			if st := e.get("style").str(); st != "" {
				f.Style = st
			}
			f.Class = e.get("()").str()
			if f.Class == "" {
				f.Class = e.get("class").str()
			}
			lg.Formatters[name] = f
		}
	}
	if fs := root.get("filters"); fs != nil {
		for _, name := range fs.keys {
			e := fs.kids[name]
			f := &LogFilter{Name: name, Loc: e.loc(), Factory: e.get("()").str(), Module: e.mod}
			if cb := e.get("callback"); cb != nil {
				f.Callback = cb.expr
				f.Module = cb.mod
			}
			lg.Filters[name] = f
		}
	}
	if hs := root.get("handlers"); hs != nil {
		for _, name := range hs.keys {
			e := hs.kids[name]
			h := &LogHandler{Name: name, Loc: e.loc(), Class: e.get("class").str(), ClassLoc: e.get("class").loc(),
				Formatter: e.get("formatter").str(), Filters: e.get("filters").strs(), Level: strings.ToUpper(e.get("level").str()),
				Filename: e.get("filename").str()}
			if h.Class == "" {
				h.Class = e.get("()").str()
			}
			lg.Handlers[name] = h
		}
	}
	logger := func(name string, e *lnode) *LogLogger {
		l := &LogLogger{Name: name, Loc: e.loc(), Handlers: e.get("handlers").strs(), Filters: e.get("filters").strs(),
			Level: strings.ToUpper(e.get("level").str()), LevelLoc: e.get("level").loc(), Propagate: true}
		if pr := e.get("propagate"); pr != nil && pr.expr != nil {
			if v, ok := pr.expr.Const(); ok {
				if t, ok := v.Truthy(); ok {
					l.Propagate = t
				}
			}
		}
		return l
	}
	if ls := root.get("loggers"); ls != nil {
		for _, name := range ls.keys {
			lg.Loggers[name] = logger(name, ls.kids[name])
		}
	}
	if r := root.get("root"); r != nil {
		lg.Loggers[""] = logger("", r)
	}
	return lg
}

// moduleOf finds the parsed module a setting's code is in.
func moduleOf(p *analyzer.Project, s *Setting) *python.Module {
	if p == nil {
		return nil
	}
	return p.Module(s.Loc.Path)
}

// deref follows names to the expression assigned to them.
func (m *Module) deref(e *python.Expr) *python.Expr {
	for i := 0; i < 5 && e != nil && e.Kind == python.Name; i++ {
		s := m.vars[e.Name]
		if s == nil || s.Expr == nil {
			return e
		}
		e = s.Expr
	}
	return e
}

func (m *Module) tree(e *python.Expr, mod *python.Module, depth int) *lnode {
	e = m.deref(e)
	n := &lnode{expr: e, mod: mod}
	if e == nil || depth > 8 {
		return n
	}
	switch {
	case e.Kind == python.Dict:
		for i, k := range e.Keys {
			if k == nil {
				if sub := m.tree(e.Values[i], mod, depth+1); sub.kids != nil {
					for _, kk := range sub.keys {
						n.set(kk, sub.kids[kk])
					}
				}
				continue
			}
			if v, ok := k.Const(); ok && v.Kind == python.Str {
				n.set(v.Str, m.tree(e.Values[i], mod, depth+1))
			}
		}
		if n.kids == nil {
			n.kids = map[string]*lnode{}
		}
	case e.Kind == python.CallExpr && e.Call != nil && e.Call.Func == "dict":
		n.kids = map[string]*lnode{}
		for _, k := range e.Call.Kwargs() {
			if k.Name != "" {
				n.set(k.Name, m.tree(k.Value, mod, depth+1))
			}
		}
	}
	return n
}

func (m *Module) applyPatch(root *lnode, pt Patch, mod *python.Module) {
	cur := root
	keys := make([]string, 0, len(pt.Keys))
	for _, k := range pt.Keys {
		if k.Kind != python.Str {
			return
		}
		keys = append(keys, k.Str)
	}
	for i, k := range keys {
		if i == len(keys)-1 && !pt.Update {
			cur.set(k, m.tree(pt.Expr, mod, 0))
			return
		}
		next := cur.get(k)
		if next == nil {
			next = &lnode{kids: map[string]*lnode{}}
			cur.set(k, next)
		}
		cur = next
	}
	if pt.Update {
		sub := m.tree(pt.Expr, mod, 0)
		for _, k := range sub.keys {
			cur.set(k, sub.kids[k])
		}
	}
}

// LoggerParent is a logger name's parent ("django.request" → "django" → "").
func LoggerParent(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], true
	}
	return "", true
}

// EffectiveLevel is the level a logger works at: its own, else the nearest
// configured ancestor's; "WARNING" for an unconfigured root. It also
// returns the logger that sets it.
func (lg *Logging) EffectiveLevel(name string) (string, *LogLogger) {
	for n, ok := name, true; ok; n, ok = LoggerParent(n) {
		if l := lg.Loggers[n]; l != nil && l.Level != "" && l.Level != "NOTSET" {
			return l.Level, l
		}
		if n == "" {
			break
		}
	}
	return "WARNING", nil
}

// HandlersFor lists the handlers records of logger name reach, through
// propagation, with the logger that attaches each.
func (lg *Logging) HandlersFor(name string) []HandlerUse {
	var out []HandlerUse
	for n, ok := name, true; ok; n, ok = LoggerParent(n) {
		l := lg.Loggers[n]
		if l != nil {
			for _, h := range l.Handlers {
				if hd := lg.Handlers[h]; hd != nil {
					out = append(out, HandlerUse{Handler: hd, Logger: l})
				}
			}
			if !l.Propagate {
				break
			}
		}
		if n == "" {
			break
		}
	}
	return out
}

// HandlerUse is a handler reached from a logger.
type HandlerUse struct {
	Handler *LogHandler
	Logger  *LogLogger
}

// AttachedHandlers lists the handlers some logger (or root) uses, sorted.
func (lg *Logging) AttachedHandlers() []*LogHandler {
	seen := map[string]bool{}
	for _, l := range lg.Loggers {
		for _, h := range l.Handlers {
			seen[h] = true
		}
	}
	var out []*LogHandler
	for name := range seen {
		if h := lg.Handlers[name]; h != nil {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LoggersUsing lists the loggers that attach handler name, sorted.
func (lg *Logging) LoggersUsing(handler string) []*LogLogger {
	var out []*LogLogger
	for _, l := range lg.Loggers {
		for _, h := range l.Handlers {
			if h == handler {
				out = append(out, l)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var fieldPatterns = map[string]*regexp.Regexp{
	"%": regexp.MustCompile(`%\((\w+)\)`),
	"{": regexp.MustCompile(`\{(\w+)`),
	"$": regexp.MustCompile(`\$\{?(\w+)`),
}

// Fields lists the record attributes a formatter's format string uses.
func (f *LogFormatter) Fields() []string {
	re := fieldPatterns[f.Style]
	if re == nil {
		re = fieldPatterns["%"]
	}
	var out []string
	for _, m := range re.FindAllStringSubmatch(f.Format, -1) {
		out = append(out, m[1])
	}
	return out
}

// JSON reports whether the formatter serialises every record attribute,
// `extra` included (python-json-logger and similar).
func (f *LogFormatter) JSON() bool {
	return strings.Contains(strings.ToLower(f.Class), "json")
}

// LogExtra is a logging call that passes request data in `extra`.
type LogExtra struct {
	Call *python.Call
	Key  string // the extra key ("headers")
	Loc  source.Location
	// Excluded lists the header names a comprehension leaves out
	// ({k: v for k, v in request.headers.items() if k.lower() != 'authorization'}).
	Excluded []string
}

var logMethods = map[string]bool{"debug": true, "info": true, "warning": true, "warn": true, "error": true,
	"exception": true, "critical": true, "log": true, "fatal": true}

// RequestExtrasPass is RequestExtras, computed once per project and taken
// from the previous load while no Python file changed.
var RequestExtrasPass = &analyzer.Pass[[]LogExtra]{Name: "request-extras", Run: RequestExtras,
	Requires: []analyzer.Requirement{analyzer.PythonModules}, Reads: []analyzer.Kind{analyzer.KindPython}}

// RequestExtras finds logging calls in project code that pass request
// headers, cookies or the request itself in `extra`.
func RequestExtras(p *analyzer.Project) []LogExtra {
	var out []LogExtra
	for _, m := range p.Python {
		for _, c := range m.Calls {
			if c.FuncExpr == nil || c.FuncExpr.Kind != python.Attribute || !logMethods[c.FuncExpr.Attr] {
				continue
			}
			ex, ok := c.Kwarg("extra")
			if !ok || ex == nil || ex.Kind != python.Dict {
				continue
			}
			for i, k := range ex.Keys {
				if k == nil {
					continue
				}
				kv, ok := k.Const()
				if !ok || kv.Kind != python.Str {
					continue
				}
				v := ex.Values[i]
				if !RequestDataField(kv.Str) && !mentionsRequestData(v.Text) {
					continue
				}
				out = append(out, LogExtra{Call: c, Key: kv.Str, Loc: v.Loc(), Excluded: excludedNames(m, v)})
			}
		}
	}
	return out
}

var requestDataRe = regexp.MustCompile(`\.(headers|META|COOKIES)\b`)

func mentionsRequestData(text string) bool { return requestDataRe.MatchString(text) }

// RequestDataField reports whether a record attribute name holds request
// data by convention: the request, its headers, META or cookies.
func RequestDataField(name string) bool {
	switch strings.ToLower(name) {
	case "request", "headers", "request_headers", "http_headers", "meta", "request_meta", "cookies", "cookie",
		"authorization", "request_body", "body", "environ":
		return true
	}
	return false
}

// excludedNames returns the string literals in the if clauses of a
// comprehension: the names it filters out.
func excludedNames(m *python.Module, e *python.Expr) []string {
	if e == nil || e.Kind != python.Comprehension || e.Node == nil {
		return nil
	}
	var out []string
	var walk func(n *python.Node, inIf bool)
	walk = func(n *python.Node, inIf bool) {
		t := n.Type()
		if t == "if_clause" {
			inIf = true
		}
		if inIf && t == "string" {
			if x := m.ExprOf(n); x != nil && x.Kind == python.String {
				out = append(out, x.Str)
			}
			return
		}
		for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
			walk(ch, inIf)
		}
	}
	walk(e.Node, false)
	return out
}
