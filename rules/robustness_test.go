package rules

// Malformed nginx input must never crash a rule: every directive the nginx
// model and rules look at is written with 0 to 4 arguments, as a simple
// directive and as a block, in every context, and all rules run over it
// (a rule's panic is an internal error, which fails analyzertest.Run).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// judgedDirectives are the directives some part of djleak reads.
var judgedDirectives = []string{
	"access_log", "add_header", "allow", "deny", "debug_connection", "error_log", "events", "fastcgi_param",
	"fastcgi_pass", "grpc_pass", "grpc_set_header", "http", "if", "ignore_invalid_headers", "include",
	"limit_except", "listen", "location", "log_format", "map", "more_clear_input_headers", "more_set_headers",
	"proxy_pass", "proxy_pass_request_headers", "proxy_set_header", "proxy_ssl_trusted_certificate",
	"proxy_ssl_verify", "real_ip_header", "return", "rewrite", "scgi_param", "scgi_pass", "server",
	"server_name", "set", "ssl", "ssl_client_certificate", "ssl_trusted_certificate", "ssl_verify_client",
	"stream", "underscores_in_headers", "upstream", "uwsgi_param", "uwsgi_pass", "uwsgi_pass_request_headers",
}

func TestMalformedNginxDirectives(t *testing.T) {
	contexts := []string{
		"%s",
		"http {\n%s\n}",
		"server {\nlisten 443 ssl;\nssl_verify_client on;\n%s\nlocation / {\nproxy_pass http://127.0.0.1:8000;\nproxy_set_header Host $host;\n}\n}",
		"server {\nlocation / {\nproxy_pass http://127.0.0.1:8000;\nproxy_set_header X-Client-DN $ssl_client_s_dn;\n%s\n}\n}",
		"server {\nlocation / {\nproxy_pass http://127.0.0.1:8000;\nif ($x) {\n%s\n}\n}\n}",
		"upstream app {\n%s\n}\nserver {\nlocation / {\nproxy_pass http://app;\n}\n}",
		"stream {\n%s\n}",
	}
	args := []string{"", " $ssl_client_s_dn", " X-Client-DN $ssl_client_s_dn", " off $http_x debug", " x y $request z"}
	var archive strings.Builder
	n := 0
	for _, name := range judgedDirectives {
		for _, a := range args {
			for _, form := range []string{name + a + ";", name + a + " { " + name + a + "; }"} {
				for _, c := range contexts {
					n++
					fmt.Fprintf(&archive, "-- nginx/sites-enabled/case%04d.conf --\n%s\n", n, fmt.Sprintf(c, form))
				}
			}
		}
	}
	// One project with every case as its own root file keeps the run
	// short; the Django side reads identity headers so that the
	// cross-file rules have something to join with.
	archive.WriteString(`-- app/views.py --
from rest_framework.authtoken.models import Token


def view(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY") == "SUCCESS":
        return request.META["HTTP_X_CLIENT_DN"]
    return Token.objects.get(key=request.GET["token"]).user
`)
	seen := map[string]bool{}
	for _, f := range analyzertest.Run(t, archive.String(), All()...) {
		seen[f.RuleID] = true
	}
	// The cross-file rules did run over the cases.
	for _, id := range []string{"NGX003", "NGX201", "NGX202", "NGX302", "NGX303"} {
		if !seen[id] {
			t.Errorf("no %s finding: the sweep does not reach that rule", id)
		}
	}
	t.Logf("%d malformed placements analysed by %d rules", n, len(All()))
}

// Truncated Python — every Python file of the fixtures and rule docs cut
// at several points, as an editor's buffer is while typing — never
// crashes a rule either.
func TestTruncatedPython(t *testing.T) {
	type source struct{ name, text string }
	var sources []source
	add := func(archive string) {
		for _, f := range txtar.Parse([]byte(archive)).Files {
			if strings.HasSuffix(f.Name, ".py") && len(f.Data) > 0 {
				sources = append(sources, source{f.Name, string(f.Data)})
			}
		}
	}
	for _, r := range All() {
		add(r.Example)
		add(r.UseInstead)
	}
	files, _ := filepath.Glob("testdata/fixtures/*.txtar")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(string(data))
	}
	var archive strings.Builder
	n := 0
	for _, src := range sources {
		for k := 1; k <= 6; k++ {
			n++
			cut := len(src.text) * k / 7
			fmt.Fprintf(&archive, "-- case%04d/%s --\n%s\n", n, src.name, src.text[:cut])
		}
	}
	analyzertest.Run(t, archive.String(), All()...)
	t.Logf("%d truncated Python files analysed by %d rules", n, len(All()))
}
