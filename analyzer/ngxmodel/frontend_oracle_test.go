package ngxmodel_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// routeProbe is a request to one route of a configuration.
type routeProbe struct {
	port  int    // {{PORTn}}
	tls   bool   // send over TLS
	path  string // request path
	where string // the route's Where ("location /", "location /h/")
}

// routeCases are configurations whose HTTPS redirect and HSTS the nginx
// adapter predicts; each probe's response from the real nginx must agree.
var routeCases = []struct {
	name   string
	conf   string
	probes []routeProbe
}{
	{"plain server passes to the app", `
server {
    listen 127.0.0.1:{{PORT1}};
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}}},
	{"server-level return 301 https", `
server {
    listen 127.0.0.1:{{PORT1}};
    return 301 https://$host$request_uri;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}}},
	{"server-level rewrite permanent", `
server {
    listen 127.0.0.1:{{PORT1}};
    rewrite ^ https://$host$request_uri permanent;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/x", "location /"}}},
	{"dual-stack server redirects plain requests with if ($scheme = http)", `
server {
    listen 127.0.0.1:{{PORT1}};
    listen 127.0.0.1:{{PORT2}} ssl;
    {{SSL}}
    if ($scheme = http) {
        return 308 https://$host$request_uri;
    }
    add_header Strict-Transport-Security "max-age=60";
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}, {2, true, "/", "location /"}}},
	{"location-level if ($https = \"\") redirect", `
server {
    listen 127.0.0.1:{{PORT1}};
    listen 127.0.0.1:{{PORT2}} ssl;
    {{SSL}}
    location / {
        if ($https = "") {
            return 302 https://$host$request_uri;
        }
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}, {2, true, "/", "location /"}}},
	{"location-level return before proxy_pass", `
server {
    listen 127.0.0.1:{{PORT1}};
    location / {
        return 301 https://example.com$request_uri;
        proxy_pass http://{{BACKEND}};
    }
    location /api/ {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}, {1, false, "/api/", "location /api/"}}},
	{"a redirect to http:// is not an HTTPS redirect", `
server {
    listen 127.0.0.1:{{PORT1}};
    location / {
        if ($scheme = http) {
            return 301 http://example.com$request_uri;
        }
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, false, "/", "location /"}}},
	{"a location with its own add_header loses the server's HSTS", `
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / {
        proxy_pass http://{{BACKEND}};
    }
    location /admin/ {
        add_header X-Frame-Options DENY;
        proxy_pass http://{{BACKEND}};
    }
    location /zero/ {
        add_header Strict-Transport-Security "max-age=0";
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, true, "/", "location /"}, {1, true, "/admin/", "location /admin/"}, {1, true, "/zero/", "location /zero/"}}},
	{"HSTS at http level inherited by a server without add_header", `
add_header Strict-Transport-Security "max-age=60";
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`, []routeProbe{{1, true, "/", "location /"}}},
}

// TestRouteRedirectsAndHSTSAgreeWithNginx: for every probe, the route's
// RedirectsHTTPS says whether nginx answers a plain-HTTP request with a
// redirect to https:// instead of passing it to the app, and its HSTS
// whether the response carries a Strict-Transport-Security max-age > 0.
func TestRouteRedirectsAndHSTSAgreeWithNginx(t *testing.T) {
	nginxtest.Require(t)
	pki := nginxtest.NewPKI(t)
	probes := 0
	for _, c := range routeCases {
		t.Run(c.name, func(t *testing.T) {
			be := nginxtest.StartHTTPBackend(t)
			cfg := nginxtest.Config{HTTP: c.conf, PKI: pki, HTTPBackend: be}
			if out, ok := nginxtest.CheckConfig(t, cfg); !ok {
				t.Fatalf("nginx -t rejects the configuration:\n%s", out)
			}
			srv := nginxtest.StartConfig(t, cfg)

			p := analyzertest.Load(t, "-- nginx/site.conf --\nhttp {\n"+staticText(c.conf)+"\n}\n")
			m := analyzer.Fact(p, frontend.Pass)
			for _, pr := range c.probes {
				r, err := routeAt(m, pr)
				if err != nil {
					t.Fatal(err)
				}
				be.Reset()
				resp := srv.Fetch(t, nginxtest.Req{Port: srv.Port(pr.port), TLS: pr.tls, Path: pr.path})
				desc := fmt.Sprintf("%s on {{PORT%d}} (tls=%v) %s", r.Label, pr.port, pr.tls, pr.path)
				if !pr.tls {
					redirected := resp.Status >= 301 && resp.Status <= 308 && strings.HasPrefix(resp.Header.Get("Location"), "https://") && be.Count() == 0
					if redirected != (r.RedirectsHTTPS != nil) {
						t.Errorf("%s: model says redirects to HTTPS=%v; nginx answered %d (Location %q), the app got %d request(s)",
							desc, r.RedirectsHTTPS != nil, resp.Status, resp.Header.Get("Location"), be.Count())
					}
				}
				if pr.tls {
					if be.Count() != 1 {
						t.Fatalf("%s: the app got %d requests, want 1 (status %d)", desc, be.Count(), resp.Status)
					}
					hsts := maxAge(resp.Header.Get("Strict-Transport-Security")) > 0
					if hsts != (r.HSTS != nil) {
						t.Errorf("%s: model says HSTS=%v; nginx sent Strict-Transport-Security %q", desc, r.HSTS != nil, resp.Header.Get("Strict-Transport-Security"))
					}
				}
				probes++
			}
		})
	}
	t.Logf("%d configurations, %d probes", len(routeCases), probes)
}

// routeAt finds the route a probe's request takes: the server listening on
// the probe's dummy port, the location named by where.
func routeAt(m *frontend.Model, pr routeProbe) (*frontend.Route, error) {
	addr := "127.0.0.1:" + strconv.Itoa(dummyPort(pr.port))
	var found []*frontend.Route
	for _, r := range m.Routes {
		if r.Where != pr.where {
			continue
		}
		for _, l := range r.Listeners {
			if l.Addr == addr {
				found = append(found, r)
				break
			}
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%d routes at %s %s, want 1", len(found), addr, pr.where)
	}
	return found[0], nil
}

func maxAge(v string) int {
	l := strings.ToLower(v)
	i := strings.Index(l, "max-age=")
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range strings.Trim(l[i+len("max-age="):], `"`) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// certModes are servers that fill X-Client-DN from the client certificate
// under each ssl_verify_client mode.
var certModes = []struct{ name, conf string }{
	{"on", "ssl_verify_client on;"},
	{"optional, ungated", "ssl_verify_client optional;"},
	{"optional, gated at server level", "ssl_verify_client optional;\n    if ($ssl_client_verify != SUCCESS) {\n        return 403;\n    }"},
	{"optional_no_ca", "ssl_verify_client optional_no_ca;"},
}

// TestCertVerdictsAgreeWithNginx: what the route says about a value from
// $ssl_client_s_dn holds for requests without a certificate, with one from
// the trusted CA and with one from another CA (same subject):
//   - Verified: only the trusted certificate's DN ever reaches the app;
//     if Optional, a request without a certificate reaches it too, with no
//     DN, and if not, no such request reaches it with a DN;
//   - Unverified: the other CA's certificate reaches the app with its DN.
func TestCertVerdictsAgreeWithNginx(t *testing.T) {
	nginxtest.Require(t)
	pki := nginxtest.NewPKI(t)
	for _, c := range certModes {
		t.Run(c.name, func(t *testing.T) {
			conf := "server {\n    listen 127.0.0.1:{{PORT1}} ssl;\n    {{SSL}}\n    ssl_client_certificate {{CA}};\n    " + c.conf +
				"\n    location / {\n        proxy_pass http://{{BACKEND}};\n        proxy_set_header X-Client-DN $ssl_client_s_dn;\n    }\n}"
			be := nginxtest.StartHTTPBackend(t)
			cfg := nginxtest.Config{HTTP: conf, PKI: pki, HTTPBackend: be}
			if out, ok := nginxtest.CheckConfig(t, cfg); !ok {
				t.Fatalf("nginx -t rejects the configuration:\n%s", out)
			}
			srv := nginxtest.StartConfig(t, cfg)
			p := analyzertest.Load(t, "-- nginx/site.conf --\nhttp {\n"+staticText(conf)+"\n}\n")
			r, err := routeAt(analyzer.Fact(p, frontend.Pass), routeProbe{port: 1, where: "location /"})
			if err != nil {
				t.Fatal(err)
			}
			n := r.Lookup("HTTP_X_CLIENT_DN")
			type seen struct {
				reached bool
				dn      string
			}
			got := map[string]seen{}
			for _, cert := range []string{nginxtest.NoCert, nginxtest.ValidCert, nginxtest.RogueCert} {
				be.Reset()
				srv.Fetch(t, nginxtest.Req{Port: srv.Port(1), TLS: true, Path: "/", Headers: hdr("X-Client-DN", "CN=forged"), ClientCert: cert})
				s := seen{reached: be.Count() == 1}
				if s.reached {
					s.dn = be.Last().Get("X-Client-DN")
				}
				if strings.Contains(s.dn, "forged") {
					t.Errorf("cert %q: the client's own X-Client-DN reached the app", cert)
				}
				got[cert] = s
			}
			t.Logf("route says %s (optional=%v, cert mode %s); nginx: %+v", n.Source, n.Optional, n.Cert, got)
			none, valid, rogue := got[nginxtest.NoCert], got[nginxtest.ValidCert], got[nginxtest.RogueCert]
			switch n.Source {
			case frontend.Verified:
				if !valid.reached || !strings.Contains(valid.dn, "CN="+nginxtest.ClientCN) {
					t.Errorf("verified, but a trusted certificate did not bring its DN: %+v", valid)
				}
				if rogue.dn != "" {
					t.Errorf("verified, but another CA's certificate reached the app with DN %q", rogue.dn)
				}
				if none.dn != "" {
					t.Errorf("verified, but a request without a certificate reached the app with DN %q", none.dn)
				}
				if n.Optional != none.reached {
					t.Errorf("optional=%v, but a request without a certificate reached the app: %v", n.Optional, none.reached)
				}
			case frontend.Unverified:
				if !rogue.reached || !strings.Contains(rogue.dn, "CN="+nginxtest.ClientCN) {
					t.Errorf("unverified, but another CA's certificate did not reach the app with its DN: %+v", rogue)
				}
			default:
				t.Errorf("a value from $ssl_client_s_dn is %s", n.Source)
			}
		})
	}
}
