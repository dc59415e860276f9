package python

import "sync"

// The statement layer: a typed tree of Python statements over the flat
// syntax tree. Every statement keeps its *Node, so expression-level work
// still reads the syntax tree, and its byte range; lines and columns are
// resolved only when reported (Module.Loc, source.File).
//
// A module's statements are built on first use (Module.AST), in one walk
// over the statement nodes. They live in a few chunks of one array, and
// every statement list is a range of one shared slice of pointers, so a
// module of any size costs a handful of allocations.

// StmtKind is the kind of a statement. The kinds are those of CPython's
// ast module, with the async variants folded into their statements
// (Stmt.Async), Try and TryStar into StmtTry (Stmt.Star), and two clause
// kinds, StmtExcept and StmtCase, for the handlers of a try and the cases
// of a match.
type StmtKind uint8

const (
	// StmtBad is an ERROR node in statement position: source the parser
	// could not make into a statement. Its Body holds the statements
	// recovered inside it.
	StmtBad StmtKind = iota
	StmtExpr
	StmtAssign
	StmtAugAssign
	StmtAnnAssign
	StmtReturn
	StmtRaise
	StmtDelete
	StmtPass
	StmtBreak
	StmtContinue
	StmtGlobal
	StmtNonlocal
	StmtAssert
	StmtImport
	StmtImportFrom
	StmtTypeAlias
	StmtIf
	StmtFor
	StmtWhile
	StmtTry
	StmtWith
	StmtMatch
	StmtDef
	StmtClass
	StmtExcept
	StmtCase
	numStmtKinds
)

var stmtKindNames = [numStmtKinds]string{
	StmtBad: "Bad", StmtExpr: "Expr", StmtAssign: "Assign", StmtAugAssign: "AugAssign",
	StmtAnnAssign: "AnnAssign", StmtReturn: "Return", StmtRaise: "Raise", StmtDelete: "Delete",
	StmtPass: "Pass", StmtBreak: "Break", StmtContinue: "Continue", StmtGlobal: "Global",
	StmtNonlocal: "Nonlocal", StmtAssert: "Assert", StmtImport: "Import",
	StmtImportFrom: "ImportFrom", StmtTypeAlias: "TypeAlias", StmtIf: "If", StmtFor: "For",
	StmtWhile: "While", StmtTry: "Try", StmtWith: "With", StmtMatch: "Match", StmtDef: "Def",
	StmtClass: "Class", StmtExcept: "Except", StmtCase: "Case",
}

// String is the kind's name: "If", "AugAssign", "Except".
func (k StmtKind) String() string {
	if k < numStmtKinds {
		return stmtKindNames[k]
	}
	return "StmtKind?"
}

// Stmt is one statement. Which of its parts are set depends on Kind:
//
//   - If: Test, Body, Orelse. An `elif` is an If of its own, alone in the
//     Orelse of the If before it, as in CPython; its Node is the
//     elif_clause and its range runs to the end of the whole if statement.
//   - For, While: Target and Value (For's `in` operand) or Test (While),
//     Body, Orelse (the else block).
//   - Try: Body, Handlers (StmtExcept clauses), Orelse, Finalbody. Star is
//     set when a handler is `except*`.
//   - Except: Value (the exception type, nil for a bare except), Name (the
//     `as` target), Body. Star for `except*`.
//   - Match: Value (the subject), Cases (StmtCase clauses).
//   - Case: Test (the guard, nil without one), Body. Node is the
//     case_clause, whose case_pattern children hold the pattern.
//   - With: Items, Body.
//   - Def, Class: Name, Body, Decorators. Node is the function_definition
//     or class_definition; the statement's range includes its decorators.
//   - Assign: Targets, Value (Node is the assignment). AugAssign: Target,
//     Op, Value. AnnAssign: Target, Annotation, Value (nil for a bare
//     annotation).
//   - Return: Value (nil for a bare return). Raise: Value, Cause.
//     Assert: Test, Msg. Delete: Targets. Expr: Value. TypeAlias: Name,
//     Value.
//   - Import, ImportFrom, Global, Nonlocal, Pass, Break, Continue: the
//     Node only.
//
// Python 2 print and exec statements, which tree-sitter's grammar keeps,
// are expression statements.
type Stmt struct {
	Kind StmtKind
	// Async is set for async def, async for and async with.
	Async bool
	// Star is set for a try with except* handlers and for those handlers.
	Star bool
	// Start and End are the statement's byte range.
	Start, End uint32
	// Node is the statement's syntax node (see Stmt for each kind).
	Node *Node

	body, orelse, handlers, final span
	ast                           *AST
}

// span is a statement list: a range of AST.lists.
type span struct{ off, n uint32 }

// AST is the statement tree of one module. It is not changed once built,
// so any number of goroutines may read it.
type AST struct {
	// Body is the module's top-level statements.
	Body []*Stmt
	// Len is the number of statements, clauses included.
	Len int
	// Defs holds the Def and Class statements in source order.
	Defs []*Stmt

	lists []*Stmt
}

func (a *AST) list(s span) []*Stmt {
	if s.n == 0 {
		return nil
	}
	return a.lists[s.off : s.off+s.n : s.off+s.n]
}

// Body is the statement's block: the body of a def, class, loop, with,
// try, except clause or case, an if's consequence, and the statements
// recovered inside a Bad statement. In source that does not parse, an
// ERROR node inside an expression (a header, a decorator, a simple
// statement) becomes a Bad statement in the Body of the statement or
// clause holding it, before the block's statements, so that no statement
// the parser recovered is lost.
func (s *Stmt) Body() []*Stmt {
	if s == nil {
		return nil
	}
	return s.ast.list(s.body)
}

// Orelse is the else block of an if, for, while or try (for an if with
// `elif`, the single If of the elif).
func (s *Stmt) Orelse() []*Stmt {
	if s == nil {
		return nil
	}
	return s.ast.list(s.orelse)
}

// Handlers is a try's except clauses (StmtExcept).
func (s *Stmt) Handlers() []*Stmt {
	if s == nil || s.Kind != StmtTry {
		return nil
	}
	return s.ast.list(s.handlers)
}

// Cases is a match's case clauses (StmtCase), and Bad statements for the
// ERROR nodes in its subject and among its cases.
func (s *Stmt) Cases() []*Stmt {
	if s == nil || s.Kind != StmtMatch {
		return nil
	}
	return s.ast.list(s.handlers)
}

// Finalbody is a try's finally block.
func (s *Stmt) Finalbody() []*Stmt {
	if s == nil {
		return nil
	}
	return s.ast.list(s.final)
}

// Def returns the Def or Class statement of a function_definition or
// class_definition node, or nil.
func (a *AST) Def(n *Node) *Stmt {
	if n == nil {
		return nil
	}
	lo, hi := 0, len(a.Defs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if a.Defs[mid].Node.StartByte() < n.StartByte() {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for ; lo < len(a.Defs) && a.Defs[lo].Node.StartByte() == n.StartByte(); lo++ {
		if a.Defs[lo].Node == n {
			return a.Defs[lo]
		}
	}
	return nil
}

// Inspect visits the statements of list and, after each, the statements
// nested in it (Body, Handlers or Cases, Orelse, Finalbody, in that order),
// in depth-first order. A false return from f skips the statement's
// nested ones.
func Inspect(list []*Stmt, f func(*Stmt) bool) {
	for _, s := range list {
		if !f(s) {
			continue
		}
		Inspect(s.Body(), f)
		Inspect(s.ast.list(s.handlers), f)
		Inspect(s.Orelse(), f)
		Inspect(s.Finalbody(), f)
	}
}

// lazyAST is the Module's statement tree, built on first use.
type lazyAST struct {
	once sync.Once
	ast  *AST
}

// AST returns the module's statement tree. It is built on the first call,
// which may come from any goroutine.
func (m *Module) AST() *AST {
	m.stmts.once.Do(func() { m.stmts.ast = buildAST(m.Root, len(m.src)) })
	return m.stmts.ast
}

// FuncBody returns the statements of f's body.
func (m *Module) FuncBody(f *Function) []*Stmt {
	if f == nil {
		return nil
	}
	return m.AST().Def(f.Node).Body()
}
