package analyzer

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/djleak/djleak/analyzer/facts"
)

// Codec keeps a project pass's result in the fact store between runs (see
// Pass.Persist).
type Codec[T any] struct {
	// Version names the encoding and what the pass computes: change it
	// with either, so that no run decodes what an older one wrote.
	Version int
	Encode  func(T) ([]byte, error)
	// Decode rebuilds a result that the rules cannot tell from the
	// computed one; p is the project it is for.
	Decode func(p *Project, data []byte) (T, error)
}

// persisted computes pass's result for p with compute, or takes it from
// the project's fact store (Inputs.Facts, the command line's on-disk
// cache) where a run with the same input stored it: the same files with
// the same content for each kind the pass reads (Pass.Reads), the same
// root, targets, configuration and variant. An editor's runs (Inputs.Carry)
// do not use it: they take results from the previous load instead, and
// the passes leave it their incremental state.
//
// Under VerifyFactRoundTrip (tests) a computed result goes through its
// encoding before the rules see it, so that a result the cache serves
// cannot differ from one computed.
func persisted[T any](p *Project, pass *Pass[T], variant string, compute func() T) T {
	c := pass.Persist
	if c == nil || len(pass.Reads) == 0 {
		return compute()
	}
	id := facts.ID("pass:"+pass.Name, c.Version, variant)
	store := p.store
	var key facts.Hash
	use := store != nil && !p.carries
	if use {
		key, use = p.inputDigest(pass.Name, variant, pass.Reads)
	}
	if use {
		if data, ok := store.Get(key, id); ok {
			if v, err := c.Decode(p, data); err == nil {
				p.noteCached(pass.Name)
				return v
			}
			// Undecodable: computed again and overwritten below.
		}
	}
	v := compute()
	if !use && !VerifyFactRoundTrip {
		return v // nowhere to keep it, nothing to check
	}
	data, err := c.Encode(v)
	if err != nil {
		if VerifyFactRoundTrip {
			panic(fmt.Sprintf("pass %s does not encode: %v", pass.Name, err))
		}
		return v
	}
	if use {
		store.Put(key, id, data)
	}
	if VerifyFactRoundTrip {
		back, err := c.Decode(p, data)
		if err != nil {
			panic(fmt.Sprintf("pass %s does not decode what it encoded: %v", pass.Name, err))
		}
		return back
	}
	return v
}

// inputDigest is the key of a persisted pass's result: a hash of the pass,
// its variant, the project's root, targets and configuration, and the
// path and content of every file of the kinds it reads. False when some
// of that has no stable encoding.
func (p *Project) inputDigest(name, variant string, reads []Kind) (facts.Hash, bool) {
	h := sha256.New()
	fmt.Fprintf(h, "pass %q variant %q root %q no-project %v\n", name, variant, p.Root, p.NoProject)
	if p.targets == nil {
		fmt.Fprintf(h, "targets all\n")
	} else {
		fmt.Fprintf(h, "targets %q\n", p.targets)
	}
	cfg, err := json.Marshal(p.Config)
	if err != nil {
		return facts.Hash{}, false
	}
	fmt.Fprintf(h, "config %d %s\n", len(cfg), cfg)
	for _, k := range reads {
		in, ok := inputOf(p, k)
		if !ok {
			return facts.Hash{}, false
		}
		fmt.Fprintf(h, "kind %d files %d\n", k, len(in.files))
		for _, f := range in.files {
			c := p.contentHash(f)
			h.Write(c[:])
		}
		if in.extra != nil {
			x, err := json.Marshal(in.extra)
			if err != nil {
				return facts.Hash{}, false
			}
			fmt.Fprintf(h, "extra %d %s\n", len(x), x)
		}
	}
	var out facts.Hash
	h.Sum(out[:0])
	return out, true
}

// noteCached records that pass's result came from the fact store.
func (p *Project) noteCached(name string) {
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	p.cached = append(p.cached, name)
	sort.Strings(p.cached)
}

// CachedPasses names the passes whose results this project took from the
// fact store (Pass.Persist), sorted.
func (p *Project) CachedPasses() []string {
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	return append([]string(nil), p.cached...)
}
