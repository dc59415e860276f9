package taint

import (
	"github.com/djleak/djleak/parsers/python"
)

// kidChunk is the size of the chunks namedKids carves child lists from.
const kidChunk = 4096

// namedKids returns n's named children, comments left out. The lists are
// carved from chunks (a bump allocator: one allocation per kidChunk
// children, never reused, so a list stays valid while anything holds
// it); walking a node's children in the flat tree is cheaper than
// looking a cached list up.
func (a *analysis) namedKids(n *python.Node) []*python.Node {
	start := len(a.kidBuf)
	for cn := n.FirstChild(); cn != nil; cn = cn.NextSibling() {
		if cn.IsNamed() && cn.Type() != "comment" {
			if len(a.kidBuf) == cap(a.kidBuf) {
				// a new chunk, the list so far moved to its start
				buf := make([]*python.Node, 0, max(kidChunk, 2*(len(a.kidBuf)-start)))
				a.kidBuf = append(buf, a.kidBuf[start:]...)
				start = 0
			}
			a.kidBuf = append(a.kidBuf, cn)
		}
	}
	if len(a.kidBuf) == start {
		return nil
	}
	return a.kidBuf[start:len(a.kidBuf):len(a.kidBuf)]
}

func (c *fctx) typ(n *python.Node) string { return n.Type() }

func (c *fctx) fieldOf(n *python.Node, name string) *python.Node { return n.FieldChild(name) }

func (c *fctx) kids(n *python.Node) []*python.Node {
	if n == nil {
		return nil
	}
	return c.a.namedKids(n)
}

// expr returns the expression model of a node. It is rebuilt on each
// visit rather than cached: building is cheap and the trees would
// otherwise stay alive for the whole pass.
func (c *fctx) expr(n *python.Node) *python.Expr {
	return c.mi.m.ExprOf(n)
}
