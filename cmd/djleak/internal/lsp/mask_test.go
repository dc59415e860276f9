package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

// TestDiagnosticsMaskSecrets opens each file of a project full of literal
// secrets and fails if a diagnostic's message or related information shows
// any of them in full. The settings module's messages quote a comparison
// with a literal secret, so the test also checks that its masked form is
// what the editor gets.
func TestDiagnosticsMaskSecrets(t *testing.T) {
	dir, secrets := analyzertest.SecretsProject(t, "../../../../testdata/secrets.txtar")
	c := startServer(t, Options{})
	c.initialize(dir)
	var all []PublishDiagnosticsParams
	for _, f := range []struct {
		rel, lang string
		findings  bool
	}{
		{"mysite/settings.py", "python", true},
		{"mysite/keys.py", "python", true},
		{"mysite/views.py", "python", true},
		{"mysite/suppressed.py", "python", false},
		{"mysite/templates/mysite/link.html", "htmldjango", true},
		{"nginx/app.conf", "nginx", true},
		{"haproxy/haproxy.cfg", "haproxy", true},
		{"Caddyfile", "caddyfile", true},
		{"apache2/sites-available/api.conf", "apache", true},
	} {
		text, err := os.ReadFile(filepath.Join(dir, f.rel))
		if err != nil {
			t.Fatal(err)
		}
		uri := c.open(filepath.Join(dir, f.rel), f.lang, 1, string(text))
		all = append(all, c.diagnostics(uri, atVersion(1, func(p PublishDiagnosticsParams) bool {
			return (len(p.Diagnostics) > 0) == f.findings
		})))
	}
	out, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range analyzertest.Leaked(string(out), secrets) {
		i := strings.Index(string(out), s)
		t.Errorf("diagnostics show the secret %q: …%s…", s, out[max(i-80, 0):min(i+len(s)+20, len(out))])
	}
	quoted := "tok3n-Compar3d-9931x"
	if !strings.Contains(string(out), analyzer.Mask(quoted)) {
		t.Errorf("no diagnostic quotes %q masked:\n%s", quoted, out)
	}
	c.shutdown()
}
