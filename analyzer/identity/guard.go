package identity

import (
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// GuardState says how a read is protected by a verification check.
type GuardState int

const (
	// Unguarded: no check of a verification status dominates the read.
	Unguarded GuardState = iota
	// Correct: the read only happens when a verify value equals exactly
	// "SUCCESS" (case folding and stripping allowed).
	Correct
	// Wrong: a check mentions a verify value but does not prove success
	// (truthiness, != 'FAILED', 'SUCCESS' in v, startswith, the else branch
	// of a success check, …).
	Wrong
)

func (g GuardState) String() string {
	return [...]string{"unguarded", "guarded", "wrongly guarded"}[g]
}

// Guard describes the verification check that dominates a read.
type Guard struct {
	State GuardState
	// Loc and Text are the check's condition (for Correct and Wrong).
	Loc  source.Location
	Text string
	// VerifyKey is the verify key the check compares (HTTP_X_CLIENT_VERIFY).
	VerifyKey string
	// Why explains a Wrong guard.
	Why string
}

type guards struct {
	p *analyzer.Project
	// attrs maps attribute names assigned on request objects from a verify
	// read ("client_verify" for request.client_verify = META.get(…VERIFY)).
	attrs map[string]string
	// helpers maps project function names to the verdict of their return
	// expression, for `if is_verified(request):`.
	helpers map[string]verdict
	// extra holds configured identity keys (identity-headers).
	extra map[string]bool
}

type verdict struct {
	state GuardState
	key   string
	why   string
}

func newGuards(p *analyzer.Project) *guards {
	g := &guards{p: p, attrs: map[string]string{}, helpers: map[string]verdict{}, extra: p.Config.IdentityKeys()}
	for _, m := range p.Python {
		for _, f := range m.Functions {
			for _, a := range f.Assigns {
				if a.Value == nil || a.Value.Node == nil || !strings.Contains(a.Target, ".") {
					continue
				}
				if k, ok := g.verifyExpr(m, f, a.Value.Node, 0); ok {
					g.attrs[a.Target[strings.LastIndexByte(a.Target, '.')+1:]] = k
				}
			}
		}
	}
	for _, m := range g.p.Python {
		for _, f := range m.Functions {
			body := f.Node.ChildByFieldName("body")
			if body == nil {
				continue
			}
			// A small helper: its last statement is `return <condition>`.
			last := body.NamedChild(int(body.NamedChildCount()) - 1)
			if last == nil || last.Type() != "return_statement" || last.NamedChildCount() == 0 {
				continue
			}
			if v := g.cond(m, f, last.NamedChild(0), true, 1); v.state != Unguarded {
				g.helpers[f.Name] = v
			}
		}
	}
	return g
}

// guardOf finds the strongest verification check dominating node n.
func (g *guards) guardOf(m *python.Module, f *python.Function, n *python.Node) Guard {
	var best Guard
	consider := func(cond *python.Node, want bool) {
		v := g.cond(m, f, cond, want, 0)
		if v.state == Unguarded {
			return
		}
		if v.state == Correct || best.State == Unguarded {
			best = Guard{State: v.state, Loc: m.Loc(cond), Text: m.NodeText(cond), VerifyKey: v.key, Why: v.why}
		}
	}
	var stop *python.Node
	if f != nil {
		stop = f.Node
	}
	child := n
	for p := n.Parent(); p != nil && !sameNode(p, stop); child, p = p, p.Parent() {
		if best.State == Correct {
			break
		}
		switch p.Type() {
		case "if_statement":
			if c := p.ChildByFieldName("consequence"); c != nil && sameNode(c, child) {
				consider(p.ChildByFieldName("condition"), true)
			}
		case "elif_clause":
			if c := p.ChildByFieldName("consequence"); c != nil && sameNode(c, child) {
				consider(p.ChildByFieldName("condition"), true)
			}
		case "else_clause":
			if ifs := p.Parent(); ifs != nil && ifs.Type() == "if_statement" {
				consider(ifs.ChildByFieldName("condition"), false)
			}
		case "conditional_expression":
			// body if cond else orelse
			if p.NamedChildCount() == 3 {
				if sameNode(p.NamedChild(0), child) {
					consider(p.NamedChild(1), true)
				} else if sameNode(p.NamedChild(2), child) {
					consider(p.NamedChild(1), false)
				}
			}
		case "boolean_operator":
			left := p.ChildByFieldName("left")
			op := p.ChildByFieldName("operator")
			if left != nil && !sameNode(left, child) && op != nil {
				consider(left, m.NodeText(op) == "and")
			}
		case "block", "module":
			// Early exits before the read: `if verify != 'SUCCESS': return …`.
			for i := 0; i < int(p.NamedChildCount()); i++ {
				s := p.NamedChild(i)
				if sameNode(s, child) || s.StartByte() >= child.StartByte() {
					break
				}
				if s.Type() == "if_statement" && exits(s) && s.ChildByFieldName("alternative") == nil {
					consider(s.ChildByFieldName("condition"), false)
				}
			}
		}
	}
	return best
}

func sameNode(a, b *python.Node) bool {
	return a != nil && b != nil && a.StartByte() == b.StartByte() && a.EndByte() == b.EndByte() && a.Type() == b.Type()
}

// exits reports whether an if statement's consequence ends the flow:
// return, raise, continue or break as its last statement.
func exits(ifs *python.Node) bool {
	c := ifs.ChildByFieldName("consequence")
	if c == nil || c.NamedChildCount() == 0 {
		return false
	}
	last := c.NamedChild(int(c.NamedChildCount()) - 1)
	switch last.Type() {
	case "return_statement", "raise_statement", "continue_statement", "break_statement":
		return true
	}
	return false
}

// cond evaluates a condition: does knowing that cond == want prove the
// verify value is SUCCESS (Correct), mention a verify value without
// proving it (Wrong), or say nothing about verification (Unguarded)?
func (g *guards) cond(m *python.Module, f *python.Function, n *python.Node, want bool, depth int) verdict {
	if n == nil || depth > 8 {
		return verdict{}
	}
	switch n.Type() {
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return g.cond(m, f, n.NamedChild(0), want, depth+1)
		}
	case "not_operator":
		return g.cond(m, f, n.ChildByFieldName("argument"), !want, depth+1)
	case "boolean_operator":
		op := n.ChildByFieldName("operator")
		l := g.cond(m, f, n.ChildByFieldName("left"), want, depth+1)
		r := g.cond(m, f, n.ChildByFieldName("right"), want, depth+1)
		isAnd := op != nil && m.NodeText(op) == "and"
		// (a and b) true ⇒ both true; (a or b) false ⇒ both false.
		if isAnd == want {
			if l.state == Correct {
				return l
			}
			if r.state == Correct {
				return r
			}
		}
		if l.state != Unguarded || r.state != Unguarded {
			v := l
			if v.state == Unguarded {
				v = r
			}
			if v.state == Correct {
				v.state = Wrong
				v.why = "the check is combined with `" + m.NodeText(op) + "`, so the branch can run without a successful verification"
			}
			return v
		}
		return verdict{}
	case "comparison_operator":
		return g.comparison(m, f, n, want)
	case "call":
		fn := n.ChildByFieldName("function")
		if fn != nil && fn.Type() == "identifier" {
			if v, ok := g.helpers[m.NodeText(fn)]; ok {
				if !want && v.state == Correct {
					return verdict{Wrong, v.key, "this branch runs when verification did not succeed"}
				}
				return v
			}
		}
		if fn != nil && fn.Type() == "attribute" {
			obj := fn.ChildByFieldName("object")
			if k, ok := g.verifyExpr(m, f, obj, depth); ok {
				return verdict{Wrong, k, "`" + m.NodeText(n) + "` does not compare the status to exactly 'SUCCESS'"}
			}
		}
	}
	if k, ok := g.verifyExpr(m, f, n, depth); ok {
		return verdict{Wrong, k, "a verify status is truthy whatever it says ('NONE' and 'FAILED:…' are non-empty strings)"}
	}
	return verdict{}
}

// comparison evaluates `a OP b` chains of length one.
func (g *guards) comparison(m *python.Module, f *python.Function, n *python.Node, want bool) verdict {
	if n.NamedChildCount() != 2 {
		return g.mentions(m, f, n)
	}
	left, right := n.NamedChild(0), n.NamedChild(1)
	op := ""
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		if !c.IsNamed() {
			op += strings.TrimSpace(m.NodeText(c)) + " "
		}
	}
	op = strings.TrimSpace(op)
	key, okL := g.verifyExpr(m, f, left, 0)
	other := right
	if !okL {
		var okR bool
		key, okR = g.verifyExpr(m, f, right, 0)
		if !okR {
			return verdict{}
		}
		other = left
	}
	lit, isStr := m.ExprOf(other).Const()
	success := isStr && lit.Kind == python.Str && strings.EqualFold(strings.TrimSpace(lit.Str), "SUCCESS")
	switch op {
	case "==", "is":
		if success && want {
			return verdict{Correct, key, ""}
		}
		if success {
			return verdict{Wrong, key, "this branch runs when verification did not succeed"}
		}
	case "!=", "is not":
		if success && !want {
			return verdict{Correct, key, ""}
		}
		if success {
			return verdict{Wrong, key, "this branch runs when verification did not succeed"}
		}
		return verdict{Wrong, key, "`" + m.NodeText(n) + "` lets every status but one through ('NONE' when no certificate was sent, 'FAILED:…')"}
	case "in":
		// v in ('SUCCESS',) is fine; 'SUCCESS' in v is a substring test.
		if sameNode(other, right) {
			c, ok := m.ExprOf(right).Const()
			if ok && (c.Kind == python.Tuple || c.Kind == python.List || c.Kind == python.Set) && len(c.Elems) > 0 {
				all := true
				for _, e := range c.Elems {
					all = all && e.Kind == python.Str && strings.EqualFold(e.Str, "SUCCESS")
				}
				if all && want {
					return verdict{Correct, key, ""}
				}
			}
		}
		return verdict{Wrong, key, "`" + m.NodeText(n) + "` is a membership or substring test, not an exact comparison with 'SUCCESS'"}
	}
	return verdict{Wrong, key, "`" + m.NodeText(n) + "` does not prove the status is exactly 'SUCCESS'"}
}

func (g *guards) mentions(m *python.Module, f *python.Function, n *python.Node) verdict {
	var v verdict
	walk(n, func(c *python.Node) {
		if v.state != Unguarded {
			return
		}
		if k, ok := g.verifyExpr(m, f, c, 0); ok {
			v = verdict{Wrong, k, "`" + m.NodeText(n) + "` does not prove the status is exactly 'SUCCESS'"}
		}
	})
	return v
}

// verifyExpr recognises an expression that evaluates to a verification
// status: a read of a …_VERIFY key, that read case-folded or stripped, a
// local variable assigned from one, or a request attribute set from one.
func (g *guards) verifyExpr(m *python.Module, f *python.Function, n *python.Node, depth int) (string, bool) {
	if n == nil || depth > 8 {
		return "", false
	}
	if k, ok := keyRead(m, n, g.extra); ok {
		return k, IsVerifyKey(k)
	}
	switch n.Type() {
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return g.verifyExpr(m, f, n.NamedChild(0), depth+1)
		}
	case "call":
		fn := n.ChildByFieldName("function")
		if fn == nil {
			return "", false
		}
		switch fn.Type() {
		case "attribute":
			attr := fn.ChildByFieldName("attribute")
			switch m.NodeText(attr) {
			case "upper", "lower", "strip", "casefold", "rstrip", "lstrip":
				return g.verifyExpr(m, f, fn.ChildByFieldName("object"), depth+1)
			}
		case "identifier":
			if m.NodeText(fn) == "str" {
				if args := n.ChildByFieldName("arguments"); args != nil && args.NamedChildCount() == 1 {
					return g.verifyExpr(m, f, args.NamedChild(0), depth+1)
				}
			}
			if m.NodeText(fn) == "getattr" {
				if args := n.ChildByFieldName("arguments"); args != nil && args.NamedChildCount() >= 2 {
					if c, ok := m.ExprOf(args.NamedChild(1)).Const(); ok && c.Kind == python.Str {
						k, ok := g.attrs[c.Str]
						return k, ok
					}
				}
			}
		}
	case "identifier":
		if f == nil {
			return "", false
		}
		name := m.NodeText(n)
		// The latest assignment to the name before this use.
		var src *python.Assign
		for _, a := range f.Assigns {
			if a.Target == name && a.Value != nil && a.Node != nil && a.Node.EndByte() <= n.StartByte() {
				src = a
			}
		}
		if src != nil && src.Value.Node != nil {
			return g.verifyExpr(m, f, src.Value.Node, depth+1)
		}
	case "attribute":
		obj := n.ChildByFieldName("object")
		attr := n.ChildByFieldName("attribute")
		if obj != nil && attr != nil && strings.HasSuffix(m.NodeText(obj), "request") {
			k, ok := g.attrs[m.NodeText(attr)]
			return k, ok
		}
	}
	return "", false
}
