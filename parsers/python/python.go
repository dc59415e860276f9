// Package python turns a Python 3 source file into a small typed model —
// imports, assignments, classes, functions, calls and expressions — with
// exact positions, while keeping the syntax tree (as *Node) for later
// dataflow passes.
//
// Parse builds the whole model in one walk over the tree. Syntax errors do
// not stop it: they are recorded in Module.Errors and everything tree-sitter
// could recover is still modelled.
//
// # Concurrency
//
// Parse may be called concurrently for different files; each call has a
// tree-sitter parser to itself. A Module, its syntax tree included, is not
// changed after Parse, so traversals of Module.Root (Child, NamedChild,
// Parent, ChildByFieldName, cursors) and the Module helper methods may run
// on several goroutines at once.
package python

import (
	"sort"
	"sync"

	"github.com/djleak/djleak/parsers/source"
)

// Module is one parsed Python file.
type Module struct {
	File *source.File
	// Root is the module node of the syntax tree. The tree is a flat array
	// of nodes copied out of the parser in one pass; the tree-sitter tree
	// it was copied from is already freed.
	Root *Node

	// Imports holds every import statement's bindings in source order: one
	// entry per imported name for `import a, b`, one entry per statement for
	// `from m import a, b`. Imports below module top level (in if/try/with/
	// loop bodies, classes or functions) have Conditional set.
	Imports []*Import
	// Assigns holds module-level assignments, including those nested in
	// module-level if/else, try/except/finally, with, for/while and match
	// blocks (Conditional is true there), in source order.
	Assigns []*Assign
	// Classes holds all classes, nested ones too, in source order.
	Classes []*Class
	// Functions holds all functions and methods, nested ones too, in source
	// order.
	Functions []*Function
	// Calls holds every call expression in the module in source order (an
	// outer call before the calls nested in it).
	Calls []*Call
	// Errors holds syntax errors: one per outermost tree-sitter ERROR node
	// and one per MISSING node outside those.
	Errors []Error

	src string // File.Content as a string, sliced for node text without copying
	// nodes is the flat syntax tree Root heads.
	nodes []Node
	// parse is the builder while Parse builds the model, which then builds
	// the arguments of a call it needs (a `"…".format(…)` string).
	parse *builder

	stmts lazyAST // the statement tree, built by AST on first use

	memoMu sync.Mutex
	memo   map[any]any // Memo's values
}

// Memo returns the value a client keeps on the module under key, computed
// by compute on first use. It is for what is derived from the module
// alone, which then lives as long as the module does: an editor's parse
// cache keeps the modules of unchanged files between lints. Keys are
// values of a client's own unexported type. Safe for concurrent use; two
// first uses at once may both compute, and the first stored wins.
func (m *Module) Memo(key any, compute func() any) any {
	m.memoMu.Lock()
	v, ok := m.memo[key]
	m.memoMu.Unlock()
	if ok {
		return v
	}
	v = compute()
	m.memoMu.Lock()
	defer m.memoMu.Unlock()
	if old, ok := m.memo[key]; ok {
		return old
	}
	if m.memo == nil {
		m.memo = map[any]any{}
	}
	m.memo[key] = v
	return v
}

// MemoOf is Module.Memo for a value of type T.
func MemoOf[T any](m *Module, key any, compute func() T) T {
	return m.Memo(key, func() any { return compute() }).(T)
}

// Error is one syntax error.
type Error struct {
	Loc     source.Location
	Message string // "syntax error: unexpected 'x'", "syntax error: missing ')'"
}

// Import is one import binding.
type Import struct {
	// Module is the imported module's dotted name: "django.conf" for
	// `from django.conf import settings` and for `import django.conf`; ""
	// for `from . import x`.
	Module string
	// Level is the number of leading dots of a relative import.
	Level int
	// Names lists `from m import a as b` names; nil for `import m` and for
	// star imports.
	Names []ImportName
	// Alias is the `as` name of `import a.b as c`.
	Alias string
	// Star is set for `from m import *`.
	Star bool
	// Conditional is set when the import is not at module top level: inside
	// an if/try/with/loop/match body, a class or a function.
	Conditional bool
	// Enclosing is the function whose body holds the import (nil at module
	// and class level).
	Enclosing *Function
	Loc       source.Location // the whole import statement
}

// ImportName is one name of a from-import.
type ImportName struct {
	Name  string
	Alias string
}

// Assign is one assignment to one target.
type Assign struct {
	// Target is the target's dotted text ("DEBUG", "self.x",
	// "request.client_dn"); other targets (subscripts, calls) are their
	// source text with whitespace removed ("os.environ['X']"). A tuple or
	// list target yields one Assign per element.
	Target string
	// Op is "=" for plain assignment, the operator for augmented
	// assignment ("+=", "|=", …), ":" for an annotated assignment with a
	// value (`x: int = 1`; a bare annotation is not an assignment) and
	// ":=" for an assignment expression.
	Op string
	// Value is the assigned expression; nil for an element of a tuple
	// target when the right-hand side cannot be paired element-wise.
	Value *Expr
	// Conditional is set when the assignment sits in a nested block (if,
	// try, with, for, while, match) of its scope.
	Conditional bool
	Loc         source.Location // the whole assignment statement
	Node        *Node           // the assignment (or named_expression) node
}

// Class is one class definition.
type Class struct {
	Name       string
	Bases      []string // positional bases as dotted text ("models.Model")
	Assigns    []*Assign
	Methods    []*Function
	Decorators []string // dotted text without '@' and call arguments
	Loc        source.Location
	NameLoc    source.Location
	Node       *Node // the class_definition node
	// Outer is the lexically enclosing class, if any (also through methods).
	Outer *Class
	// Enclosing is the function whose body holds the class, if any.
	Enclosing *Function
}

// Function is one function or method definition.
type Function struct {
	Name string
	// Class is set for methods: functions defined directly in a class body.
	Class *Class
	// Outer is the enclosing function, if any (also through classes).
	Outer      *Function
	Params     []Param
	Decorators []string // dotted text without '@' and call arguments
	Async      bool
	// Assigns holds the assignments in the function's body (not in nested
	// functions or classes), in source order.
	Assigns []*Assign
	Loc     source.Location
	NameLoc source.Location
	Node    *Node // the function_definition node

	bodyStart, bodyEnd uint32
}

// Param is one function parameter. The `*` and `/` separators are not
// parameters.
type Param struct {
	Name    string
	Default *Expr
	Kind    string // "", "*" for *args, "**" for **kwargs
}

// Call is one call expression.
type Call struct {
	// Func is the callee's dotted text ("logger.info", "redirect"); for a
	// callee that is not a dotted name (`a().b`, `"{}".format`) it is the
	// source text with whitespace removed.
	Func     string
	FuncExpr *Expr
	Node     *Node
	// Enclosing is the function whose body holds the call; nil at module
	// and class level. Parameter defaults and decorators belong to the
	// scope around the function.
	Enclosing *Function

	// The arguments' models are built on first use (Args, Kwargs): most
	// calls are only ever told apart by Func.
	argsOnce sync.Once
	args     []*Expr
	kwargs   []Kwarg

	m          *Module
	start, end uint32 // Node's byte range
}

// Args is the positional arguments; `*x` appears with Kind Starred.
func (c *Call) Args() []*Expr {
	c.argsOnce.Do(c.buildArgs)
	return c.args
}

// Kwargs is the keyword arguments; `**x` appears with Name "".
func (c *Call) Kwargs() []Kwarg {
	c.argsOnce.Do(c.buildArgs)
	return c.kwargs
}

func (c *Call) buildArgs() {
	switch {
	case c.m == nil || c.Node == nil:
	case c.m.parse != nil:
		c.m.parse.callArgs(c)
	default:
		newBuilder(c.m).callArgs(c)
	}
}

// Loc is the call's location, resolved from its byte range.
func (c *Call) Loc() source.Location {
	if c.m == nil {
		return source.Location{}
	}
	return c.m.File.Span(int(c.start), int(c.end))
}

// WithArgs is a call of the same callee, at the same place, with only the
// positional arguments args.
func (c *Call) WithArgs(args []*Expr) *Call {
	n := &Call{Func: c.Func, args: args, m: c.m, start: c.start, end: c.end}
	n.argsOnce.Do(func() {})
	return n
}

// Kwarg is one keyword argument.
type Kwarg struct {
	Name  string // "" for `**x`
	Value *Expr  // for `**x`, the expression x
	Loc   source.Location
}

// Kwarg returns the value of the keyword argument name.
func (c *Call) Kwarg(name string) (*Expr, bool) {
	for _, k := range c.Kwargs() {
		if k.Name == name && name != "" {
			return k.Value, true
		}
	}
	return nil, false
}

// Parse parses f. The error is only for internal failures (the parser
// returning no tree); syntax errors go to Module.Errors and the rest of the
// model is still built.
func Parse(f *source.File) (*Module, error) {
	loadLanguage()
	nodes, err := parseFlat(f.Content)
	if err != nil {
		return nil, err
	}
	return build(f, nodes), nil
}

// build makes the module of f from its flat syntax tree.
func build(f *source.File, nodes []Node) *Module {
	m := &Module{File: f, Root: &nodes[0], nodes: nodes, src: string(f.Content)}
	b := newBuilder(m)
	b.run()
	return m
}

// NodeText returns n's source text. It slices the file's content and does
// not copy.
func (m *Module) NodeText(n *Node) string {
	if n == nil {
		return ""
	}
	s, e := int(n.StartByte()), int(n.EndByte())
	if s < 0 || e > len(m.src) || s > e {
		return ""
	}
	return m.src[s:e]
}

// Loc returns n's location.
func (m *Module) Loc(n *Node) source.Location {
	if n == nil {
		return source.Location{}
	}
	return m.File.Span(int(n.StartByte()), int(n.EndByte()))
}

// ExprOf builds an Expr for any expression node. A call node's Expr shares
// the *Call in Module.Calls.
func (m *Module) ExprOf(n *Node) *Expr {
	if n == nil {
		return nil
	}
	return newBuilder(m).expr(n)
}

// EnclosingFunction returns the innermost function whose body contains n,
// or nil when n is at module or class level.
func (m *Module) EnclosingFunction(n *Node) *Function {
	if n == nil {
		return nil
	}
	return m.enclosingAt(n.StartByte(), n.EndByte())
}

// enclosingAt finds the innermost function whose body contains [start, end).
// Functions are in source order and their ranges nest, so every function
// containing the range is the last function starting at or before it or one
// of that function's Outer chain.
func (m *Module) enclosingAt(start, end uint32) *Function {
	i := sort.Search(len(m.Functions), func(i int) bool {
		return m.Functions[i].Node.StartByte() > start
	}) - 1
	if i < 0 {
		return nil
	}
	for f := m.Functions[i]; f != nil; f = f.Outer {
		if f.bodyStart <= start && end <= f.bodyEnd && f.bodyStart < f.bodyEnd {
			return f
		}
	}
	return nil
}

// callAt finds the call whose node spans exactly [start, end). Calls are
// sorted by start, then by end descending.
func (m *Module) callAt(start, end uint32) *Call {
	i := sort.Search(len(m.Calls), func(i int) bool {
		c := m.Calls[i]
		return c.start > start || c.start == start && c.end <= end
	})
	if i < len(m.Calls) && m.Calls[i].start == start && m.Calls[i].end == end {
		return m.Calls[i]
	}
	return nil
}

// nodeType returns n's type.
func nodeType(n *Node) string { return n.Type() }

// isNamed reports whether n is a named node.
func isNamed(n *Node) bool { return n.IsNamed() }

// nodeInfo returns n's type and whether it is named.
func nodeInfo(n *Node) (typ string, named bool) { return n.Type(), n.IsNamed() }
