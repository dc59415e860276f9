package rules

// NGX303 against a real nginx: error_log at each level and in each context;
// a request carrying an Authorization header goes through; NGX303 must
// report exactly the configurations whose log then holds the credential.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

func TestNGX303AgreesWithNginx(t *testing.T) {
	nginxtest.Require(t)
	const logLine = "error_log {{DIR}}/oracle.log %s;"
	server := func(serverLevel, locationLevel string) string {
		return "server {\n    listen 127.0.0.1:{{PORT1}};\n    " + serverLevel +
			"\n    location / {\n        " + locationLevel + "\n        proxy_pass http://{{BACKEND}};\n    }\n}"
	}
	cases := []struct {
		name, main, http string
	}{
		{name: "main debug", main: fmt.Sprintf(logLine, "debug"), http: server("", "")},
		{name: "http debug", http: fmt.Sprintf(logLine, "debug") + "\n" + server("", "")},
		{name: "server debug", http: server(fmt.Sprintf(logLine, "debug"), "")},
		{name: "location debug", http: server("", fmt.Sprintf(logLine, "debug"))},
		{name: "server info", http: server(fmt.Sprintf(logLine, "info"), "")},
		{name: "location warn", http: server("", fmt.Sprintf(logLine, "warn"))},
	}
	rule := Lookup("NGX303")
	for i, c := range cases {
		c, secret := c, fmt.Sprintf("ORACLE%dSECRET", i)
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			be := nginxtest.StartHTTPBackend(t)
			srv := nginxtest.StartConfig(t, nginxtest.Config{Main: c.main, HTTP: c.http, HTTPBackend: be})
			resp := srv.Fetch(t, nginxtest.Req{Port: srv.Port(1), Path: "/x?q=1",
				Headers: []nginxtest.Header{{Name: "Authorization", Value: "Bearer " + secret}}})
			if resp.Status != 200 || be.Count() != 1 {
				t.Fatalf("status %d, backend requests %d", resp.Status, be.Count())
			}
			logged, _ := os.ReadFile(filepath.Join(srv.Dir, "oracle.log"))
			inLog := strings.Contains(string(logged), secret)

			static := strings.NewReplacer("{{DIR}}", "/var/log/nginx", "{{PORT1}}", "8441", "{{BACKEND}}", "127.0.0.1:8000").Replace(
				"events {\n}\n" + c.main + "\nhttp {\n" + c.http + "\n}\n")
			found := analyzertest.Run(t, "-- nginx/nginx.conf --\n"+static, rule)
			if inLog != (len(found) > 0) {
				t.Errorf("nginx wrote the Authorization header to the log: %v; NGX303 reports: %v\n%s\nconfig:\n%s",
					inLog, len(found) > 0, analyzertest.Brief(found), static)
			}
		})
	}
}
