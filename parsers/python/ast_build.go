package python

import "sync"

// role is what a grammar symbol is to the statement builder.
type role uint8

const (
	roleNone      role = iota
	roleStmt           // a statement node; its kind is in symKind
	roleExprStmt       // expression_statement: Expr, Assign, AugAssign or AnnAssign
	roleDecorated      // decorated_definition
	roleBlock
	roleElif
	roleElse
	roleExcept
	roleExceptGroup
	roleFinally
	roleCase
	roleAssignment
	roleAugAssignment
	roleAsync // the `async` keyword
	roleAsPattern
	roleWithClause
	roleWithItem
	roleExprList
)

// Role and kind per grammar symbol, from the symbol names.
var (
	roleOnce sync.Once
	symRole  []role
	symKind  []StmtKind
)

var stmtSymbols = map[string]StmtKind{
	"return_statement":        StmtReturn,
	"raise_statement":         StmtRaise,
	"delete_statement":        StmtDelete,
	"pass_statement":          StmtPass,
	"break_statement":         StmtBreak,
	"continue_statement":      StmtContinue,
	"global_statement":        StmtGlobal,
	"nonlocal_statement":      StmtNonlocal,
	"assert_statement":        StmtAssert,
	"import_statement":        StmtImport,
	"import_from_statement":   StmtImportFrom,
	"future_import_statement": StmtImportFrom,
	"type_alias_statement":    StmtTypeAlias,
	"print_statement":         StmtExpr,
	"exec_statement":          StmtExpr,
	"if_statement":            StmtIf,
	"for_statement":           StmtFor,
	"while_statement":         StmtWhile,
	"try_statement":           StmtTry,
	"with_statement":          StmtWith,
	"match_statement":         StmtMatch,
	"function_definition":     StmtDef,
	"class_definition":        StmtClass,
}

var otherSymbols = map[string]role{
	"expression_statement": roleExprStmt,
	"decorated_definition": roleDecorated,
	"block":                roleBlock,
	"elif_clause":          roleElif,
	"else_clause":          roleElse,
	"except_clause":        roleExcept,
	"except_group_clause":  roleExceptGroup,
	"finally_clause":       roleFinally,
	"case_clause":          roleCase,
	"assignment":           roleAssignment,
	"augmented_assignment": roleAugAssignment,
	"async":                roleAsync,
	"as_pattern":           roleAsPattern,
	"with_clause":          roleWithClause,
	"with_item":            roleWithItem,
	"expression_list":      roleExprList,
}

func loadRoles() {
	roleOnce.Do(func() {
		loadLanguage()
		symRole = make([]role, len(symNames))
		symKind = make([]StmtKind, len(symNames))
		for i, name := range symNames {
			if k, ok := stmtSymbols[name]; ok {
				symRole[i], symKind[i] = roleStmt, k
			} else if r, ok := otherSymbols[name]; ok && symRole[i] == roleNone {
				symRole[i] = r
			}
		}
	})
}

// roleOf returns n's role; roleNone for nil, ERROR and anonymous tokens
// other than `async`.
func roleOf(n *Node) role {
	if n == nil || int(n.symbol) >= len(symRole) {
		return roleNone
	}
	r := symRole[n.symbol]
	if r != roleAsync && n.flags&flagNamed == 0 {
		return roleNone
	}
	return r
}

// astBuilder builds one module's AST.
type astBuilder struct {
	a *AST
	// chunk is where new statements go; a full chunk is left to the
	// statements already in it and a larger one started, so a *Stmt stays
	// valid.
	chunk []Stmt
	// stack holds the statements of the lists being built; a list is
	// complete when its last statement is pushed and is then moved to
	// a.lists.
	stack []*Stmt
}

// buildAST builds the statement tree of the module root, whose source has
// size bytes.
func buildAST(root *Node, size int) *AST {
	loadRoles()
	est := size/48 + 8 // Django's source has about one statement per 48 bytes
	b := &astBuilder{a: &AST{}, chunk: make([]Stmt, 0, est)}
	b.a.lists = make([]*Stmt, 0, est)
	mark := len(b.stack)
	b.collect(root)
	b.a.Body = b.a.list(b.commit(mark))
	return b.a
}

func (b *astBuilder) newStmt(k StmtKind, n *Node, start, end uint32) *Stmt {
	if len(b.chunk) == cap(b.chunk) {
		b.chunk = make([]Stmt, 0, 2*cap(b.chunk)+8)
	}
	b.chunk = append(b.chunk, Stmt{Kind: k, Start: start, End: end, Node: n, ast: b.a})
	b.a.Len++
	return &b.chunk[len(b.chunk)-1]
}

// commit moves the statements pushed since mark into a list.
func (b *astBuilder) commit(mark int) span {
	sp := span{off: uint32(len(b.a.lists)), n: uint32(len(b.stack) - mark)}
	b.a.lists = append(b.a.lists, b.stack[mark:]...)
	clear(b.stack[mark:])
	b.stack = b.stack[:mark]
	return sp
}

func (b *astBuilder) push(s *Stmt) {
	if s != nil {
		b.stack = append(b.stack, s)
	}
}

// collect pushes the statements among n's children: n is the module, a
// block or an ERROR node. When the whole module failed to parse, n is an
// ERROR node whose other children (an orphaned block, a clause) may hold
// statements too.
func (b *astBuilder) collect(n *Node) {
	for c := n.first(); c != nil; c = c.at(c.next) {
		if s := b.stmtAt(c); s != nil {
			b.push(s)
		} else if n.flags&flagError != 0 || c.flags&flagHasError != 0 {
			b.recover(c)
		}
	}
}

// stmtAt builds the statement c, a child of a statement list: a statement
// node, a decorated definition or an ERROR node. It returns nil for
// anything else (comments).
func (b *astBuilder) stmtAt(c *Node) *Stmt {
	if c.flags&flagError != 0 {
		return b.bad(c)
	}
	switch roleOf(c) {
	case roleStmt:
		return b.stmt(c, symKind[c.symbol], nil)
	case roleExprStmt:
		return b.exprStmt(c)
	case roleDecorated:
		def := c.ChildByFieldName("definition")
		if roleOf(def) != roleStmt {
			return b.bad(c) // decorators without a definition
		}
		return b.stmt(def, symKind[def.symbol], c)
	}
	return nil
}

// bad builds a Bad statement for n, an ERROR node or a decorated
// definition without its definition, with the statements recovered in it
// as its body.
func (b *astBuilder) bad(n *Node) *Stmt {
	s := b.newStmt(StmtBad, n, n.start, n.end)
	mark := len(b.stack)
	b.recover(n)
	s.body = b.commit(mark)
	return s
}

// recover pushes the statements found below n, which is not itself a
// statement: inside an ERROR node anything may hold them (an orphaned
// block or clause, a nested ERROR).
func (b *astBuilder) recover(n *Node) {
	for c := n.first(); c != nil; c = c.at(c.next) {
		switch roleOf(c) {
		case roleStmt, roleExprStmt, roleDecorated:
			b.push(b.stmtAt(c))
		default:
			b.recover(c)
		}
	}
}

func (b *astBuilder) exprStmt(n *Node) *Stmt {
	var x *Node // the only named child
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c.flags&flagNamed != 0 && c.flags&flagExtra == 0 {
			if x != nil {
				x = nil
				break
			}
			x = c
		}
	}
	k, node := StmtExpr, n
	switch roleOf(x) {
	case roleAssignment:
		k, node = StmtAssign, x
		if x.ChildByFieldName("type") != nil {
			k = StmtAnnAssign
		}
	case roleAugAssignment:
		k, node = StmtAugAssign, x
	}
	s := b.newStmt(k, node, n.start, n.end)
	s.body = b.orphansOf(n)
	return s
}

// orphansOf builds, as a statement list, Bad statements for the ERROR
// nodes nested in the expressions of the simple statement n.
func (b *astBuilder) orphansOf(n *Node) span {
	mark := len(b.stack)
	for c := n.first(); c != nil; c = c.at(c.next) {
		b.orphans(c)
	}
	return b.commit(mark)
}

// orphans pushes a Bad statement for n, if it is an ERROR node, or for
// each ERROR node below it, unless n is a statement, block or clause,
// which is built on its own: an ERROR inside an expression (a broken
// condition, argument, decorator or subject) may hold statements, which
// would otherwise be lost.
func (b *astBuilder) orphans(n *Node) {
	switch {
	case n.flags&flagHasError == 0:
	case n.flags&flagError != 0:
		b.push(b.bad(n))
	default:
		switch roleOf(n) {
		case roleStmt, roleExprStmt, roleDecorated, roleBlock, roleElif, roleElse,
			roleExcept, roleExceptGroup, roleFinally, roleCase:
		default:
			for c := n.first(); c != nil; c = c.at(c.next) {
				b.orphans(c)
			}
		}
	}
}

// stmt builds the statement n of kind k; decorated is the
// decorated_definition holding a Def or Class, nil for none, where the
// statement starts and whose decorators' ERROR nodes come first in its
// body.
func (b *astBuilder) stmt(n *Node, k StmtKind, decorated *Node) *Stmt {
	start := n.start
	if decorated != nil {
		start = decorated.start
	}
	s := b.newStmt(k, n, start, n.end)
	switch k {
	case StmtIf:
		s.body = b.clause(n, n.ChildByFieldName("consequence"))
		s.orelse = b.alternatives(n, n.end)
	case StmtFor, StmtWhile:
		s.Async = roleOf(n.first()) == roleAsync
		s.body = b.clause(n, n.ChildByFieldName("body"))
		s.orelse = b.alternatives(n, n.end)
	case StmtWith, StmtDef, StmtClass:
		s.Async = roleOf(n.first()) == roleAsync
		if k != StmtWith {
			b.a.Defs = append(b.a.Defs, s) // before nested ones: source order
		}
		mark := len(b.stack)
		if decorated != nil {
			for c := decorated.first(); c != nil; c = c.at(c.next) {
				if c != n {
					b.orphans(c)
				}
			}
		}
		b.clauseInto(n, n.ChildByFieldName("body"))
		s.body = b.commit(mark)
	case StmtTry:
		b.try(s, n)
	case StmtMatch:
		b.match(s, n)
	default:
		s.body = b.orphansOf(n)
	}
	b.trimEnd(s)
	return s
}

// trimEnd ends a compound statement with the last statement of its lists,
// as CPython does: its node also spans the comments after that statement
// that are indented like the block.
func (b *astBuilder) trimEnd(s *Stmt) {
	end := uint32(0)
	for _, sp := range [...]span{s.body, s.handlers, s.orelse, s.final} {
		if sp.n > 0 {
			end = max(end, b.a.lists[sp.off+sp.n-1].End)
		}
	}
	if end > s.Start && end < s.End {
		s.End = end
	}
}

// clause builds a clause's body: the statements of its block, with the
// ERROR children of the clause itself as Bad statements in source order.
func (b *astBuilder) clause(n, block *Node) span {
	mark := len(b.stack)
	b.clauseInto(n, block)
	return b.commit(mark)
}

// clauseInto pushes the statements of clause's body onto the list being
// built.
func (b *astBuilder) clauseInto(n, block *Node) {
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c == block {
			b.collect(c)
		} else {
			b.orphans(c) // an ERROR child, or one in the clause's header
		}
	}
}

// firstBlock is n's first block child.
func firstBlock(n *Node) *Node {
	for c := n.first(); c != nil; c = c.at(c.next) {
		if roleOf(c) == roleBlock {
			return c
		}
	}
	return nil
}

// alternatives builds the else part of an if, for or while statement n
// from its elif and else clauses: an elif becomes an If whose own else
// part is the clauses after it.
func (b *astBuilder) alternatives(n *Node, end uint32) span {
	mark := len(b.stack)
	b.alternativesFrom(n.first(), end)
	return b.commit(mark)
}

func (b *astBuilder) alternativesFrom(c *Node, end uint32) {
	for ; c != nil; c = c.at(c.next) {
		switch roleOf(c) {
		case roleElif:
			s := b.newStmt(StmtIf, c, c.start, end)
			s.body = b.clause(c, c.ChildByFieldName("consequence"))
			mark := len(b.stack)
			b.alternativesFrom(c.at(c.next), end)
			s.orelse = b.commit(mark)
			b.trimEnd(s)
			b.push(s)
			return
		case roleElse:
			body := c.ChildByFieldName("body")
			if body == nil {
				body = firstBlock(c)
			}
			b.clauseInto(c, body)
		}
	}
}

func (b *astBuilder) try(s *Stmt, n *Node) {
	s.body = b.clause(n, n.ChildByFieldName("body"))
	mark := len(b.stack)
	for c := n.first(); c != nil; c = c.at(c.next) {
		switch r := roleOf(c); r {
		case roleExcept, roleExceptGroup:
			h := b.newStmt(StmtExcept, c, c.start, c.end)
			h.Star = r == roleExceptGroup
			s.Star = s.Star || h.Star
			h.body = b.clause(c, firstBlock(c))
			b.trimEnd(h)
			b.push(h)
		}
	}
	s.handlers = b.commit(mark)
	s.orelse = b.alternatives(n, n.end)
	for c := n.first(); c != nil; c = c.at(c.next) {
		if roleOf(c) == roleFinally {
			s.final = b.clause(c, firstBlock(c))
			break
		}
	}
}

func (b *astBuilder) match(s *Stmt, n *Node) {
	block := n.ChildByFieldName("body")
	mark := len(b.stack)
	for c := n.first(); c != nil; c = c.at(c.next) {
		switch {
		case c == block:
			for cc := c.first(); cc != nil; cc = cc.at(cc.next) {
				switch {
				case roleOf(cc) == roleCase:
					cs := b.newStmt(StmtCase, cc, cc.start, cc.end)
					cs.body = b.clause(cc, cc.ChildByFieldName("consequence"))
					b.trimEnd(cs)
					b.push(cs)
				default:
					// a statement the parser left among the cases, or a
					// Bad one for an ERROR
					if st := b.stmtAt(cc); st != nil {
						b.push(st)
					} else {
						b.orphans(cc)
					}
				}
			}
		default:
			b.orphans(c)
		}
	}
	s.handlers = b.commit(mark)
}
