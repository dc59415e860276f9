package taint

import (
	"github.com/djleak/djleak/parsers/python"
)

// nodeInfo caches what the analysis reads of a syntax node, so that the
// two rounds and repeated loop bodies do not walk its children again.
type nodeInfo struct {
	typ    string
	named  []*python.Node // named children, comments left out
	fields []field        // first child of each field name
}

type field struct {
	name string
	node *python.Node
}

func (a *analysis) ni(n *python.Node) *nodeInfo {
	if inf, ok := a.nodes[n]; ok {
		return inf
	}
	inf := &nodeInfo{typ: n.Type()}
	cur := python.NewCursor(n)
	if cur.GoToFirstChild() {
		for {
			cn := cur.CurrentNode()
			if f := cur.CurrentFieldName(); f != "" {
				dup := false
				for _, x := range inf.fields {
					dup = dup || x.name == f
				}
				if !dup {
					inf.fields = append(inf.fields, field{f, cn})
				}
			}
			if cn.IsNamed() && cn.Type() != "comment" {
				inf.named = append(inf.named, cn)
			}
			if !cur.GoToNextSibling() {
				break
			}
		}
	}
	cur.Close()
	a.nodes[n] = inf
	return inf
}

func (c *fctx) typ(n *python.Node) string { return c.a.ni(n).typ }

func (c *fctx) fieldOf(n *python.Node, name string) *python.Node {
	if n == nil {
		return nil
	}
	for _, f := range c.a.ni(n).fields {
		if f.name == name {
			return f.node
		}
	}
	return nil
}

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
