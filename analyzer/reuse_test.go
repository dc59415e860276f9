package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/rules"
)

const reuseView = `def view(request):
    dn = request.META.get("HTTP_X_CLIENT_DN")
    token = request.GET.get("token")
    print(token)
    return dn
`

const reuseSite = `server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`

// render is a run's findings, one line each.
func render(t *testing.T, p *analyzer.Project) string {
	t.Helper()
	findings, err := analyzer.Run(p, rules.All(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range findings {
		fmt.Fprintf(&b, "%s %s:%d:%d %s\n", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Location.Start.Column, f.Message)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "  related %s:%d %s\n", r.Location.Path, r.Location.Start.Line, r.Message)
		}
	}
	return b.String()
}

// A load given the previous one takes the results of the passes whose
// inputs did not change from it — the front-end model while only Python
// changes, the dataflow, the URL patterns and the template URLs while
// only nginx changes, nothing when the
// configuration changes — and the findings are those of a load without
// it.
func TestPassesReusedWhenInputsUnchanged(t *testing.T) {
	dir := analyzertest.Write(t, "-- .djleak.toml --\n-- nginx/site.conf --\n"+reuseSite+"-- app/views.py --\n"+reuseView)
	views, site := filepath.Join(dir, "app", "views.py"), filepath.Join(dir, "nginx", "site.conf")
	load := func(prev *analyzer.Project, overlay map[string][]byte) *analyzer.Project {
		p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, Overlay: overlay, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	prev := load(nil, nil)
	first := render(t, prev)
	if !strings.Contains(first, "NGX101") || !strings.Contains(first, "DJL201") {
		t.Fatalf("the project should have nginx and dataflow findings:\n%s", first)
	}
	steps := []struct {
		name    string
		overlay map[string][]byte
		config  string
		reused  []string
	}{
		{"Python edited", map[string][]byte{views: []byte(reuseView + "\n# edited\n")}, "", []string{"apache", "caddy", "frontend", "haproxy", "nginx-model"}},
		{"Python edited: the dataflow reads the token elsewhere", map[string][]byte{views: []byte(strings.Replace(reuseView, "print(token)", "print(len(token))", 1))}, "", []string{"apache", "caddy", "frontend", "haproxy", "nginx-model"}},
		{"nginx edited", map[string][]byte{views: []byte(strings.Replace(reuseView, "print(token)", "print(len(token))", 1)), site: []byte(reuseSite + "# edited\n")}, "", []string{"apache", "caddy", "haproxy", "taint", "template-urls", "url-patterns"}},
		{"nothing changed", map[string][]byte{views: []byte(strings.Replace(reuseView, "print(token)", "print(len(token))", 1)), site: []byte(reuseSite + "# edited\n")}, "", []string{"apache", "caddy", "frontend", "haproxy", "nginx-model", "taint", "template-urls", "url-patterns"}},
		{"configuration changed", map[string][]byte{views: []byte(strings.Replace(reuseView, "print(token)", "print(len(token))", 1)), site: []byte(reuseSite + "# edited\n")}, "extra-token-names = [\"dn\"]\n", nil},
	}
	for _, s := range steps {
		if s.config != "" {
			if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte(s.config), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cur := load(prev, s.overlay)
		if got := cur.ReusedPasses(); !reflect.DeepEqual(got, s.reused) {
			t.Errorf("%s: reused %v, want %v", s.name, got, s.reused)
		}
		if got, want := render(t, cur), render(t, load(nil, s.overlay)); got != want {
			t.Errorf("%s: findings with reused passes differ from a fresh load:\n%s\nwant:\n%s", s.name, got, want)
		}
		prev = cur
	}
}
