package taint

import (
	"strings"

	"github.com/djleak/djleak/parsers/python"
)

// resolved is what a qualified name denotes in the project.
type resolved struct {
	fn      *python.Function
	cls     *python.Class
	mod     *python.Module
	varName string // a module-level variable of mod
}

// resolve maps a qualified name ("mysite.tokens.generate_scoped_token")
// to a project function, class, module or module variable.
func (a *analysis) resolve(q string) resolved {
	if a.quals == nil {
		a.quals = map[string]memo[resolved]{}
	}
	if r, ok := a.quals[q]; ok {
		a.usedMemo(r.deps)
		return r.v
	}
	a.quals[q] = memo[resolved]{}
	var r resolved
	d := a.memoDeps(func() { r = a.resolve1(q, 0) })
	a.quals[q] = memo[resolved]{r, d}
	return r
}

func (a *analysis) resolve1(q string, depth int) resolved {
	if m, ok := a.byName[q]; ok {
		return resolved{mod: m}
	}
	if strings.Contains(q, ".") {
		if m := a.module(q); m != nil {
			return resolved{mod: m}
		}
	}
	parts := strings.Split(q, ".")
	for i := len(parts) - 1; i >= 1; i-- {
		m := a.module(strings.Join(parts[:i], "."))
		if m == nil {
			continue
		}
		mi := a.info(m)
		rest := parts[i:]
		name := rest[0]
		if f := mi.funcs[name]; f != nil {
			if len(rest) == 1 {
				return resolved{fn: f}
			}
			return resolved{}
		}
		if cl := mi.classes[name]; cl != nil {
			switch len(rest) {
			case 1:
				return resolved{cls: cl}
			case 2:
				if meth := a.method(cl, rest[1], 0); meth != nil {
					return resolved{fn: meth, cls: cl}
				}
			}
			return resolved{}
		}
		if sub, ok := mi.imports[name]; ok && depth < 4 && sub != q {
			return a.resolve1(strings.Join(append([]string{sub}, rest[1:]...), "."), depth+1)
		}
		if len(rest) == 1 {
			return resolved{mod: m, varName: name}
		}
		return resolved{}
	}
	return resolved{}
}
