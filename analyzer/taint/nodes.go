package taint

import (
	sitter "github.com/smacker/go-tree-sitter"

	"github.com/djleak/djleak/parsers/python"
)

// nodeInfo caches what the analysis reads of a syntax node, so that the
// two rounds and repeated loop bodies do not call into tree-sitter again.
type nodeInfo struct {
	typ    string
	named  []*sitter.Node // named children, comments left out
	fields []field        // first child of each field name
}

type field struct {
	name string
	node *sitter.Node
}

func (a *analysis) ni(n *sitter.Node) *nodeInfo {
	if inf, ok := a.nodes[n]; ok {
		return inf
	}
	inf := &nodeInfo{typ: n.Type()}
	cur := sitter.NewTreeCursor(n)
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

func (c *fctx) typ(n *sitter.Node) string { return c.a.ni(n).typ }

func (c *fctx) fieldOf(n *sitter.Node, name string) *sitter.Node {
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

func (c *fctx) kids(n *sitter.Node) []*sitter.Node {
	if n == nil {
		return nil
	}
	return c.a.ni(n).named
}

// expr returns the expression model of a node. It is rebuilt on each
// visit rather than cached: building is cheap and the trees would
// otherwise stay alive for the whole pass.
func (c *fctx) expr(n *sitter.Node) *python.Expr {
	return c.mi.m.ExprOf(n)
}
