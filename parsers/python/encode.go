package python

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/djleak/djleak/parsers/source"
)

// treeFormat names the encoding EncodeTree writes; bump it when the
// encoding or Node changes.
const treeFormat = 1

// TreeFormat identifies EncodeTree's output: the encoding's version and a
// digest of the grammar's symbol and field names, so that an encoded tree
// is never read back by a build whose grammar numbers them differently.
func TreeFormat() string {
	treeFormatOnce.Do(func() {
		loadLanguage()
		h := sha256.New()
		h.Write([]byte(strings.Join(symNames, "\x00")))
		h.Write([]byte{1})
		h.Write([]byte(strings.Join(fieldName, "\x00")))
		treeFormatID = fmt.Sprintf("pytree%d-%x", treeFormat, h.Sum(nil)[:8])
	})
	return treeFormatID
}

var (
	treeFormatOnce sync.Once
	treeFormatID   string
)

// EncodeTree returns m's syntax tree in a compact form from which
// ParseEncoded builds the same module for the same content without
// parsing it again (the command line's on-disk cache keeps it). Each node
// is a few variable-length integers, mostly differences to its
// neighbours: about a third of its size in memory.
func EncodeTree(m *Module) []byte {
	out := make([]byte, 0, 16+len(m.nodes)*12)
	out = binary.AppendUvarint(out, uint64(len(m.nodes)))
	out = binary.AppendUvarint(out, uint64(len(m.src)))
	prevStart := int64(0)
	for i := range m.nodes {
		n := &m.nodes[i]
		out = binary.AppendVarint(out, int64(n.start)-prevStart)
		prevStart = int64(n.start)
		out = binary.AppendVarint(out, int64(n.end)-int64(n.start))
		out = binary.AppendUvarint(out, link(uint32(i), n.parent, true))
		out = binary.AppendUvarint(out, link(uint32(i), n.next, false))
		out = binary.AppendUvarint(out, uint64(n.childCount))
		out = binary.AppendUvarint(out, uint64(n.namedChildCount))
		out = binary.AppendUvarint(out, uint64(n.symbol))
		out = binary.AppendUvarint(out, uint64(n.field))
		out = append(out, n.flags)
	}
	return out
}

// link encodes a parent (before i) or next sibling (after i) as its
// distance from i, 0 for none.
func link(i, to uint32, back bool) uint64 {
	switch {
	case to == none:
		return 0
	case back:
		return uint64(i - to)
	}
	return uint64(to - i)
}

var errBadTree = errors.New("encoded syntax tree is damaged")

// ParseEncoded builds f's module from EncodeTree's output for the same
// content. It checks every node (offsets within the content, links within
// the array and in tree order, known symbols and fields), so damaged data
// is an error, never a panic or a wrong tree to walk.
func ParseEncoded(f *source.File, data []byte) (*Module, error) {
	loadLanguage()
	r := treeReader{data: data}
	count := r.uvarint()
	size := r.uvarint()
	if r.err != nil || count == 0 || count >= none || size != uint64(len(f.Content)) || count > uint64(len(data)) {
		return nil, errBadTree
	}
	nodes := make([]Node, count)
	start := int64(0)
	for i := range nodes {
		n := &nodes[i]
		start += r.varint()
		end := start + r.varint()
		parent, next := r.uvarint(), r.uvarint()
		children, named := r.uvarint(), r.uvarint()
		symbol, field := r.uvarint(), r.uvarint()
		flags := r.byte()
		if r.err != nil || start < 0 || end < start || end > int64(len(f.Content)) ||
			children > countSaturated || named > children ||
			(symbol >= uint64(len(symNames)) && symbol != symError) || field >= uint64(max(len(fieldName), 1)) {
			return nil, errBadTree
		}
		idx := uint64(i)
		n.start, n.end, n.self = uint32(start), uint32(end), uint32(i)
		n.parent, n.next = none, none
		switch {
		case parent == 0 && i != 0, parent > idx:
			return nil, errBadTree
		case parent != 0:
			n.parent = uint32(idx - parent)
		}
		if next != 0 {
			if next >= count-idx || i == 0 {
				return nil, errBadTree
			}
			n.next = uint32(idx + next)
		}
		n.childCount, n.namedChildCount = uint16(children), uint16(named)
		n.symbol, n.field, n.flags = uint16(symbol), uint16(field), flags
	}
	if r.off != len(data) {
		return nil, errBadTree
	}
	// The links must make a tree: a node's first child is the next element
	// and names it as parent; a next sibling shares the parent.
	for i := range nodes {
		n := &nodes[i]
		if n.childCount > 0 && (i+1 >= len(nodes) || nodes[i+1].parent != uint32(i)) {
			return nil, errBadTree
		}
		if n.next != none && nodes[n.next].parent != n.parent {
			return nil, errBadTree
		}
	}
	return build(f, nodes), nil
}

// treeReader reads EncodeTree's integers; the first problem sticks.
type treeReader struct {
	data []byte
	off  int
	err  error
}

func (r *treeReader) uvarint() uint64 { return readVar(r, binary.Uvarint) }

func (r *treeReader) varint() int64 { return readVar(r, binary.Varint) }

// readVar reads one integer with read (binary.Uvarint or binary.Varint).
func readVar[T uint64 | int64](r *treeReader, read func([]byte) (T, int)) T {
	v, k := read(r.data[r.off:])
	if k <= 0 {
		r.err = errBadTree
		return 0
	}
	r.off += k
	return v
}

func (r *treeReader) byte() uint8 {
	if r.off >= len(r.data) {
		r.err = errBadTree
		return 0
	}
	r.off++
	return r.data[r.off-1]
}
