package taint

import (
	"github.com/djleak/djleak/parsers/python"
)

// nodeInfo caches the named children of a syntax node (comments left
// out), so that the two rounds and repeated loop bodies do not walk them
// again. A node's type and fields are read from the flat tree directly.
type nodeInfo struct {
	named []*python.Node
}

func (a *analysis) ni(n *python.Node) *nodeInfo {
	if inf, ok := a.nodes[n]; ok {
		return inf
	}
	inf := &nodeInfo{}
	for cn := n.FirstChild(); cn != nil; cn = cn.NextSibling() {
		if cn.IsNamed() && cn.Type() != "comment" {
			inf.named = append(inf.named, cn)
		}
	}
	a.nodes[n] = inf
	return inf
}

func (c *fctx) typ(n *python.Node) string { return n.Type() }

func (c *fctx) fieldOf(n *python.Node, name string) *python.Node { return n.FieldChild(name) }

func (c *fctx) kids(n *python.Node) []*python.Node {
	if n == nil {
		return nil
	}
	return c.a.ni(n).named
}

// expr returns the expression model of a node. It is rebuilt on each
// visit rather than cached: building is cheap and the trees would
// otherwise stay alive for the whole pass.
func (c *fctx) expr(n *python.Node) *python.Expr {
	return c.mi.m.ExprOf(n)
}
