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
