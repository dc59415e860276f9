package driver

import (
	"bytes"
	"sync"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// ParseCache keeps parsed Python files between loads of the same project,
// as an editor session reloads it on every change: a file whose content is
// byte-for-byte what was parsed before is not parsed again. Parsed modules
// are never modified after parsing, so loads can share them. A cache is
// for one project root; it is safe for concurrent use.
type ParseCache struct {
	mu   sync.Mutex
	py   map[string]*cachedPython
	hits int
	// facts keeps the file facts of the loads (FileFact), by content.
	facts *facts.Cache
}

type cachedPython struct {
	content []byte
	mod     *python.Module
	err     error
}

// NewParseCache returns an empty cache.
func NewParseCache() *ParseCache {
	return &ParseCache{py: map[string]*cachedPython{}, facts: facts.NewMemory()}
}

// Python returns the module for rel with content data, parsing it only
// when the cache has no parse of exactly this content.
func (c *ParseCache) Python(rel string, data []byte) (*source.File, *python.Module, error) {
	c.mu.Lock()
	e := c.py[rel]
	hit := e != nil && bytes.Equal(e.content, data)
	if hit {
		c.hits++
	}
	c.mu.Unlock()
	if hit {
		return e.mod.File, e.mod, e.err
	}
	f := source.NewFile(rel, data)
	mod, err := analyzer.ParseFile(f)
	if mod == nil {
		return f, nil, err
	}
	c.mu.Lock()
	c.py[rel] = &cachedPython{content: data, mod: mod, err: err}
	c.mu.Unlock()
	return f, mod, err
}

// retain drops the entries of files that are no longer in the project,
// and the file facts of contents that the load before this one used and
// this one did not.
func (c *ParseCache) retain(paths map[string]bool) {
	c.facts.Sweep()
	c.mu.Lock()
	defer c.mu.Unlock()
	for rel := range c.py {
		if !paths[rel] {
			delete(c.py, rel)
		}
	}
}

// Stats reports how many files the cache holds and how many parses it has
// saved so far.
func (c *ParseCache) Stats() (entries, hits int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.py), c.hits
}
