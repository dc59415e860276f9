package python

// The flat tree is built in C: one call parses the source with the
// tree-sitter runtime and the Python grammar that go-tree-sitter links into
// the binary and counts the nodes; a second copies every visible node into
// a Go-allocated array of that size in pre-order and frees the tree-sitter
// tree. The few runtime declarations below match tree-sitter's public API
// (api.h of the linked version).

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint16_t TSSymbol;
typedef uint16_t TSFieldId;
typedef struct TSLanguage TSLanguage;
typedef struct TSParser TSParser;
typedef struct TSTree TSTree;
typedef struct { uint32_t context[4]; const void *id; const TSTree *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;

extern const TSLanguage *tree_sitter_python(void);
extern TSParser *ts_parser_new(void);
extern bool ts_parser_set_language(TSParser *, const TSLanguage *);
extern TSTree *ts_parser_parse_string(TSParser *, const TSTree *, const char *, uint32_t);
extern void ts_parser_reset(TSParser *);
extern void ts_tree_delete(TSTree *);
extern TSNode ts_tree_root_node(const TSTree *);
extern TSTreeCursor ts_tree_cursor_new(TSNode);
extern void ts_tree_cursor_delete(TSTreeCursor *);
extern TSNode ts_tree_cursor_current_node(const TSTreeCursor *);
extern TSFieldId ts_tree_cursor_current_field_id(const TSTreeCursor *);
extern bool ts_tree_cursor_goto_first_child(TSTreeCursor *);
extern bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *);
extern bool ts_tree_cursor_goto_parent(TSTreeCursor *);
extern TSSymbol ts_node_symbol(TSNode);
extern uint32_t ts_node_start_byte(TSNode);
extern uint32_t ts_node_end_byte(TSNode);
extern bool ts_node_is_named(TSNode);
extern bool ts_node_is_missing(TSNode);
extern bool ts_node_is_extra(TSNode);
extern bool ts_node_has_error(TSNode);
extern bool ts_node_is_error(TSNode);
extern uint32_t ts_node_descendant_count(TSNode);
extern uint32_t ts_language_symbol_count(const TSLanguage *);
extern const char *ts_language_symbol_name(const TSLanguage *, TSSymbol);
extern uint32_t ts_language_field_count(const TSLanguage *);
extern const char *ts_language_field_name_for_id(const TSLanguage *, TSFieldId);

#define DJL_NONE UINT32_MAX

enum {
	DJL_NAMED = 1,
	DJL_MISSING = 2,
	DJL_EXTRA = 4,
	DJL_HAS_ERROR = 8,
	DJL_ERROR = 16,
};

// djl_node is one visible node. Indexes point into the same array;
// DJL_NONE is "no node". The Go type Node has the same layout.
typedef struct {
	uint32_t start, end;
	uint32_t self, parent, next;
	uint16_t child_count, named_child_count; // saturating at UINT16_MAX
	uint16_t symbol, field;
	uint8_t flags, pad[3];
} djl_node;

static TSParser *djl_parser_new(void) {
	TSParser *p = ts_parser_new();
	if (p != NULL && !ts_parser_set_language(p, tree_sitter_python())) {
		return NULL;
	}
	return p;
}

// djl_flatten walks tree in pre-order and writes its nodes to out while
// they fit in cap. It returns the node count, or 0 when the walk's stack
// could not be allocated.
static uint32_t djl_flatten(const TSTree *tree, djl_node *out, uint32_t cap) {
	uint32_t depth_cap = 64, depth = 0, n = 0;
	uint32_t *at = malloc(depth_cap * sizeof *at); // node index per depth
	if (at == NULL) {
		return 0;
	}
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	for (;;) {
		TSNode tn = ts_tree_cursor_current_node(&c);
		uint32_t i = n++;
		if (i < cap) {
			djl_node *x = &out[i];
			uint8_t fl = 0;
			fl |= ts_node_is_named(tn) ? DJL_NAMED : 0;
			fl |= ts_node_is_missing(tn) ? DJL_MISSING : 0;
			fl |= ts_node_is_extra(tn) ? DJL_EXTRA : 0;
			fl |= ts_node_has_error(tn) ? DJL_HAS_ERROR : 0;
			fl |= ts_node_is_error(tn) ? DJL_ERROR : 0;
			x->start = ts_node_start_byte(tn);
			x->end = ts_node_end_byte(tn);
			x->self = i;
			x->parent = depth > 0 ? at[depth - 1] : DJL_NONE;
			x->next = DJL_NONE;
			x->child_count = x->named_child_count = 0;
			x->symbol = ts_node_symbol(tn);
			x->field = ts_tree_cursor_current_field_id(&c);
			x->flags = fl;
			x->pad[0] = x->pad[1] = x->pad[2] = 0;
			if (depth > 0) {
				djl_node *p = &out[at[depth - 1]];
				if (p->child_count < UINT16_MAX) {
					p->child_count++;
				}
				if ((fl & DJL_NAMED) && p->named_child_count < UINT16_MAX) {
					p->named_child_count++;
				}
				// The first child is the node after its parent (pre-order);
				// later ones are linked from their previous sibling.
				if (at[depth] != DJL_NONE) {
					out[at[depth]].next = i;
				}
			}
		}
		if (depth + 1 >= depth_cap) {
			depth_cap *= 2;
			uint32_t *grown = realloc(at, depth_cap * sizeof *at);
			if (grown == NULL) {
				n = 0;
				break;
			}
			at = grown;
		}
		at[depth] = i;
		if (ts_tree_cursor_goto_first_child(&c)) {
			depth++;
			at[depth] = DJL_NONE;
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!ts_tree_cursor_goto_parent(&c)) {
				goto done;
			}
			depth--;
		}
	}
done:
	ts_tree_cursor_delete(&c);
	free(at);
	return n;
}

// djl_parse parses src and returns the tree (0 when parsing failed) and,
// in *count, its number of visible nodes.
static uintptr_t djl_parse(TSParser *p, const char *src, uint32_t len, uint32_t *count) {
	TSTree *tree = ts_parser_parse_string(p, NULL, len ? src : "", len);
	if (tree == NULL) {
		ts_parser_reset(p);
		*count = 0;
		return 0;
	}
	*count = ts_node_descendant_count(ts_tree_root_node(tree));
	return (uintptr_t)tree;
}

// djl_fill flattens a tree from djl_parse into out, which has room for cap
// nodes, frees the tree and returns the number of nodes walked.
static uint32_t djl_fill(uintptr_t tree, djl_node *out, uint32_t cap) {
	uint32_t n = djl_flatten((const TSTree *)tree, out, cap);
	ts_tree_delete((TSTree *)tree);
	return n;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	// The tree-sitter runtime and the Python grammar are compiled into these
	// packages; the C code above calls into them.
	_ "github.com/smacker/go-tree-sitter"
	_ "github.com/smacker/go-tree-sitter/python"
)

// The Go Node must match djl_node byte for byte.
var (
	_ [unsafe.Sizeof(Node{}) - C.sizeof_djl_node]byte
	_ [C.sizeof_djl_node - unsafe.Sizeof(Node{})]byte
	_ [unsafe.Offsetof(Node{}.symbol) - unsafe.Offsetof(C.djl_node{}.symbol)]byte
	_ [unsafe.Offsetof(C.djl_node{}.symbol) - unsafe.Offsetof(Node{}.symbol)]byte
	_ [unsafe.Offsetof(Node{}.flags) - unsafe.Offsetof(C.djl_node{}.flags)]byte
	_ [unsafe.Offsetof(C.djl_node{}.flags) - unsafe.Offsetof(Node{}.flags)]byte
)

const (
	flagNamed    = C.DJL_NAMED
	flagMissing  = C.DJL_MISSING
	flagExtra    = C.DJL_EXTRA
	flagHasError = C.DJL_HAS_ERROR
	flagError    = C.DJL_ERROR

	none = math.MaxUint32
)

// parsers holds idle tree-sitter parsers (C pointers). A parser is not safe
// for concurrent use, so each parse takes one for itself; reusing them
// saves creating one, and its C buffers, per file.
var parsers = sync.Pool{New: func() any {
	p := C.djl_parser_new()
	if p == nil {
		return nil
	}
	return p
}}

// parseFlat parses src into a flat pre-order node array. Its first node
// is the module. It makes two calls into C, whatever the size of src: one
// parses and counts the nodes, the other fills the array allocated for
// exactly that many and frees the tree-sitter tree.
func parseFlat(src []byte) ([]Node, error) {
	if uint64(len(src)) >= math.MaxUint32 {
		return nil, errors.New("file too large for the Python parser")
	}
	p, _ := parsers.Get().(*C.TSParser)
	if p == nil {
		return nil, errors.New("cannot create a tree-sitter parser")
	}
	defer parsers.Put(p)
	var s *C.char
	if len(src) > 0 {
		s = (*C.char)(unsafe.Pointer(&src[0]))
	}
	var count C.uint32_t
	tree := C.djl_parse(p, s, C.uint32_t(len(src)), &count)
	if tree == 0 || count == 0 {
		return nil, errors.New("tree-sitter returned no tree")
	}
	nodes := make([]Node, count)
	if n := C.djl_fill(tree, (*C.djl_node)(unsafe.Pointer(&nodes[0])), count); n != count {
		return nil, fmt.Errorf("flat tree: walked %d nodes of %d", n, count)
	}
	return nodes, nil
}

// Symbol and field tables, read once from the language.
var (
	langOnce  sync.Once
	symNames  []string
	fieldName []string
	fieldID   map[string]uint16
)

const (
	errorType = "ERROR"
	symError  = math.MaxUint16 // tree-sitter's built-in ERROR symbol
)

func loadLanguage() {
	langOnce.Do(func() {
		lang := C.tree_sitter_python()
		n := int(C.ts_language_symbol_count(lang))
		symNames = make([]string, n)
		for i := 0; i < n; i++ {
			symNames[i] = C.GoString(C.ts_language_symbol_name(lang, C.TSSymbol(i)))
		}
		nf := int(C.ts_language_field_count(lang))
		fieldName = make([]string, nf+1)
		fieldID = make(map[string]uint16, nf)
		for i := 1; i <= nf; i++ {
			if s := C.ts_language_field_name_for_id(lang, C.TSFieldId(i)); s != nil {
				fieldName[i] = C.GoString(s)
				fieldID[fieldName[i]] = uint16(i)
			}
		}
	})
}
