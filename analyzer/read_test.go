package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A file that disappears between discovery and reading is reported as
// vanished (DJL004), not as an error that stops the run.
func TestVanishedFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.py", "b.py"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("X = 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found := &Found{Root: dir, Config: &Config{}, Files: []SourceFile{{Path: "a.py", Kind: KindPython}, {Path: "b.py", Kind: KindPython}}}
	if err := os.Remove(filepath.Join(dir, "a.py")); err != nil {
		t.Fatal(err)
	}
	p, err := Assemble(context.Background(), found, Inputs{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(p.NotAnalysed) != 1 || p.NotAnalysed[0].Loc.Path != "a.py" ||
		p.NotAnalysed[0].Reason != "the file vanished while djleak was reading the project" {
		t.Fatalf("NotAnalysed = %+v", p.NotAnalysed)
	}
	if p.Module("b.py") == nil {
		t.Error("b.py was not parsed")
	}
}
