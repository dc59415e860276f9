package analyzer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// FileFact is a fact about one file that depends only on that file's
// content and on the configuration Salt names: never on another file. Its
// value is computed at most once per project and file, and, when the
// project has a fact store (Inputs.Facts: a driver's cache), kept there
// under the hash of the file's path and content, so that a later run over the same content decodes it instead of computing it.
//
// The value must survive encoding/gob unchanged in everything its users
// look at: exported fields only, no pointers into parse trees, and no
// difference between a nil and an empty slice or map. Change Version
// whenever Run's result changes for the same input; the version is part
// of the key and of the cache directory's name (AnalysisVersion).
type FileFact[T any] struct {
	Name    string
	Version int
	// Salt, when set, returns the configuration the fact depends on
	// besides the file (extra token names, configured identity headers);
	// it is part of the key.
	Salt func(*Project) string
	Run  func(*Project, *source.File) T
	// Requires lists the passes Run uses (PythonModules when it reads the
	// file's parsed module).
	Requires []Requirement
}

// PassName is the fact's name, for errors.
func (fact *FileFact[T]) PassName() string { return fact.Name }

// PassScope is FileScope.
func (fact *FileFact[T]) PassScope() Scope { return FileScope }

// Required is fact.Requires.
func (fact *FileFact[T]) Required() []Requirement { return fact.Requires }

var (
	fileFactsMu sync.Mutex
	fileFacts   = map[string]int{}
)

// NewFileFact declares a file fact; declaring two with the same name
// panics, so keys never collide.
func NewFileFact[T any](name string, version int, salt func(*Project) string, run func(*Project, *source.File) T) *FileFact[T] {
	fileFactsMu.Lock()
	defer fileFactsMu.Unlock()
	if _, dup := fileFacts[name]; dup {
		panic("duplicate file fact " + name)
	}
	fileFacts[name] = version
	return &FileFact[T]{Name: name, Version: version, Salt: salt, Run: run}
}

// FileFactVersions lists the declared file facts as "name@version", sorted.
func FileFactVersions() []string {
	fileFactsMu.Lock()
	defer fileFactsMu.Unlock()
	var out []string
	for n, v := range fileFacts {
		out = append(out, fmt.Sprintf("%s@%d", n, v))
	}
	sort.Strings(out)
	return out
}

// AnalysisVersion names what a fact cache written by this djleak holds:
// djleak's version and a hash of the file facts' names and versions and
// of the rules (IDs and names, which suppressions resolve). A cache
// directory per analysis version means a djleak whose analysis changed
// never reads facts an older one wrote. extra is mixed into the hash (the
// command line adds its executable's identity for development builds).
func AnalysisVersion(rules []*Rule, extra string) string {
	h := sha256.New()
	for _, v := range FileFactVersions() {
		fmt.Fprintf(h, "fact %s\n", v)
	}
	for _, r := range rules {
		fmt.Fprintf(h, "rule %s %s\n", r.ID, r.Name)
	}
	fmt.Fprintf(h, "extra %s\n", extra)
	return Version + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

type fileFactKey struct {
	fact any
	file *source.File
}

// VerifyFactRoundTrip makes FileFactOf check that every value it computes
// decodes from its encoding into an equal value (reflect.DeepEqual: a nil
// and an empty slice differ), and panic naming the fact when not. Tests
// turn it on, so that a run served from the cache cannot see anything a
// computed value would not show.
var VerifyFactRoundTrip = false

// FileFactOf returns fact's value for file f of the project.
func FileFactOf[T any](p *Project, fact *FileFact[T], f *source.File) T {
	e := p.entry(fact, fileFactKey{fact, f})
	return e.do(fact.Name, func() any {
		run := func() T {
			p.computeRequired(fact)
			return verifyRoundTrip(fact.Name, fact.Run(p, f))
		}
		store := p.store
		if store == nil {
			return run()
		}
		salt := ""
		if fact.Salt != nil {
			salt = fact.Salt(p)
		}
		id := facts.ID(fact.Name, fact.Version, salt)
		h := p.contentHash(f)
		if data, ok := store.Get(h, id); ok {
			if v, err := facts.Decode[T](data); err == nil {
				return v
			}
			// Undecodable: computed again and overwritten below.
		}
		v := run()
		if data, err := facts.Encode(v); err == nil {
			store.Put(h, id, data)
		}
		return v
	}).(T)
}

func verifyRoundTrip[T any](name string, v T) T {
	if !VerifyFactRoundTrip {
		return v
	}
	data, err := facts.Encode(v)
	if err != nil {
		panic(fmt.Sprintf("file fact %s does not encode: %v", name, err))
	}
	back, err := facts.Decode[T](data)
	if err != nil || !reflect.DeepEqual(v, back) {
		panic(fmt.Sprintf("file fact %s does not survive encoding: %#v decodes as %#v (%v)", name, v, back, err))
	}
	return v
}

// contentHash is f's key in the fact store (its path and content),
// computed once per file.
func (p *Project) contentHash(f *source.File) facts.Hash {
	p.hashMu.Lock()
	h, ok := p.hashes[f]
	p.hashMu.Unlock()
	if ok {
		return h
	}
	h = hashes.Get(f.Path, f.Content, func() facts.Hash { return facts.HashOf(f.Path, f.Content) })
	p.hashMu.Lock()
	if p.hashes == nil {
		p.hashes = map[*source.File]facts.Hash{}
	}
	p.hashes[f] = h
	p.hashMu.Unlock()
	return h
}

// hashes memoises content hashes between loads (an editor's lints).
var hashes ContentMemo[facts.Hash]

// SaltOf joins configuration values into a fact salt.
func SaltOf(parts ...[]string) string {
	var b strings.Builder
	for _, p := range parts {
		for _, s := range p {
			b.WriteString(s)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

// SyntaxErrorsFact is a Python file's syntax errors.
var SyntaxErrorsFact = NewFileFact("python-syntax-errors", 1, nil, func(p *Project, f *source.File) []python.Error {
	if m := p.Module(f.Path); m != nil && len(m.Errors) > 0 {
		return m.Errors
	}
	return nil
})

// SyntaxErrors returns the syntax errors of module m, in order.
func SyntaxErrors(p *Project, m *python.Module) []python.Error {
	return FileFactOf(p, SyntaxErrorsFact, m.File)
}
