package nginx

import (
	"fmt"
	"strings"
	"testing"
)

// bigConfig is an nginx.conf with n TLS servers, each with a few
// locations, headers and comments.
func bigConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n  # one server per tenant\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `  server {
    listen 443 ssl; # tenant %d
    server_name t%d.example.com;
    ssl_certificate /etc/ssl/t%d.crt;
    ssl_certificate_key /etc/ssl/t%d.key;
    ssl_verify_client on;
    location / {
      proxy_set_header X-Client-DN $ssl_client_s_dn;
      proxy_pass http://127.0.0.1:8000;
    }
    location = /health { return 200 "ok"; }
  }
`, i, i, i, i)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// BenchmarkParseNginx parses one large nginx.conf (lexing, the directive
// tree and include expansion).
func BenchmarkParseNginx(b *testing.B) {
	content := bigConfig(5000)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := ParseFiles(b.TempDir(), []string{"nginx.conf"}, Options{Overlay: map[string][]byte{"nginx.conf": content}})
		if len(s.Configs) != 1 || len(s.Errors) != 0 {
			b.Fatalf("%d configs, errors %v", len(s.Configs), s.Errors)
		}
	}
}
