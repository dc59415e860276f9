package analyzer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/facts"
)

var persistedRuns atomic.Int64

// persistedPass lists the project's modules and its configured token
// names, counting its runs.
var persistedPass = &analyzer.Pass[[]string]{
	Name:     "test-persisted",
	Requires: []analyzer.Requirement{analyzer.PythonModules},
	Reads:    []analyzer.Kind{analyzer.KindPython},
	Run: func(p *analyzer.Project) []string {
		persistedRuns.Add(1)
		var out []string
		for _, m := range p.Python {
			out = append(out, m.File.Path)
		}
		return append(out, p.Config.ExtraTokenNames...)
	},
	Persist: &analyzer.Codec[[]string]{
		Version: 1,
		Encode:  facts.Encode[[]string],
		Decode:  func(_ *analyzer.Project, data []byte) ([]string, error) { return facts.Decode[[]string](data) },
	},
}

// A persisted pass runs once per input across projects sharing a store:
// the same Python files with the same content, root, targets and
// configuration. An edit, a new file, another configuration, other
// targets, an editor's load or an undecodable entry run it again, and a
// project without a store always runs it.
func TestPersistedPassKeyedByInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) { writeFileIn(t, dir, name, content) }
	write("a.py", "X = 1\n")
	write("b.py", "Y = 2\n")
	store := &countingStore{Cache: facts.NewMemory()}
	persistedRuns.Store(0)
	step := func(name string, opts driver.Options, want []string, runs int64, cached bool) *analyzer.Project {
		t.Helper()
		if opts.Paths == nil {
			opts.Paths = []string{dir}
		}
		opts.Root = dir
		p, err := driver.Load(opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := analyzer.Fact(p, persistedPass); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: result %q, want %q", name, got, want)
		}
		if n := persistedRuns.Load(); n != runs {
			t.Errorf("%s: %d runs in all, want %d", name, n, runs)
		}
		if got := slices.Contains(p.CachedPasses(), persistedPass.Name); got != cached {
			t.Errorf("%s: taken from the store: %v, want %v", name, got, cached)
		}
		return p
	}
	step("first run", driver.Options{Facts: store}, []string{"a.py", "b.py"}, 1, false)
	step("same input", driver.Options{Facts: store}, []string{"a.py", "b.py"}, 1, true)
	write("a.py", "X = 1\nZ = 3\n")
	step("a file edited", driver.Options{Facts: store}, []string{"a.py", "b.py"}, 2, false)
	step("after the edit", driver.Options{Facts: store}, []string{"a.py", "b.py"}, 2, true)
	write("c.py", "")
	step("a file added", driver.Options{Facts: store}, []string{"a.py", "b.py", "c.py"}, 3, false)
	step("an overlay", driver.Options{Facts: store, Overlay: map[string][]byte{filepath.Join(dir, "c.py"): []byte("W = 0\n")}},
		[]string{"a.py", "b.py", "c.py"}, 4, false)
	step("the overlay again", driver.Options{Facts: store, Overlay: map[string][]byte{filepath.Join(dir, "c.py"): []byte("W = 0\n")}},
		[]string{"a.py", "b.py", "c.py"}, 4, true)
	write(".djleak.toml", "extra-token-names = [\"pin\"]\n")
	step("configuration changed", driver.Options{Facts: store}, []string{"a.py", "b.py", "c.py", "pin"}, 5, false)
	step("targets", driver.Options{Facts: store, Paths: []string{filepath.Join(dir, "a.py")}}, []string{"a.py", "b.py", "c.py", "pin"}, 6, false)
	step("the same targets", driver.Options{Facts: store, Paths: []string{filepath.Join(dir, "a.py")}}, []string{"a.py", "b.py", "c.py", "pin"}, 6, true)
	step("an editor's load", driver.Options{Facts: store, Carry: true}, []string{"a.py", "b.py", "c.py", "pin"}, 7, false)
	step("no store", driver.Options{}, []string{"a.py", "b.py", "c.py", "pin"}, 8, false)
	store.corrupt = true
	step("undecodable entry", driver.Options{Facts: store}, []string{"a.py", "b.py", "c.py", "pin"}, 9, false)
	store.corrupt = false
	step("rewritten", driver.Options{Facts: store}, []string{"a.py", "b.py", "c.py", "pin"}, 9, true)
}

// countingStore is a memory store that can hand out garbage.
type countingStore struct {
	*facts.Cache
	corrupt bool
}

func (s *countingStore) Get(h facts.Hash, id string) ([]byte, bool) {
	v, ok := s.Cache.Get(h, id)
	if ok && s.corrupt {
		return []byte("not gob"), true
	}
	return v, ok
}

// writeFileIn writes a file of the test's project.
func writeFileIn(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
