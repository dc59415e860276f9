package python

import "unsafe"

// Node is one node of a module's syntax tree: an element of the flat
// pre-order array Parse builds, so a *Node stays valid as long as the
// Module and equal nodes are equal pointers. nil is "no node"; every
// method accepts it. The methods have the names and meaning of
// tree-sitter's node API, restricted to visible nodes.
//
// A Node holds no Go pointers, so the array costs the garbage collector
// nothing to scan. Its layout is the C struct djl_node's (flat.go).
//
// The array is pre-order, so a node's first child, when it has one, is the
// next element: only the next sibling is stored. The child counts saturate
// at countSaturated, beyond which they are counted on demand.
type Node struct {
	start, end      uint32
	self, parent    uint32
	next            uint32
	childCount      uint16
	namedChildCount uint16
	symbol, field   uint16
	flags           uint8
	_               [3]uint8
}

// countSaturated is the stored child count of a node with that many
// children or more.
const countSaturated = 1<<16 - 1

// first is the node's first child, or nil.
func (n *Node) first() *Node {
	if n == nil || n.childCount == 0 {
		return nil
	}
	return n.at(n.self + 1)
}

// at returns the node with index i of n's array.
func (n *Node) at(i uint32) *Node {
	if i == none {
		return nil
	}
	return (*Node)(unsafe.Add(unsafe.Pointer(n), (int(i)-int(n.self))*int(unsafe.Sizeof(Node{}))))
}

// Type is the node's grammar type: "call", "identifier", "(", "ERROR".
func (n *Node) Type() string {
	if n == nil {
		return ""
	}
	if int(n.symbol) < len(symNames) {
		return symNames[n.symbol]
	}
	if n.symbol == symError {
		return errorType
	}
	return ""
}

// Symbol is the grammar symbol behind Type.
func (n *Node) Symbol() uint16 {
	if n == nil {
		return 0
	}
	return n.symbol
}

// StartByte is the byte offset where the node starts.
func (n *Node) StartByte() uint32 {
	if n == nil {
		return 0
	}
	return n.start
}

// EndByte is the byte offset just past the node.
func (n *Node) EndByte() uint32 {
	if n == nil {
		return 0
	}
	return n.end
}

func (n *Node) flag(f uint8) bool { return n != nil && n.flags&f != 0 }

// IsNamed reports whether the node is named in the grammar (identifiers,
// statements) rather than anonymous (punctuation, keywords).
func (n *Node) IsNamed() bool { return n.flag(flagNamed) }

// IsMissing reports whether the parser inserted the node to recover from
// a syntax error; it spans no bytes.
func (n *Node) IsMissing() bool { return n.flag(flagMissing) }

// IsExtra reports whether the node is an extra (a comment or line
// continuation) that may appear anywhere.
func (n *Node) IsExtra() bool { return n.flag(flagExtra) }

// IsError reports whether the node is an ERROR node.
func (n *Node) IsError() bool { return n.flag(flagError) }

// HasError reports whether the node is or contains an ERROR or MISSING
// node.
func (n *Node) HasError() bool { return n.flag(flagHasError) }

// Parent is the node's parent; nil for the module.
func (n *Node) Parent() *Node {
	if n == nil {
		return nil
	}
	return n.at(n.parent)
}

// ChildCount is the number of children, named and anonymous.
func (n *Node) ChildCount() uint32 {
	if n == nil {
		return 0
	}
	if n.childCount == countSaturated {
		return n.countChildren(0)
	}
	return uint32(n.childCount)
}

// NamedChildCount is the number of named children.
func (n *Node) NamedChildCount() uint32 {
	if n == nil {
		return 0
	}
	if n.namedChildCount == countSaturated {
		return n.countChildren(flagNamed)
	}
	return uint32(n.namedChildCount)
}

// countChildren counts the children with every flag in want set (all of
// them for 0), for a count too large to be stored.
func (n *Node) countChildren(want uint8) uint32 {
	k := uint32(0)
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c.flags&want == want {
			k++
		}
	}
	return k
}

// Child returns the i-th child, or nil.
func (n *Node) Child(i int) *Node {
	if n == nil || i < 0 || i >= int(n.ChildCount()) {
		return nil
	}
	c := n.first()
	for ; i > 0 && c != nil; i-- {
		c = c.at(c.next)
	}
	return c
}

// NamedChild returns the i-th named child, or nil.
func (n *Node) NamedChild(i int) *Node {
	if n == nil || i < 0 || (n.namedChildCount != countSaturated && i >= int(n.namedChildCount)) {
		return nil
	}
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c.flags&flagNamed != 0 {
			if i == 0 {
				return c
			}
			i--
		}
	}
	return nil
}

// ChildByFieldName returns the first child in the named field, or nil.
// Like tree-sitter's, it finds nothing in an ERROR node, even though the
// children of a hidden node recovered into one keep the field names a
// cursor reports (FieldName).
func (n *Node) ChildByFieldName(name string) *Node {
	if n == nil || n.childCount == 0 || n.flags&flagError != 0 {
		return nil
	}
	id, ok := fieldID[name]
	if !ok {
		return nil
	}
	for c := n.first(); c != nil; c = c.at(c.next) {
		if c.field == id {
			return c
		}
	}
	return nil
}

// FirstChild returns the first child, named or anonymous, or nil; with
// NextSibling it walks the children without a cursor.
func (n *Node) FirstChild() *Node {
	return n.first()
}

// FieldChild returns the first child in the named field as a cursor
// reports fields (CurrentFieldName): unlike ChildByFieldName, also among
// the children of an ERROR node.
func (n *Node) FieldChild(name string) *Node {
	id, ok := fieldID[name]
	if !ok {
		return nil
	}
	for c := n.FirstChild(); c != nil; c = c.at(c.next) {
		if c.field == id {
			return c
		}
	}
	return nil
}

// FieldName is the name of the field of its parent the node is in; "" for
// none.
func (n *Node) FieldName() string {
	if n == nil || int(n.field) >= len(fieldName) {
		return ""
	}
	return fieldName[n.field]
}

// FieldNameForChild returns the field name of the i-th child.
func (n *Node) FieldNameForChild(i int) string { return n.Child(i).FieldName() }

// NextSibling is the next child of the same parent, or nil.
func (n *Node) NextSibling() *Node {
	if n == nil {
		return nil
	}
	return n.at(n.next)
}

// PrevSibling is the previous child of the same parent, or nil. It walks
// the parent's children from the first.
func (n *Node) PrevSibling() *Node { return n.prevWith(0) }

// NextNamedSibling is the next named child of the same parent, or nil.
func (n *Node) NextNamedSibling() *Node {
	for c := n.NextSibling(); c != nil; c = c.NextSibling() {
		if c.flags&flagNamed != 0 {
			return c
		}
	}
	return nil
}

// PrevNamedSibling is the previous named child of the same parent, or nil.
func (n *Node) PrevNamedSibling() *Node { return n.prevWith(flagNamed) }

// prevWith is the last sibling before n with every flag in want set,
// found from the parent's first child (the array links forward only).
func (n *Node) prevWith(want uint8) *Node {
	var prev *Node
	for c := n.Parent().first(); c != nil && c != n; c = c.at(c.next) {
		if c.flags&want == want {
			prev = c
		}
	}
	return prev
}

// Content returns the node's text in src, the source it was parsed from.
func (n *Node) Content(src []byte) string {
	if n == nil || int(n.end) > len(src) || n.start > n.end {
		return ""
	}
	return string(src[n.start:n.end])
}

// Cursor walks a subtree, like tree-sitter's tree cursor: it starts on a
// node and never moves above it or to its siblings.
type Cursor struct {
	root, cur *Node
}

// NewCursor returns a cursor on n.
func NewCursor(n *Node) *Cursor { return &Cursor{root: n, cur: n} }

// Reset moves the cursor to n, which becomes its new starting node.
func (c *Cursor) Reset(n *Node) { c.root, c.cur = n, n }

// Close releases nothing; it is kept for symmetry with tree-sitter's API.
func (c *Cursor) Close() {}

// CurrentNode is the node under the cursor.
func (c *Cursor) CurrentNode() *Node { return c.cur }

// CurrentFieldName is the field of the current node in its parent; ""
// on the starting node.
func (c *Cursor) CurrentFieldName() string {
	if c.cur == c.root {
		return ""
	}
	return c.cur.FieldName()
}

// GoToFirstChild moves to the current node's first child.
func (c *Cursor) GoToFirstChild() bool {
	f := c.cur.first()
	if f == nil {
		return false
	}
	c.cur = f
	return true
}

// GoToNextSibling moves to the current node's next sibling.
func (c *Cursor) GoToNextSibling() bool {
	if c.cur == c.root {
		return false
	}
	s := c.cur.NextSibling()
	if s == nil {
		return false
	}
	c.cur = s
	return true
}

// GoToParent moves to the current node's parent.
func (c *Cursor) GoToParent() bool {
	if c.cur == c.root {
		return false
	}
	c.cur = c.cur.Parent()
	return true
}
