package settings

import (
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// FilterCode is what a logging filter's code does with a record.
type FilterCode struct {
	Kind  string // "lambda", "function" or "class"
	Name  string // function or class name ("" for a lambda)
	Loc   source.Location
	Mod   *python.Module
	Param string // the record parameter
	// Reads lists the record attributes the code reads, sorted
	// ("getMessage", "msg", "args", "__dict__", "headers", …).
	Reads []string
	// Literals are the string constants in the code, in order.
	Literals []string
	// FoldsCase is set when the code lower-cases (or upper-cases) text or
	// matches case-insensitively.
	FoldsCase bool
	// Mutates is set when the code changes the record (record.msg = …,
	// setattr(record, …)): it redacts rather than drops.
	Mutates bool
}

// OnlyMessage reports whether the code looks at nothing but the formatted
// message (getMessage(), msg, args).
func (fc *FilterCode) OnlyMessage() bool {
	if len(fc.Reads) == 0 {
		return false
	}
	for _, r := range fc.Reads {
		switch r {
		case "getMessage", "msg", "args", "message":
		default:
			return false
		}
	}
	return true
}

var builtinFilters = map[string]bool{
	"django.utils.log.RequireDebugFalse": true, "django.utils.log.RequireDebugTrue": true,
	"logging.Filter": true,
}

// FilterCodeOf finds the code of a LOGGING filter: a CallbackFilter's
// callback (a lambda or a function) or a custom filter class's filter
// method. It returns nil when the code is not in the project.
func FilterCodeOf(p *analyzer.Project, f *LogFilter) *FilterCode {
	if builtinFilters[f.Factory] {
		return nil
	}
	if strings.HasSuffix(f.Factory, "CallbackFilter") {
		cb := f.Callback
		if cb == nil {
			return nil
		}
		if cb.Kind == python.Lambda && cb.Node != nil && f.Module != nil {
			fc := &FilterCode{Kind: "lambda", Loc: cb.Loc(), Mod: f.Module}
			if ps := cb.Node.ChildByFieldName("parameters"); ps != nil && ps.NamedChildCount() > 0 {
				fc.Param = f.Module.NodeText(ps.NamedChild(0))
			}
			fc.scan(cb.Node.ChildByFieldName("body"))
			return fc
		}
		if cb.Kind == python.Name || cb.Kind == python.Attribute {
			fn, mod := findFunction(p, f.Module, cb.Name)
			if fn == nil || len(fn.Params) == 0 {
				return nil
			}
			fc := &FilterCode{Kind: "function", Name: fn.Name, Loc: fn.NameLoc, Mod: mod, Param: fn.Params[0].Name}
			fc.scan(fn.Node.ChildByFieldName("body"))
			return fc
		}
		return nil
	}
	name := f.Factory
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		return nil
	}
	for _, m := range p.Python {
		for _, c := range m.Classes {
			if c.Name != name {
				continue
			}
			for _, meth := range c.Methods {
				if meth.Name != "filter" || len(meth.Params) < 2 {
					continue
				}
				fc := &FilterCode{Kind: "class", Name: c.Name, Loc: meth.NameLoc, Mod: m, Param: meth.Params[1].Name}
				fc.scan(meth.Node.ChildByFieldName("body"))
				return fc
			}
		}
	}
	return nil
}

func findFunction(p *analyzer.Project, prefer *python.Module, dotted string) (*python.Function, *python.Module) {
	name := dotted
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	mods := p.Python
	if prefer != nil {
		mods = append([]*python.Module{prefer}, mods...)
	}
	for _, m := range mods {
		for _, fn := range m.Functions {
			if fn.Name == name && fn.Class == nil && fn.Outer == nil {
				return fn, m
			}
		}
	}
	return nil, nil
}

var caseFold = regexp.MustCompile(`\.(lower|casefold|upper)\(|re\.I\b|re\.IGNORECASE|\(\?i\)`)

// scan records what the code under n does with the record parameter.
func (fc *FilterCode) scan(n *python.Node) {
	if n == nil || fc.Mod == nil {
		return
	}
	m := fc.Mod
	reads := map[string]bool{}
	if caseFold.MatchString(m.NodeText(n)) {
		fc.FoldsCase = true
	}
	isParam := func(x *python.Node) bool {
		return x != nil && x.Type() == "identifier" && m.NodeText(x) == fc.Param
	}
	var walk func(x *python.Node)
	walk = func(x *python.Node) {
		switch x.Type() {
		case "attribute":
			if isParam(x.ChildByFieldName("object")) {
				if a := x.ChildByFieldName("attribute"); a != nil {
					reads[m.NodeText(a)] = true
				}
			}
		case "call":
			fn := x.ChildByFieldName("function")
			args := x.ChildByFieldName("arguments")
			if fn != nil && fn.Type() == "identifier" && args != nil && args.NamedChildCount() > 0 && isParam(args.NamedChild(0)) {
				switch m.NodeText(fn) {
				case "vars":
					reads["__dict__"] = true
				case "getattr":
					reads["getattr"] = true
				case "setattr", "delattr":
					fc.Mutates = true
				}
			}
		case "assignment", "augmented_assignment":
			if l := x.ChildByFieldName("left"); l != nil && (l.Type() == "attribute" || l.Type() == "subscript") {
				obj := l.ChildByFieldName("object")
				if obj == nil {
					obj = l.ChildByFieldName("value")
				}
				for obj != nil && (obj.Type() == "attribute" || obj.Type() == "subscript") {
					nx := obj.ChildByFieldName("object")
					if nx == nil {
						nx = obj.ChildByFieldName("value")
					}
					obj = nx
				}
				if isParam(obj) {
					fc.Mutates = true
				}
			}
		case "string":
			if e := m.ExprOf(x); e != nil && e.Kind == python.String {
				fc.Literals = append(fc.Literals, e.Str)
			}
			return
		}
		for ch := x.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
			walk(ch)
		}
	}
	walk(n)
	for r := range reads {
		fc.Reads = append(fc.Reads, r)
	}
	sort.Strings(fc.Reads)
}

var (
	redactName      = regexp.MustCompile(`(?i)redact|mask|scrub|saniti[sz]|censor|secret|sensitive|obfuscat|hide|strip|pii|header|token|credential`)
	sensitiveNeedle = regexp.MustCompile(`(?i)authori[sz]ation|cookie|api[-_]?key|token|password|passwd|secret|bearer|session|credential`)
)

// MeantToRedact reports whether a filter looks meant to keep secrets out
// of the log: by its name or the header names its code looks for.
func MeantToRedact(f *LogFilter, fc *FilterCode) bool {
	if redactName.MatchString(f.Name) || (fc != nil && fc.Name != "" && redactName.MatchString(fc.Name)) {
		return true
	}
	if fc != nil {
		for _, l := range fc.Literals {
			if sensitiveNeedle.MatchString(l) {
				return true
			}
		}
	}
	return false
}

// SensitiveLiterals returns the literals that name secrets.
func (fc *FilterCode) SensitiveLiterals() []string {
	var out []string
	for _, l := range fc.Literals {
		if sensitiveNeedle.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}
