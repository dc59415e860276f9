package analyzer

import (
	"os"
	"strings"
	"testing"
)

// nginx is one registered language like the other front ends' formats:
// discovery and project loading ask the registry, and name KindNginx only
// where the nginx language is declared and registered.
func TestNginxIsARegisteredLanguage(t *testing.T) {
	if l := languageOf(KindNginx); l != nginxLanguage || l.Name != "nginx" || !parsedAsSet(KindNginx) {
		t.Fatalf("languageOf(KindNginx) = %v", l)
	}
	if KindNginx.String() != "nginx" {
		t.Errorf("KindNginx.String() = %q", KindNginx.String())
	}
	if k := NamedKind("site.conf"); k != KindNginx {
		t.Errorf("NamedKind(site.conf) = %v", k)
	}
	for _, file := range []string{"discover.go", "project.go", "language.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(src), "KindNginx")
		want := map[string]int{"discover.go": 3}[file] // the constant, the registration and its comment
		if n != want {
			t.Errorf("%s names KindNginx %d times, want %d: ask the language registry instead", file, n, want)
		}
	}
}

// A symbolic link to a project file stands for that file in Glob and
// Canonical (Debian's sites-enabled/ links into sites-available/).
func TestGlobFollowsLinksIntoTheProject(t *testing.T) {
	dir := writeTree(t, map[string]string{"apache2/sites-available/api.conf": "x\n", "apache2/apache2.conf": "x\n"})
	if err := os.MkdirAll(dir+"/apache2/sites-enabled", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../sites-available/api.conf", dir+"/apache2/sites-enabled/api.conf"); err != nil {
		t.Fatal(err)
	}
	p := &Project{Root: dir, Config: &Config{}}
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
