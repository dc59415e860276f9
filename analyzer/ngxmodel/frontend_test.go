package ngxmodel_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

// wantSource is what a route must say for a key, from today's
// Upstream.Lookup and the server's ssl_verify_client. A value from the
// verification status alone ($ssl_client_verify) is never optional: it is
// NONE without a certificate.
func wantSource(m *ngxmodel.Model, u *ngxmodel.Upstream, v ngxmodel.Value) (frontend.Source, bool) {
	switch v.Source {
	case ngxmodel.FromClient, ngxmodel.ClientControlled, ngxmodel.Mixed:
		return frontend.Forgeable, false
	case ngxmodel.Cleared:
		return frontend.Cleared, false
	case ngxmodel.Server:
		return frontend.ServerValue, false
	case ngxmodel.Absent:
		return frontend.NotSent, false
	}
	if u.Server == nil {
		return frontend.Unverified, false
	}
	d, _ := u.Server.Simple("ssl_verify_client")
	mode := ""
	if d != nil {
		mode = d.Arg(0)
	}
	switch mode {
	case "on":
		return frontend.Verified, false
	case "optional":
		status := true
		for _, n := range ngxmodel.VarNames(m.ExpandValue(u.Scope, v.Set.Arg(1))) {
			if strings.HasPrefix(n, "ssl_client_") && n != "ssl_client_verify" {
				status = false
			}
		}
		return frontend.Verified, !status && ngxmodel.VerifyGate(u.Scope, true) == nil
	}
	return frontend.Unverified, false
}

// probeKeys are keys every upstream is asked about, besides those it sets.
var probeKeys = []string{
	"HTTP_X_CLIENT_DN", "HTTP_X_CLIENT_VERIFY", "HTTP_X_SSL_CLIENT_S_DN", "HTTP_SSL_CLIENT_S_DN",
	"HTTP_X_FORWARDED_PROTO", "HTTP_REMOTE_USER", "SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN", "REMOTE_USER",
}

// checkRoutes compares every route of p with its upstream's Lookup and
// returns how many keys it compared.
func checkRoutes(t *testing.T, name string, p *analyzer.Project) int {
	t.Helper()
	m := analyzer.Fact(p, ngxmodel.Pass)
	model := analyzer.Fact(p, frontend.Pass)
	var routes []*frontend.Route
	for _, r := range model.Routes {
		if r.Front == frontend.Nginx {
			routes = append(routes, r)
		}
	}
	if len(routes) != len(m.Upstreams()) {
		t.Fatalf("%s: %d nginx routes for %d upstreams", name, len(routes), len(m.Upstreams()))
	}
	byUp := map[*ngxmodel.Upstream]*frontend.Route{}
	for _, r := range routes {
		u, ok := r.Native.(*ngxmodel.Upstream)
		if !ok {
			t.Fatalf("%s: route %s carries %T, want *ngxmodel.Upstream", name, r.Label, r.Native)
		}
		byUp[u] = r
	}
	n := 0
	for _, u := range m.Upstreams() {
		r := byUp[u]
		if r == nil {
			t.Fatalf("%s: no route for upstream %s", name, u.Scope.Label())
		}
		keys := append(append([]string(nil), probeKeys...), r.Keys()...)
		for _, d := range u.Params {
			keys = append(keys, u.Key(d))
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := u.Lookup(k)
			got := r.Lookup(k)
			src, optional := wantSource(m, u, v)
			if got.Source != src || got.Optional != optional {
				t.Errorf("%s: %s key %s: route says %s (optional=%v), Upstream.Lookup says %s → want %s (optional=%v)",
					name, r.Label, k, got.Source, got.Optional, v.Source, src, optional)
			}
			if (v.Set == nil) != (got.At.Path == "") || (v.Set != nil && got.At != v.Set.Loc) {
				t.Errorf("%s: %s key %s: route's deciding directive %v, Upstream.Lookup's %v", name, r.Label, k, got.At, v.Set)
			}
			if len(got.Shadowed) != len(v.Shadowed) {
				t.Errorf("%s: %s key %s: %d shadowed on the route, %d in Upstream.Lookup", name, r.Label, k, len(got.Shadowed), len(v.Shadowed))
			}
			if (got.Underscore != nil) != u.UnderscoreVariantPasses(k) {
				t.Errorf("%s: %s key %s: route says underscore spelling passes=%v, UnderscoreVariantPasses says %v",
					name, r.Label, k, got.Underscore != nil, u.UnderscoreVariantPasses(k))
			}
			if got.Source == frontend.Forgeable && got.Why == "" {
				t.Errorf("%s: %s key %s: forgeable without a reason", name, r.Label, k)
			}
			n++
		}
		if u.Server != nil && r.AcceptsTLS() != ngxmodel.IsTLS(u.Server) {
			t.Errorf("%s: %s: AcceptsTLS %v, IsTLS %v", name, r.Label, r.AcceptsTLS(), ngxmodel.IsTLS(u.Server))
		}
		if r.PassesClientHeaders != u.PassesRequestHeaders() {
			t.Errorf("%s: %s: PassesClientHeaders %v, PassesRequestHeaders %v", name, r.Label, r.PassesClientHeaders, u.PassesRequestHeaders())
		}
	}
	return n
}

// TestRoutesAgreeWithUpstreams: over every rule fixture and every nginx
// oracle configuration, the nginx adapter's routes say what Upstream.Lookup
// says.
func TestRoutesAgreeWithUpstreams(t *testing.T) {
	files, err := filepath.Glob("../../rules/testdata/fixtures/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	archives, keys, withNginx := 0, 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a := txtar.Parse(b)
		a.Comment = nil
		p := analyzertest.Load(t, string(txtar.Format(a)))
		archives++
		if len(analyzer.Fact(p, ngxmodel.Pass).Upstreams()) > 0 {
			withNginx++
		}
		keys += checkRoutes(t, filepath.Base(f), p)
	}
	for _, c := range oracleCases {
		conf := staticText(expandMacros(c.conf))
		var sb strings.Builder
		sb.WriteString("-- nginx/site.conf --\nhttp {\n" + conf + "\n}\n")
		for _, name := range c.extra {
			// The system files (proxy_params, uwsgi_params) set no
			// identity keys; an empty stand-in keeps the include resolved.
			sb.WriteString("-- nginx/" + name + " --\n\n")
		}
		p := analyzertest.Load(t, sb.String())
		archives++
		withNginx++
		keys += checkRoutes(t, "oracle "+c.name, p)
	}
	if withNginx < 40 {
		t.Errorf("only %d archives with nginx upstreams", withNginx)
	}
	t.Logf("%d archives (%d with nginx upstreams), %d keys compared", archives, withNginx, keys)
}
