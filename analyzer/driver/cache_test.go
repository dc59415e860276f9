package driver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/djleak/djleak/parsers/python"
)

// TestParseCache: a second load with the cache reuses the parses of
// unchanged files, parses changed ones (overlay or disk) again, and forgets
// files that left the project.
func TestParseCache(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"manage.py":     "",
		"app/a.py":      "A = 1\n",
		"app/b.py":      "B = 2\n",
		"app/gone.py":   "G = 3\n",
		"app/broken.py": "def f(:\n",
	})
	cache := NewParseCache()
	load := func(overlay map[string][]byte) map[string]*python.Module {
		t.Helper()
		p, err := Load(Options{Paths: []string{dir}, Root: dir, Overlay: overlay, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*python.Module{}
		for _, m := range p.Python {
			out[m.File.Path] = m
		}
		return out
	}
	first := load(nil)
	if n, hits := cache.Stats(); n != 5 || hits != 0 {
		t.Fatalf("after the first load: %d entries, %d hits; want 5, 0", n, hits)
	}
	if err := os.Remove(filepath.Join(dir, "app", "gone.py")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "b.py"), []byte("B = 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := load(map[string][]byte{filepath.Join(dir, "app", "a.py"): []byte("A = 10\n")})
	for _, c := range []struct {
		path   string
		reused bool
	}{
		{"manage.py", true},
		{"app/broken.py", true},
		{"app/a.py", false}, // editor buffer changed
		{"app/b.py", false}, // file on disk changed
	} {
		if got := second[c.path] == first[c.path]; got != c.reused {
			t.Errorf("%s: reused = %v, want %v", c.path, got, c.reused)
		}
	}
	if len(second["app/broken.py"].Errors) == 0 {
		t.Errorf("a reused module keeps its syntax errors")
	}
	if v, ok := second["app/a.py"].Assigns[0].Value.Const(); !ok || v.Int != 10 {
		t.Errorf("app/a.py was not parsed from the overlay: %v", v)
	}
	if _, ok := second["app/gone.py"]; ok {
		t.Errorf("a deleted file is still in the project")
	}
	if n, hits := cache.Stats(); n != 4 || hits != 2 {
		t.Errorf("after the second load: %d entries, %d hits; want 4, 2", n, hits)
	}
}

// TestParseCacheKeepsFileFacts: the language server's cache keeps file
// facts between loads, by content, so an edited buffer gets its own facts
// and an unchanged file reuses them.
func TestParseCacheKeepsFileFacts(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"manage.py": "",
		"app/a.py":  "A = 1  # djleak: ignore[DJL201] -- a\n",
		"app/b.py":  "B = 2  # djleak: ignore[DJL202] -- b\n",
	})
	cache := NewParseCache()
	load := func(overlay map[string][]byte) []string {
		t.Helper()
		p, err := Load(Options{Paths: []string{dir}, Root: dir, Overlay: overlay, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range p.Suppressions() {
			out = append(out, s.Loc.Path+" "+s.Rules[0]+" "+s.Reason)
		}
		return out
	}
	if got := load(nil); len(got) != 2 || got[0] != "app/a.py DJL201 a" || got[1] != "app/b.py DJL202 b" {
		t.Fatalf("first load: %q", got)
	}
	hits := cache.facts.Stats().Hits
	got := load(map[string][]byte{filepath.Join(dir, "app", "a.py"): []byte("A = 1  # djleak: ignore[NGX1] -- edited\n")})
	if len(got) != 2 || got[0] != "app/a.py NGX1 edited" || got[1] != "app/b.py DJL202 b" {
		t.Fatalf("after an edit: %q", got)
	}
	if cache.facts.Stats().Hits == hits {
		t.Error("the unchanged file's facts were not reused")
	}
}
