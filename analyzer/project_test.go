package analyzer_test

import (
	"os"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

func TestResolveRelative(t *testing.T) {
	cases := []struct {
		rel    string
		level  int
		module string
		want   string
	}{
		{"mysite/settings/prod.py", 1, "base", "mysite.settings.base"},
		{"mysite/settings/__init__.py", 1, "base", "mysite.settings.base"},
		{"mysite/settings/prod.py", 2, "utils", "mysite.utils"},
		{"mysite/settings/prod.py", 1, "", "mysite.settings"},
		{"app.py", 1, "x", "x"},
	}
	for _, c := range cases {
		if got := analyzer.ResolveRelative(c.rel, c.level, c.module); got != c.want {
			t.Errorf("ResolveRelative(%q, %d, %q) = %q, want %q", c.rel, c.level, c.module, got, c.want)
		}
	}
}

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                 "",
		"abc":              "abc…",
		"abcd":             "abcd…",
		"abcdefghij":       "abcd…",
		"ключ-секрет":      "ключ…",
		"Bearer eyJhbGciO": "Bear…",
	}
	for in, want := range cases {
		if got := analyzer.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsTestCode(t *testing.T) {
	for path, want := range map[string]bool{
		"app/tests/test_views.py": true, "tests/helpers.py": true, "app/test/util.py": true,
		"app/test_views.py": true, "app/views_test.py": true, "app/views_tests.py": true,
		"app/tests.py": true, "conftest.py": true, "app/conftest.py": true,
		"mysite/test_settings.py": true, "mysite/settings_ci.py": true, "mysite/ci_settings.py": true,
		"mysite/settings/test.py": true, "mysite/settings/testing.py": true, "mysite/settings/ci.py": true,
		"guardian/testapp/testsettings.py": true, "app/tests/__init__.py": true,
		"app/views.py": false, "app/testimonials.py": false, "app/contest.py": false,
		"mysite/settings/production.py": false, "mysite/settings.py": false, "app/latest.py": false,
		"app/ci.py": false, "app/tests.html": false, "app/attest/views.py": false,
	} {
		if got := analyzer.IsTestCode(path); got != want {
			t.Errorf("IsTestCode(%q) = %v, want %v", path, got, want)
		}
	}
}

// conf.d and snippets are other programs' directories too: a *.conf file
// under them is nginx below a directory named nginx, or when it reads as
// nginx, and not otherwise (FreedomBox's dovecot and needrestart files).
func TestSharedConfDirs(t *testing.T) {
	dovecot := "ssl = required\nssl_min_protocol = TLSv1.2\n"
	site := "server {\n    listen 80;\n}\n"
	for _, c := range []struct {
		rel, content string
		want         analyzer.Kind
	}{
		{"etc/dovecot/conf.d/90-tls.conf", dovecot, analyzer.KindUnknown},
		{"etc/needrestart/conf.d/app.conf", "$nrconf{restart} = 'a';\n", analyzer.KindUnknown},
		{"etc/nginx/conf.d/odd.conf", dovecot, analyzer.KindNginx},
		{"deploy/nginx/snippets/tls.conf", "", analyzer.KindNginx},
		{"deploy/conf.d/app.conf", site, analyzer.KindNginx},
		{"sites-enabled/app.conf", "", analyzer.KindNginx},
	} {
		if got := analyzer.Classify(c.rel, func() []byte { return []byte(c.content) }); got != c.want {
			t.Errorf("%s: kind %v, want %v", c.rel, got, c.want)
		}
	}
}

// A symbolic link to a project file stands for that file in Glob and
// Canonical (Debian's sites-enabled/ links into sites-available/).
func TestGlobFollowsLinksIntoTheProject(t *testing.T) {
	dir := analyzertest.WriteFiles(t, map[string]string{"apache2/sites-available/api.conf": "x\n", "apache2/apache2.conf": "x\n"})
	if err := os.MkdirAll(dir+"/apache2/sites-enabled", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../sites-available/api.conf", dir+"/apache2/sites-enabled/api.conf"); err != nil {
		t.Fatal(err)
	}
	p := &analyzer.Project{Root: dir, Config: &analyzer.Config{}}
	if got := p.Glob("apache2/sites-enabled/*.conf", false); len(got) != 1 || got[0] != "apache2/sites-available/api.conf" {
		t.Errorf("Glob = %q", got)
	}
	if got := p.Canonical("apache2/sites-enabled/api.conf"); got != "apache2/sites-available/api.conf" {
		t.Errorf("Canonical = %q", got)
	}
	if got := p.Canonical("apache2/apache2.conf"); got != "apache2/apache2.conf" {
		t.Errorf("Canonical of a regular file = %q", got)
	}
}

// ModuleByName matches a dotted name against the end of each module's
// name at a component boundary; the shortest path wins, and among paths
// as long the first in path order.
func TestModuleByName(t *testing.T) {
	p := analyzertest.Load(t, `-- src/mysite/settings/base.py --
-- src/mysite/settings/__init__.py --
-- lib/mysite/settings/base.py --
-- mysite/settings/base.py --
-- a/b/base.py --
-- b/x/base.py --
-- app/database.py --
-- app/views.py --
`)
	for name, want := range map[string]string{
		"mysite.settings.base": "mysite/settings/base.py",
		"settings.base":        "mysite/settings/base.py",
		"mysite.settings":      "src/mysite/settings/__init__.py",
		"base":                 "a/b/base.py", // the shortest paths, then the first
		"b.base":               "a/b/base.py",
		"views":                "app/views.py",
		"app.views":            "app/views.py",
		"abase":                "",
		"ase":                  "", // a name ends at a dot, not inside a component
		"s.base":               "",
		"":                     "",
	} {
		got := ""
		if m := p.ModuleByName(name); m != nil {
			got = m.File.Path
		}
		if got != want {
			t.Errorf("ModuleByName(%q) = %q, want %q", name, got, want)
		}
	}
}
