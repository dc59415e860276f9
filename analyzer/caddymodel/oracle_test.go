package caddymodel

import (
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/caddymodel/caddytest"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/caddy"
	"github.com/djleak/djleak/parsers/source"
)

// oracleCase is one Caddyfile of the oracle battery. Every reverse_proxy
// sets X-Oracle-Route to a name of its own so that requests can be
// attributed to routes.
type oracleCase struct {
	name    string
	conf    string
	headers []string // identity headers to forge and check
	paths   []string // request paths (default "/")
	// want pins the model's verdict for some header on every route, as a
	// check of the battery itself.
	want map[string]frontend.Source
	// files are imported files beside the Caddyfile, by path relative to
	// its directory.
	files map[string]string
}

const dn = "X-SSL-Client-DN"

// tlsBlock is a tls directive asking for client certificates in mode
// (none: no client_auth; "default": client_auth without a mode).
func tlsBlock(mode string) string {
	switch mode {
	case "none":
		return "\ttls {{CERT}} {{KEY}}\n"
	case "default":
		return "\ttls {{CERT}} {{KEY}} {\n\t\tclient_auth {\n\t\t\ttrusted_ca_cert_file {{CA}}\n\t\t}\n\t}\n"
	case "no-ca":
		return "\ttls {{CERT}} {{KEY}} {\n\t\tclient_auth {\n\t\t\tmode require\n\t\t}\n\t}\n"
	}
	return "\ttls {{CERT}} {{KEY}} {\n\t\tclient_auth {\n\t\t\tmode " + mode + "\n\t\t\ttrusted_ca_cert_file {{CA}}\n\t\t}\n\t}\n"
}

// site is one TLS site on PORT1 with mode, site-level lines and the
// proxy's header_up lines.
func site(mode, siteLines, proxyLines string) string {
	return "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock(mode) + siteLines +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n" + proxyLines + "\t}\n}\n"
}

const setDN = "\t\theader_up X-SSL-Client-DN {tls_client_subject}\n"

var oracleCases = []oracleCase{
	{name: "require-and-verify-set", conf: site("require_and_verify", "", setDN), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "default-mode-with-ca", conf: site("default", "", setDN), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "verify-if-given-set", conf: site("verify_if_given", "", setDN), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "request-set", conf: site("request", "", setDN), want: map[string]frontend.Source{dn: frontend.Unverified}},
	{name: "require-set", conf: site("require", "", setDN), want: map[string]frontend.Source{dn: frontend.Unverified}},
	{name: "require-without-ca", conf: site("no-ca", "", setDN), want: map[string]frontend.Source{dn: frontend.Unverified}},
	{name: "no-client-auth-set", conf: site("none", "", setDN), want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "no-client-auth-nothing", conf: site("none", "", ""), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "verified-nothing-set", conf: site("require_and_verify", "", ""), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "long-placeholder", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN {http.request.tls.client.subject}\n"), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "delete", conf: site("verify_if_given", "", "\t\theader_up -X-SSL-Client-DN\n"), want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "delete-wildcard", conf: site("verify_if_given", "", "\t\theader_up -X-SSL-*\n"), want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "empty-value", conf: site("verify_if_given", "", "\t\theader_up X-SSL-Client-DN \"\"\n"), want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "add-keeps-client", conf: site("require_and_verify", "", "\t\theader_up +X-SSL-Client-DN {tls_client_subject}\n"), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "from-client-header", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN {http.request.header.X-Forwarded-Client-Cert}\n"), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "from-query", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN {query.dn}\n"), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "from-cookie", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN {cookie.dn}\n"), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "replace-client-value", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN forged forged2\n"), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "static-value", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN fixed\n"), want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "remote-address", conf: site("require_and_verify", "", "\t\theader_up X-SSL-Client-DN {remote_host}\n"), want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "lower-case-name", conf: site("require_and_verify", "", "\t\theader_up x-ssl-client-dn {tls_client_subject}\n"), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "request-header-delete", conf: site("verify_if_given", "\trequest_header -X-SSL-Client-DN\n", ""), want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "request-header-delete-then-set", conf: site("verify_if_given", "\trequest_header -X-SSL-Client-DN\n", setDN), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "request-header-after-proxy-line", conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("verify_if_given") +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n\t}\n\trequest_header -X-SSL-Client-DN\n}\n", want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "request-header-set", conf: site("require_and_verify", "\trequest_header X-SSL-Client-DN {tls_client_subject}\n", ""), want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "request-header-matcher", paths: []string{"/", "/admin/x"}, conf: site("verify_if_given", "\trequest_header /admin/* -X-SSL-Client-DN\n", ""), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "handle-health-without-header", paths: []string{"/", "/health"}, conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("require_and_verify") +
		"\thandle /health {\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route health\n\t\t}\n\t}\n" +
		"\thandle {\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route main\n\t" + setDN + "\t\t}\n\t}\n}\n"},
	{name: "handle-with-site-delete", paths: []string{"/", "/health"}, conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("require_and_verify") +
		"\trequest_header -X-SSL-Client-DN\n" +
		"\thandle /health {\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route health\n\t\t}\n\t}\n" +
		"\thandle {\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route main\n\t" + setDN + "\t\t}\n\t}\n}\n"},
	{name: "delete-in-sibling-handle", paths: []string{"/", "/api/x"}, conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("verify_if_given") +
		"\thandle /api/* {\n\t\trequest_header -X-SSL-Client-DN\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route api\n\t\t}\n\t}\n" +
		"\thandle {\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route main\n\t\t}\n\t}\n}\n"},
	{name: "route-literal-order", conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("verify_if_given") +
		"\troute {\n\t\trequest_header -X-SSL-Client-DN\n\t\treverse_proxy {{BACKEND}} {\n\t\t\theader_up X-Oracle-Route main\n\t\t}\n\t}\n}\n",
		want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "plain-site", conf: "{{GLOBAL}}\nhttp://localhost:{{PORT2}} {\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n" + setDN + "\t}\n}\n",
		want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "plain-site-nothing", conf: "{{GLOBAL}}\nhttp://localhost:{{PORT2}} {\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n\t}\n}\n",
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "tls-and-plain-sites", conf: site("require_and_verify", "", setDN) + "http://localhost:{{PORT2}} {\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route plain\n\t}\n}\n"},
	{name: "two-addresses-one-site", conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}}, https://localhost:{{PORT2}} {\n" + tlsBlock("verify_if_given") +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n" + setDN + "\t}\n}\n", want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "plain-redirect", conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("require_and_verify") +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n" + setDN + "\t}\n}\nhttp://localhost:{{PORT2}} {\n\tredir https://localhost:{{PORT1}}{uri}\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route plain\n\t}\n}\n"},
	{name: "snippet-import", conf: "{{GLOBAL}}\n(mtls) {\n\ttls {{CERT}} {{KEY}} {\n\t\tclient_auth {\n\t\t\tmode {args.0}\n\t\t\ttrusted_ca_cert_file {{CA}}\n\t\t}\n\t}\n}\n" +
		"https://localhost:{{PORT1}} {\n\timport mtls request\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n" + setDN + "\t}\n}\n",
		want: map[string]frontend.Source{dn: frontend.Unverified}},

	// matchers on reverse_proxy itself: each proxy takes its own requests
	{name: "proxy-path-matchers", paths: []string{"/", "/api/x", "/admin/y"}, conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("verify_if_given") +
		"\treverse_proxy /api/* {{BACKEND}} {\n\t\theader_up X-Oracle-Route api\n" + setDN + "\t}\n" +
		"\treverse_proxy /admin/* {{BACKEND}} {\n\t\theader_up X-Oracle-Route admin\n\t}\n" +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n\t\theader_up -X-SSL-Client-DN\n\t}\n}\n"},
	{name: "proxy-named-matcher", paths: []string{"/", "/api/x"}, conf: "{{GLOBAL}}\nhttps://localhost:{{PORT1}} {\n" + tlsBlock("require_and_verify") +
		"\t@api path /api/*\n\treverse_proxy @api {{BACKEND}} {\n\t\theader_up X-Oracle-Route api\n" + setDN + "\t}\n" +
		"\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route main\n\t}\n}\n"},

	// import of files and globs, relative to the importing file
	{name: "import-file-in-site", conf: site("verify_if_given", "\timport snippets/strip.caddy\n", ""),
		files: map[string]string{"snippets/strip.caddy": "request_header -X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "import-sites-glob", conf: "{{GLOBAL}}\nimport sites/*.caddy\n",
		files: map[string]string{"sites/api.caddy": bare(site("require_and_verify", "", setDN)), "sites/plain.caddy": "http://localhost:{{PORT2}} {\n\treverse_proxy {{BACKEND}} {\n\t\theader_up X-Oracle-Route plain\n\t}\n}\n"}},
	{name: "import-relative-to-importing-file", conf: "{{GLOBAL}}\nimport sites/*.caddy\n",
		files: map[string]string{"sites/api.caddy": bare(site("require_and_verify", "", "\t\timport snip/dn.caddy\n")), "sites/snip/dn.caddy": setDN, "snip/dn.caddy": "\t\theader_up -X-SSL-Client-DN\n"},
		want:  map[string]frontend.Source{dn: frontend.Verified}},
	{name: "import-snippet-of-imported-file", conf: "{{GLOBAL}}\nimport snippets.caddy\n" + bare(site("verify_if_given", "\timport strip\n", "")),
		files: map[string]string{"snippets.caddy": "(strip) {\n\trequest_header -X-SSL-Client-DN\n}\n"}, want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "import-glob-no-match", conf: site("verify_if_given", "\timport none/*.caddy\n", ""), want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "import-file-with-snippet-args", conf: site("verify_if_given", "\timport snippets/hdr.caddy X-SSL-Client-DN\n", ""),
		files: map[string]string{"snippets/hdr.caddy": "request_header -{args.0}\n"}, want: map[string]frontend.Source{dn: frontend.Cleared}},
}

// bare is a site without the global options block, for an imported file.
func bare(conf string) string { return strings.TrimPrefix(conf, "{{GLOBAL}}\n") }

// marker is the X-Oracle-Route value of a route.
func marker(r *Route) string {
	for _, o := range r.Ops {
		if strings.EqualFold(o.Header, "X-Oracle-Route") {
			return o.Value
		}
	}
	return ""
}

func TestOracle(t *testing.T) {
	caddytest.Require(t)
	if len(oracleCases) < 30 {
		t.Fatalf("the battery has %d configurations; at least 30 are required", len(oracleCases))
	}
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range oracleCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			srv := caddytest.StartFiles(t, tc.conf, tc.files, pki, be)
			headers := tc.headers
			if headers == nil {
				headers = []string{dn}
			}
			paths := tc.paths
			if paths == nil {
				paths = []string{"/"}
			}
			f := &File{Src: source.NewFile("Caddyfile", []byte(srv.Text)), Parsed: caddy.Parse([]byte(srv.Text))}
			if len(f.Parsed.Errors) > 0 {
				t.Fatalf("parse errors: %v", f.Parsed.Errors)
			}
			loader := MapLoader{}
			for rel, text := range srv.Extra {
				loader[rel] = &File{Src: source.NewFile(rel, []byte(text)), Parsed: caddy.Parse([]byte(text))}
			}
			cfg := BuildTree(f, loader)
			if len(cfg.Imports) > 0 {
				t.Fatalf("imports not followed: %s", cfg.Imports[0].Msg)
			}
			routes := cfg.Routes()
			if len(routes) == 0 {
				t.Fatal("the model finds no route")
			}
			for _, rt := range routes {
				fr := rt.Frontend()
				obs := map[string]*frontendtest.Observed{}
				for _, h := range headers {
					obs[h] = &frontendtest.Observed{}
				}
				for _, a := range rt.Addrs {
					port, err := strconv.Atoi(a.Port)
					if err != nil {
						t.Fatalf("address %q: %v", a.Text, err)
					}
					certs := []string{nginxtest.NoCert}
					if a.TLS {
						certs = []string{nginxtest.NoCert, nginxtest.ValidCert, nginxtest.RogueCert}
					}
					for _, cert := range certs {
						for _, p := range paths {
							hs := []nginxtest.Header{{Name: "Cookie", Value: "dn=forged-cookie"}, {Name: "X-Forwarded-Client-Cert", Value: "forged-xfcc"}}
							for _, h := range headers {
								hs = append(hs, nginxtest.Header{Name: h, Value: "forged-" + h})
							}
							be.Reset()
							if _, err := srv.Do(nginxtest.Req{Port: port, TLS: a.TLS, Path: p + "?dn=forged-query", Headers: hs, ClientCert: cert}); err != nil {
								continue // handshake refused: this client cannot use the route
							}
							for _, got := range be.All() {
								if got.Get("X-Oracle-Route") != marker(rt) {
									continue
								}
								for _, h := range headers {
									o := obs[h]
									o.Requests++
									for _, v := range got.Values(h) {
										o.See(v, cert)
									}
								}
							}
						}
					}
				}
				for _, h := range headers {
					got := fr.Lookup(frontend.HeaderKey(h))
					frontendtest.Compare(t, "Caddy", rt.Label(), h, got, obs[h], tc.want, srv.Text)
				}
			}
		})
	}
}
