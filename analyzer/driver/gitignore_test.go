package driver

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/internal/gitignore"
)

// gitignoreBattery is a project whose .gitignore files exercise git's
// pattern semantics; every file is a .py file so discovery keeps exactly
// the files git does not ignore.
var gitignoreBattery = map[string]string{
	".gitignore": `# a comment, then a blank line

\#hash.py
a|b.py
x{2}/
plus+/
c++/
lib(1)/
dollar$/
q\?/
^caret.py
/deploy/*
!/deploy/prod
*.log.py
build/
!build/keep.py
**/generated/
docs/**
!docs/keep.py
foo/**/bar.py
[abc]class.py
[!a-y]neg.py
[[:digit:]]digit.py
[]]bracket.py
range[0-9].py
q?.py
trailing.py   
escaped\ .py
\!bang.py
*.tmp.py
!important.tmp.py
sub/anchored.py
/rootonly.py
nested/**
!nested/
!nested/**/
!nested/**/*.keep.py
[unterminated.py
odd[[:bogus:]].py
dot.*.py
**/deep/one.py
a/**/z.py
back\\slash.py
star*/inner.py
[a-c-e]dash.py
x[[]y.py
***/tri.py
`,
	"sub/.gitignore":       "*.py\n!keep.py\n/local.py\n",
	"sub/inner/.gitignore": "!*.py\n",
	"crlf/.gitignore":      "\ufeffbom.py\r\nw.py\r\n",
}

var gitignoreFiles = []string{
	"kept.py", "#hash.py", "hash.py", "a|b.py", "a.py", "ab.py", "b.py",
	"x{2}/f.py", "xx/f.py", "plus+/f.py", "pluss/f.py", "c++/f.py", "c/f.py",
	"lib(1)/f.py", "lib1/f.py", "dollar$/f.py", "dollar/f.py", "q?/f.py", "qx/f.py",
	"^caret.py", "caret.py", "deploy/dev/f.py", "deploy/prod/f.py", "deploy/f.py",
	"app.log.py", "applog.py", "build/f.py", "build/keep.py", "x/build/f.py", "builds/f.py",
	"gen/generated/f.py", "generated/f.py", "docs/a.py", "docs/keep.py", "docs/d/e.py",
	"foo/bar.py", "foo/x/y/bar.py", "foo/barx.py", "aclass.py", "dclass.py",
	"zneg.py", "aneg.py", "5digit.py", "xdigit.py", "]bracket.py", "range5.py", "rangex.py",
	"q1.py", "q12.py", "trailing.py", "escaped .py", "escaped.py", "!bang.py", "bang.py",
	"x.tmp.py", "important.tmp.py", "sub/anchored.py", "other/sub/anchored.py",
	"rootonly.py", "d/rootonly.py", "nested/a.py", "nested/x/b.keep.py", "nested/x/c.py",
	"[unterminated.py", "odd[[:bogus:]].py", "dot.x.py", "dotx.py", "deep/one.py",
	"m/deep/one.py", "a/z.py", "a/b/c/z.py", `back\slash.py`, "backslash.py",
	"star1/inner.py", "star/inner.py", "x/star2/inner.py", "adash.py", "-dash.py", "ddash.py",
	"edash.py", "x[y.py", "xy.py", "tri.py", "t/r/tri.py",
	"sub/x.py", "sub/keep.py", "sub/local.py", "sub/d/local.py", "sub/inner/y.py",
	"crlf/bom.py", "crlf/w.py", "crlf/v.py",
}

// TestGitignoreMatchesGit lays out the battery, asks the real git which
// files it does not ignore, and requires discovery to keep exactly those.
func TestGitignoreMatchesGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	for name, text := range gitignoreBattery {
		writeTestFile(t, dir, name, text)
	}
	for _, name := range gitignoreFiles {
		writeTestFile(t, dir, name, "X = 1\n")
	}
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	runGit := func(args ...string) []byte {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return out
	}
	runGit("init", "-q")
	var want []string
	for _, p := range bytes.Split(runGit("ls-files", "--others", "--exclude-standard", "-z"), []byte{0}) {
		if s := string(p); strings.HasSuffix(s, ".py") {
			want = append(want, s)
		}
	}
	sort.Strings(want)
	var got []string
	for _, f := range discover(dir, nil).files {
		got = append(got, f.Path)
	}
	if n := gitignore.Compile(strings.Split(gitignoreBattery[".gitignore"], "\n")).Len(); n < 40 {
		t.Fatalf("the battery has %d patterns, want at least 40", n)
	}
	if len(want) < 20 || len(want) > len(gitignoreFiles)-20 {
		t.Fatalf("git kept %d of %d files: the battery is not exercising ignores", len(want), len(gitignoreFiles))
	}
	gotSet, wantSet := map[string]bool{}, map[string]bool{}
	for _, p := range got {
		gotSet[p] = true
	}
	for _, p := range want {
		wantSet[p] = true
	}
	for _, p := range gitignoreFiles {
		if gotSet[p] != wantSet[p] {
			t.Errorf("%q: git keeps=%v, djleak keeps=%v", p, wantSet[p], gotSet[p])
		}
	}
}

func writeTestFile(t *testing.T, dir, name, text string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
