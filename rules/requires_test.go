package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
)

// archivesOf maps each rule ID to the archives that exercise it: its
// Example and Use instead, and the fixtures that name it.
func archivesOf(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range All() {
		out[r.ID] = []string{r.Example, r.UseInstead}
	}
	files, _ := filepath.Glob("testdata/fixtures/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ids, _, err := analyzertest.ParseHeader(txtar.Parse(data).Comment)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			out[id] = append(out[id], string(data))
		}
	}
	return out
}

// runAlone runs one rule on an archive, loading Python eagerly or on
// demand, and renders its findings.
func runAlone(t *testing.T, r *analyzer.Rule, archive string, onDemand bool) (string, *analyzer.Project) {
	t.Helper()
	dir := analyzertest.Write(t, archive)
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, ParseOnDemand: onDemand})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	fs, err := analyzer.RunWith(p, []*analyzer.Rule{r}, analyzer.RunOptions{ReportUnused: true})
	if err != nil {
		t.Fatalf("%s: %v", r.ID, strings.SplitN(err.Error(), "\n", 2)[0])
	}
	return analyzertest.Brief(fs), p
}

// Every rule declares what it uses. Run alone, a rule that asks for a
// pass it does not require fails (under test), and one that reads
// Project.Python without requiring analyzer.PythonModules finds nothing
// when Python is parsed on demand: so each rule, alone, must give the same
// findings on its archives with Python parsed on demand as with Python
// parsed up front.
func TestRulesRequireWhatTheyUse(t *testing.T) {
	archives := archivesOf(t)
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			for i, a := range archives[r.ID] {
				eager, _ := runAlone(t, r, a, false)
				lazy, _ := runAlone(t, r, a, true)
				if eager != lazy {
					t.Errorf("archive %d: with Python parsed on demand the rule finds\n%s\nbut with Python parsed up front\n%s\n(does it read Project.Python without requiring analyzer.PythonModules?)", i, lazy, eager)
				}
			}
		})
	}
}

// A selection of front-end rules parses no Python it does not need: the
// nginx rules that compare with Django's identity reads parse only the
// files whose text can hold one, and the others none.
func TestFrontEndSelectionParsesNoPython(t *testing.T) {
	const project = `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name example.com;
    ssl_certificate /etc/ssl/site.pem;
    ssl_certificate_key /etc/ssl/site.key;
    access_log off;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
-- manage.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
-- mysite/settings.py --
DEBUG = True
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.sessions"]
-- mysite/views.py --
import logging

logger = logging.getLogger(__name__)


def view(request):
    token = request.GET["token"]
    logger.info("token %s", token)
    return token
-- mysite/notes.py --
# The front end sets X-Client-DN; nothing here reads it.
NOTE = "see nginx"
-- mysite/broken.py --
def broken(:
    pass
`
	cases := []struct {
		selects []string
		parsed  int
	}{
		{[]string{"NGX1"}, 1}, // NGX101 looks for identity reads: only notes.py mentions a key
		{[]string{"NGX2", "NGX4"}, 1},
		{[]string{"NGX0", "APC", "HAP", "CDY"}, 0}, // no Apache, HAProxy or Caddy configuration to compare
		{[]string{"NGX3"}, 0},                      // NGX302 needs the application's query credentials only when a log writes the query
		{[]string{"NGX001", "NGX003", "NGX102", "NGX303", "NGX402"}, 0},
		{nil, 5}, // every rule: every file
	}
	for _, c := range cases {
		rs := Select(c.selects, nil)
		dir := analyzertest.Write(t, project)
		load := func(onDemand bool) *analyzer.Project {
			p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, ParseOnDemand: onDemand})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		lazy, eager := load(true), load(false)
		got, err := analyzer.RunWith(lazy, rs, analyzer.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := analyzer.RunWith(eager, rs, analyzer.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if analyzertest.Brief(got) != analyzertest.Brief(want) {
			t.Errorf("--select %v: parsed on demand\n%s\nparsed up front\n%s", c.selects, analyzertest.Brief(got), analyzertest.Brief(want))
		}
		if n := lazy.PythonFilesParsed(); n != c.parsed {
			t.Errorf("--select %v parsed %d Python files, want %d", c.selects, n, c.parsed)
		}
		if eager.PythonFilesParsed() != 5 {
			t.Errorf("parsed up front: %d Python files, want 5", eager.PythonFilesParsed())
		}
	}
}
