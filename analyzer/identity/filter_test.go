package identity

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

// The pre-filter lets through every spelling of a key read the pass
// recognises, in either case and with '-' or '_', configured keys
// included, and holds back files that mention no identity key.
func TestKeyFilter(t *testing.T) {
	reads := []string{
		`request.META.get("SSL_CLIENT_S_DN")`,
		`request.META["HTTP_X_SSL_CLIENT_VERIFY"]`,
		`request.META.get('HTTP_SSL_CLIENT_S_DN', '')`,
		`request.headers["x-client-dn"]`,
		`request.headers.get("X-SSL-Client-Cert")`,
		`request.headers.get("X_Client_Verify")`,
		`dict(scope["headers"]).get(b"x-client-verify")`,
		`request.headers["X-User-Cert"]`, // configured
	}
	cfg := &analyzer.Config{IdentityHeaders: []string{"X-User-Cert"}}
	filter := keyFilter(cfg.IdentityKeys())
	for _, r := range reads {
		src := "def view(request, scope):\n    return " + r + "\n"
		if !filter.mentions([]byte(src)) {
			t.Errorf("%s: held back by the pre-filter", r)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "views.py"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("identity-headers = [\"X-User-Cert\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, onDemand := range []bool{false, true} {
			p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, ParseOnDemand: onDemand})
			if err != nil {
				t.Fatal(err)
			}
			if got := analyzer.Fact(p, Pass).Reads; len(got) != 1 {
				t.Errorf("%s (on demand %v): %d reads, want 1", r, onDemand, len(got))
			}
		}
	}
	for _, text := range []string{
		`request.META.get("HTTP_X_FORWARDED_FOR")`,
		`request.headers["X-User-Cert"]`, // not configured here
		`client = Client(); client.get("/")`,
	} {
		if keyFilter(nil).mentions([]byte(text)) {
			t.Errorf("%s: let through by the pre-filter", text)
		}
	}
}

// Memoised verdicts are per filter and per content: two filters asking
// about one text, and two texts of one length, get their own answers.
func TestMentionsMemo(t *testing.T) {
	keys, other := keyFilter(nil), newTextFilter([]string{"RemoteUserMiddleware"}, false)
	a := []byte(`request.META["SSL_CLIENT_S_DN"]  `)
	b := []byte(`class M(RemoteUserMiddleware): xy`)
	if len(a) != len(b) {
		t.Fatalf("the texts must have one length: %d, %d", len(a), len(b))
	}
	for round := 0; round < 2; round++ { // computed, then memoised
		if !keys.mentions(a) || keys.mentions(b) || other.mentions(a) || !other.mentions(b) {
			t.Errorf("round %d: keys(a)=%v keys(b)=%v other(a)=%v other(b)=%v, want true false false true", round,
				keys.mentions(a), keys.mentions(b), other.mentions(a), other.mentions(b))
		}
	}
}
