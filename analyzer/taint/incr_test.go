package taint_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/taint"
	"github.com/djleak/djleak/parsers/python"
)

// An editor session's runs reuse what the previous run computed
// (incr.go); after every edit of a series the hits are those of a run from
// scratch, flows included: on every rule fixture and on the Debian
// packages of the precision ledger that are installed. The series shifts
// every offset of one module, adds a function that logs and returns
// secrets to another, empties the module of a hit, shifts a module that
// stores attributes in round 1, and finally puts every file back.
func TestIncrementalMatchesScratch(t *testing.T) {
	eachFixtureArchive(t, func(name, archive string) {
		files := txtar.Parse([]byte(archive)).Files
		if slices.ContainsFunc(files, func(f txtar.File) bool { return strings.HasSuffix(f.Name, ".py") }) {
			fs, root := analyzertest.Memory(t, archive)
			editSeries(t, name, fs, root, false)
		}
	})
	eachLedgerPackage(t, func(deb string, p *analyzer.Project) {
		editSeries(t, deb, nil, p.Root, true)
	})
}

// loader returns a function that loads the project at root (in fs, nil for
// the disk) with an overlay, carrying state or not, after prev; the loads
// share one parse cache, as an editor's do.
func loader(t *testing.T, fs analyzer.FS, root string) func(ov map[string][]byte, carry bool, prev *analyzer.Project) *analyzer.Project {
	cache := driver.NewParseCache()
	return func(ov map[string][]byte, carry bool, prev *analyzer.Project) *analyzer.Project {
		t.Helper()
		p, err := driver.Load(driver.Options{FS: fs, Paths: []string{root}, Root: root, Cache: cache, Overlay: ov, Carry: carry, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// allHits renders the hits of every sink kind.
func allHits(p *analyzer.Project) string { return renderHits(taint.RunSinks(p, taint.SinkKinds()...)) }

// editSeries runs the series of edits on the project at root (in fs, nil
// for the disk), comparing each incremental run with one from scratch. With reuse set, it also
// requires that the edits of one module leave most requests replayed.
func editSeries(t *testing.T, name string, fs analyzer.FS, root string, reuse bool) {
	t.Helper()
	load := loader(t, fs, root)
	prev := load(nil, true, nil)
	first := allHits(prev)
	mods := prev.Python
	if len(mods) == 0 {
		return
	}
	text := map[string][]byte{}
	for _, m := range mods {
		text[m.File.Path] = m.File.Content
	}
	ov := map[string][]byte{}
	set := func(m *python.Module, b []byte) { ov[filepath.Join(root, m.File.Path)] = b }
	cur := func(m *python.Module) []byte {
		if b, ok := ov[filepath.Join(root, m.File.Path)]; ok {
			return b
		}
		return text[m.File.Path]
	}
	most := slices.MaxFunc(mods, func(a, b *python.Module) int { return len(a.Functions) - len(b.Functions) })
	middle := mods[len(mods)/2]
	var hitMod, storing *python.Module
	if res := taint.RunSinks(prev, taint.SinkKinds()...); len(res.Hits) > 0 {
		i := slices.IndexFunc(mods, func(m *python.Module) bool { return m.File.Path == res.Hits[0].Loc.Path })
		if i >= 0 {
			hitMod = mods[i]
		}
	}
	for _, m := range mods {
		if slices.ContainsFunc(m.Functions, func(f *python.Function) bool {
			return slices.ContainsFunc(f.Assigns, func(a *python.Assign) bool {
				return strings.HasPrefix(a.Target, "self.") || strings.HasPrefix(a.Target, "request.")
			})
		}) {
			storing = m
			break
		}
	}
	// Emptying a module, and putting it back, can change the project's
	// exception classes, which every request may read: those steps need
	// not replay anything.
	steps := []struct {
		what   string
		replay bool
		edit   func()
	}{
		{"shift " + most.File.Path, true, func() { set(most, append([]byte("# edited\n"), cur(most)...)) }},
		{"add a leaking function to " + middle.File.Path, true, func() {
			set(middle, append(slices.Clone(cur(middle)), []byte("\n\ndef _djleak_edit(request):\n"+
				"    import logging\n    logging.getLogger(__name__).info(request.headers)\n"+
				"    return request.GET.get(\"token\")\n")...))
		}},
		{"empty the module of a hit", false, func() {
			if hitMod != nil {
				set(hitMod, []byte("\n"))
			}
		}},
		{"shift a module storing attributes", true, func() {
			if storing != nil {
				set(storing, append([]byte("\n\n"), cur(storing)...))
			}
		}},
		{"put every file back", false, func() { clear(ov) }},
	}
	for _, st := range steps {
		st.edit()
		snapshot := map[string][]byte{}
		for k, v := range ov {
			snapshot[k] = v
		}
		p := load(snapshot, true, prev)
		got := allHits(p)
		stats := taint.LastStats(p)
		want := allHits(load(snapshot, false, nil))
		if got != want {
			t.Errorf("%s, after %s: the incremental run finds\n%s\na run from scratch finds\n%s", name, st.what, got, want)
			return
		}
		if st.what == "put every file back" && got != first {
			t.Errorf("%s: with every file back the hits differ from the first run's", name)
		}
		if reuse && st.replay && stats.Replayed == 0 {
			t.Errorf("%s, after %s: nothing was replayed (%+v)", name, st.what, stats)
		}
		t.Logf("%s, after %s: %+v", name, st.what, stats)
		prev = p
	}
}

// Edits that only the modules a request looked at (deps) or its having
// read a summary in progress (partial) tell apart from no change: a
// caller of a function its module does not define yet, which the edit
// adds, and a recursion cycle whose head reads a module the edit shifts
// (the member's record read the head in progress, so its flows hold the
// old offsets). After each edit the incremental run must find what a run
// from scratch finds.
func TestIncrementalEdits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files string
		edits []map[string]string
		// finds is, per edit, whether a run from scratch finds a hit.
		finds []bool
	}{
		{"a function appears", `-- app/__init__.py --
-- app/helpers.py --
import secrets
-- app/views.py --
import logging

from app import helpers


def view(request):
    value = helpers.make()
    logging.info("issued %s", value)
`, []map[string]string{
			{"app/helpers.py": "import secrets\n\n\ndef make():\n    return secrets.token_urlsafe(16)\n"},
			{"app/helpers.py": "import secrets\n"},
		}, []bool{true, false}},
		{"a cycle's head reads a shifted module", `-- app/__init__.py --
-- app/a.py --
from app.b import g
from app.c import h


def f(n):
    if n:
        return g(n - 1)
    return h()
-- app/b.py --
import logging

from app.a import f


def g(n):
    value = f(n)
    logging.info("v %s", value)
    return value
-- app/c.py --
import secrets


def h():
    return secrets.token_urlsafe(16)
`, []map[string]string{
			{"app/c.py": "\n\n\nimport secrets\n\n\ndef h():\n    return secrets.token_urlsafe(16)\n"},
			{"app/c.py": "import secrets\n\n\ndef h():\n    return secrets.token_urlsafe(16)\n"},
		}, []bool{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, root := analyzertest.Memory(t, tc.files)
			load := loader(t, fs, root)
			prev := load(nil, true, nil)
			allHits(prev)
			for i, edit := range tc.edits {
				ov := map[string][]byte{}
				for path, text := range edit {
					ov[filepath.Join(root, path)] = []byte(text)
				}
				p := load(ov, true, prev)
				got, want := allHits(p), allHits(load(ov, false, nil))
				if got != want {
					t.Errorf("after edit %d: the incremental run finds\n%s\na run from scratch finds\n%s", i+1, got, want)
				}
				if (want != "") != tc.finds[i] {
					t.Errorf("after edit %d: a run from scratch finds %q, want a hit: %v", i+1, want, tc.finds[i])
				}
				prev = p
			}
		})
	}
}
