package analyzer

import (
	"sync"
	"weak"
)

// ContentMemo memoises values computed from a file's content and a key
// (a path, a filter), for the life of the process: the loads of one editor
// session share the content of unchanged files (DiskState), so what is
// computed once per content is not computed again on every lint. Content
// is identified by a weak pointer to its first byte and its length, which
// never match other content later allocated at the same address, and the
// memo keeps no content alive: entries whose content is gone are swept
// once the memo has doubled since the last sweep. Content must not change
// once memoised (the loaders never write to it). Safe for concurrent use.
type ContentMemo[V any] struct {
	mu    sync.Mutex
	m     map[contentKey]V
	limit int
}

type contentKey struct {
	key  string
	data weak.Pointer[byte]
	n    int
}

// Get returns the value memoised for key and content, computing it with
// compute the first time.
func (c *ContentMemo[V]) Get(key string, content []byte, compute func() V) V {
	if len(content) == 0 {
		return compute()
	}
	k := contentKey{key: key, data: weak.Make(&content[0]), n: len(content)}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[contentKey]V{}
	}
	c.m[k] = v
	if len(c.m) > c.limit {
		for k := range c.m {
			if k.data.Value() == nil {
				delete(c.m, k)
			}
		}
		c.limit = 2*len(c.m) + 4096
	}
	return v
}

// Len is the number of values the memo holds.
func (c *ContentMemo[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
