package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

var update = flag.Bool("update", false, "rewrite generated docs (README rule table, docs/rules.md)")

func TestRegistryMetadata(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("no rules registered")
	}
	ids := map[string]bool{}
	for _, r := range all {
		if ids[r.ID] {
			t.Errorf("duplicate ID %s", r.ID)
		}
		ids[r.ID] = true
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
		doc := r.Doc()
		for _, section := range []string{"## What it does", "## Why is this bad?", "## Example", "## Use instead"} {
			if !strings.Contains(doc, section) {
				t.Errorf("%s: doc lacks %q", r.ID, section)
			}
		}
		if Lookup(r.ID) != r || Lookup(r.Name) != r || Lookup(strings.ToLower(r.ID)) != r {
			t.Errorf("%s: lookup by ID or name fails", r.ID)
		}
		// The rule's file is named after its ID, one rule per file.
		matches, _ := filepath.Glob(strings.ToLower(r.ID) + "_*.go")
		if len(matches) != 1 {
			t.Errorf("%s: want exactly one file %s_*.go, found %v", r.ID, strings.ToLower(r.ID), matches)
		}
	}
}

// TestRetiredIDs guards the public interface: an ID, once published, keeps
// its name forever.
func TestPublishedIDsKeepTheirNames(t *testing.T) {
	data, err := os.ReadFile("testdata/published-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && !strings.HasPrefix(line, "#") {
			published[f[0]] = f[1]
		}
	}
	for id, name := range published {
		r := Lookup(id)
		if r == nil {
			t.Errorf("published rule %s (%s) no longer exists; IDs are never removed or reused", id, name)
			continue
		}
		if r.Name != name {
			t.Errorf("rule %s was published as %s but is now %s; never repurpose an ID", id, name, r.Name)
		}
	}
	for _, r := range All() {
		if _, ok := published[r.ID]; !ok {
			t.Errorf("rule %s %s is not in testdata/published-ids.txt; add it", r.ID, r.Name)
		}
	}
}

func TestExamples(t *testing.T) {
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			// Examples run with every rule enabled, as users run djleak;
			// only this rule's findings count.
			if len(only(analyzertest.Run(t, r.Example, All()...), r.ID)) == 0 {
				t.Errorf("%s: the doc's Example does not trigger the rule", r.ID)
			}
			fixed := analyzertest.Run(t, r.UseInstead, All()...)
			if good := only(fixed, r.ID); len(good) != 0 {
				t.Errorf("%s: the doc's Use instead triggers the rule:\n%s", r.ID, analyzertest.Brief(good))
			}
			// What the doc recommends must itself be code Python and nginx
			// accept.
			for _, id := range []string{"DJL001", "NGX001", "NGX002", "NGX003"} {
				if bad := only(fixed, id); len(bad) != 0 {
					t.Errorf("%s: the doc's Use instead is not valid input:\n%s", r.ID, analyzertest.Brief(bad))
				}
			}
		})
	}
}

// TestFixtures runs every testdata/fixtures/*.txtar. The archive comment
// names the rules it exercises ("rules: DJL401 NGX101"). Expected findings
// are written next to the code as want comments (`# want DJL401 "regexp"`,
// see analyzertest.InlineWants), which check the message too; a finding in
// a file that cannot hold a comment is listed in the archive comment
// ("want: DJL401 mysite/settings.json:3"). The findings of the named rules
// must match the expectations exactly.
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/fixtures/*.txtar")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a := txtar.Parse(data)
			ids, wants, err := analyzertest.ParseHeader(a.Comment)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) == 0 {
				t.Fatal("fixture names no rules")
			}
			var rs []*analyzer.Rule
			for _, id := range ids {
				r := Lookup(id)
				if r == nil {
					t.Fatalf("unknown rule %s", id)
				}
				rs = append(rs, r)
			}
			inline, err := analyzertest.InlineWants(a)
			if err != nil {
				t.Fatal(err)
			}
			got := analyzertest.Run(t, string(data), rs...)
			if problems := analyzertest.CheckWants(got, wants, inline); len(problems) > 0 {
				t.Errorf("findings differ:\n%s\n\nall findings:\n%s", strings.Join(problems, "\n"), analyzertest.Brief(got))
			}
		})
	}
}

// TestGeneratedDocs keeps README's rule table and docs/rules.md in step
// with the registry. Run `go test ./rules -update` after changing a rule.
func TestGeneratedDocs(t *testing.T) {
	checkGenerated(t, "../docs/rules.md", RulesMarkdown(), "")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", begin, end)
	}
	want := s[:i+len(begin)] + RuleTable() + s[j:]
	checkGenerated(t, "../README.md", want, s)
}

func checkGenerated(t *testing.T, path, want, have string) {
	t.Helper()
	if have == "" {
		b, _ := os.ReadFile(path)
		have = string(b)
	}
	if have == want {
		return
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date; run: go test ./rules -run TestGeneratedDocs -update", path)
}

func only(fs []*analyzer.Finding, id string) []*analyzer.Finding {
	var out []*analyzer.Finding
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}
