package rules

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// The cross-file messages name the front end's route precisely.
func TestFrontMessages(t *testing.T) {
	cases := []struct {
		name, rule, archive string
		want                []string
	}{{
		name: "DJL405 names the server that does not redirect",
		rule: "DJL405",
		archive: `
-- site/settings.py --
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
-- nginx/site.conf --
server {
    listen 80;
    server_name old.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
server {
    listen 80;
    server_name example.com;
    return 301 https://$host$request_uri;
}
server {
    listen 8080;
    server_name other.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		want: []string{"; nginx server old.example.com (and 1 more) accepts plain HTTP and passes it to the application without redirecting"},
	}, {
		name: "DJL407 says nginx sets the underscore spelling",
		rule: "DJL407",
		archive: `
-- site/settings.py --
INSTALLED_APPS = []
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X_Forwarded_Proto $scheme;
    }
}
`,
		want: []string{"nginx location / (server example.com) sets `X_Forwarded_Proto`, and a client's `X-Forwarded-Proto` reaches the application as the same HTTP_X_FORWARDED_PROTO key"},
	}, {
		name: "NGX202 says nginx sets the underscore spelling, not that it fills it elsewhere",
		rule: "NGX202",
		archive: `
-- app/views.py --
def dn(request):
    return request.META["HTTP_X_SSL_CLIENT_S_DN"]
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name example.com;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X_SSL_CLIENT_S_DN $ssl_client_s_dn;
    }
}
`,
		want: []string{"location / in server example.com sets `X_SSL_CLIENT_S_DN` (at :8), and a client's `X-SSL-Client-S-DN` reaches the application as the same HTTP_X_SSL_CLIENT_S_DN key; the application reads HTTP_X_SSL_CLIENT_S_DN at views.py:2"},
	}, {
		name: "NGX202 names the server that fills the header",
		rule: "NGX202",
		archive: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
server {
    listen 80;
    server_name www.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		want: []string{"; location / in server api.example.com fills it from the client certificate (`proxy_set_header X-Client-DN $ssl_client_s_dn` at :8)"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := analyzertest.Run(t, c.archive, Lookup(c.rule))
			if len(fs) != 1 {
				t.Fatalf("want one %s finding, got:\n%s", c.rule, analyzertest.Brief(fs))
			}
			text := fs[0].Message
			for _, r := range fs[0].Related {
				text += "\n" + r.Message
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("want %q in:\n%s", w, text)
				}
			}
			if strings.Contains(text, "elsewhere nginx fills it") {
				t.Errorf("message says \"elsewhere nginx fills it\":\n%s", text)
			}
		})
	}
}
