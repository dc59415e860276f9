package python

// The expression-level parts of a statement, read from its syntax node on
// request. Each returns nil where the kind has no such part or the source
// lacks it (see Stmt for which kinds have which).

// namedKids returns the first two named, non-extra children of n.
func namedKids(n *Node) (first, second *Node) {
	if n == nil {
		return nil, nil
	}
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c.flags&flagNamed == 0 || c.flags&(flagExtra|flagError) != 0 {
			continue
		}
		if first == nil {
			first = c
		} else {
			return first, c
		}
	}
	return first, nil
}

// Test is the condition of an If (or elif) and a While, the tested
// expression of an Assert and the guard of a Case.
func (s *Stmt) Test() *Node {
	if s == nil {
		return nil
	}
	switch s.Kind {
	case StmtIf, StmtWhile:
		return s.Node.ChildByFieldName("condition")
	case StmtAssert:
		t, _ := namedKids(s.Node)
		return t
	case StmtCase:
		t, _ := namedKids(s.Node.ChildByFieldName("guard"))
		return t
	}
	return nil
}

// Msg is an Assert's message.
func (s *Stmt) Msg() *Node {
	if s == nil || s.Kind != StmtAssert {
		return nil
	}
	_, m := namedKids(s.Node)
	return m
}

// Target is the loop target of a For and the target of an AugAssign or
// AnnAssign.
func (s *Stmt) Target() *Node {
	if s == nil {
		return nil
	}
	switch s.Kind {
	case StmtFor, StmtAugAssign, StmtAnnAssign:
		return s.Node.ChildByFieldName("left")
	}
	return nil
}

// Targets is the targets of an Assign, left to right (`a = b = 1` has two),
// and the deleted expressions of a Delete. Each call allocates the slice.
func (s *Stmt) Targets() []*Node {
	if s == nil {
		return nil
	}
	var out []*Node
	switch s.Kind {
	case StmtAssign:
		for n := s.Node; roleOf(n) == roleAssignment; n = n.ChildByFieldName("right") {
			if l := n.ChildByFieldName("left"); l != nil {
				out = append(out, l)
			}
		}
	case StmtDelete:
		x, _ := namedKids(s.Node)
		if roleOf(x) == roleExprList {
			for c := x.first(); c != nil; c = c.at(c.next) {
				if c.flags&flagNamed != 0 && c.flags&(flagExtra|flagError) == 0 {
					out = append(out, c)
				}
			}
		} else if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// Value is the assigned value of an Assign, AugAssign or AnnAssign (nil for
// a bare annotation), the iterable of a For, the value of a Return, the
// exception of a Raise, the subject of a Match, the exception type of an
// Except, the aliased type of a TypeAlias and the expression of an Expr
// (for `a, b`, the statement's node, whose named children are the
// elements).
func (s *Stmt) Value() *Node {
	if s == nil {
		return nil
	}
	n := s.Node
	switch s.Kind {
	case StmtAssign:
		for roleOf(n) == roleAssignment {
			n = n.ChildByFieldName("right")
		}
		return n
	case StmtAugAssign, StmtAnnAssign, StmtFor:
		return n.ChildByFieldName("right")
	case StmtReturn:
		v, _ := namedKids(n)
		return v
	case StmtRaise:
		for c := n.first(); c != nil; c = c.at(c.next) {
			if c.flags&flagNamed != 0 && c.flags&(flagExtra|flagError) == 0 && c.FieldName() != "cause" {
				return c
			}
		}
	case StmtMatch:
		return n.ChildByFieldName("subject")
	case StmtExcept:
		v, _ := namedKids(n)
		if roleOf(v) == roleBlock {
			return nil
		}
		if roleOf(v) == roleAsPattern {
			v, _ = namedKids(v)
		}
		return v
	case StmtTypeAlias:
		_, v := namedKids(n)
		return v
	case StmtExpr:
		v, more := namedKids(n)
		if more != nil {
			return n
		}
		return v
	}
	return nil
}

// Cause is the `from` expression of a Raise.
func (s *Stmt) Cause() *Node {
	if s == nil || s.Kind != StmtRaise {
		return nil
	}
	return s.Node.ChildByFieldName("cause")
}

// Annotation is an AnnAssign's annotation.
func (s *Stmt) Annotation() *Node {
	if s == nil || s.Kind != StmtAnnAssign {
		return nil
	}
	return s.Node.ChildByFieldName("type")
}

// Op is an AugAssign's operator token ("+=").
func (s *Stmt) Op() *Node {
	if s == nil || s.Kind != StmtAugAssign {
		return nil
	}
	return s.Node.ChildByFieldName("operator")
}

// Name is the name of a Def, Class or TypeAlias and the `as` name of an
// Except.
func (s *Stmt) Name() *Node {
	if s == nil {
		return nil
	}
	switch s.Kind {
	case StmtDef, StmtClass:
		return s.Node.ChildByFieldName("name")
	case StmtTypeAlias:
		n, _ := namedKids(s.Node)
		return n
	case StmtExcept:
		v, _ := namedKids(s.Node)
		if roleOf(v) == roleAsPattern {
			t, _ := namedKids(v.ChildByFieldName("alias"))
			return t
		}
	}
	return nil
}

// Decorators is the decorator nodes of a decorated Def or Class. Each call
// allocates the slice.
func (s *Stmt) Decorators() []*Node {
	if s == nil || (s.Kind != StmtDef && s.Kind != StmtClass) || s.Start == s.Node.StartByte() {
		return nil
	}
	var out []*Node
	for c := s.Node.Parent().Child(0); c != nil; c = c.NextSibling() {
		if c.Type() == "decorator" {
			out = append(out, c)
		}
	}
	return out
}

// WithItem is one context manager of a with statement.
type WithItem struct {
	Context *Node // the context expression
	Vars    *Node // the `as` target, nil without one
}

// Items is a With's context managers. Each call allocates the slice.
func (s *Stmt) Items() []WithItem {
	if s == nil || s.Kind != StmtWith {
		return nil
	}
	var out []WithItem
	for c := s.Node.first(); c != nil; c = c.at(c.next) {
		if roleOf(c) != roleWithClause {
			continue
		}
		for it := c.first(); it != nil; it = it.at(it.next) {
			if roleOf(it) != roleWithItem {
				continue
			}
			v := it.ChildByFieldName("value")
			w := WithItem{Context: v}
			if roleOf(v) == roleAsPattern {
				w.Context, _ = namedKids(v)
				w.Vars, _ = namedKids(v.ChildByFieldName("alias"))
			}
			out = append(out, w)
		}
	}
	return out
}
