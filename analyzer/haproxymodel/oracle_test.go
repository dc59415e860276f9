package haproxymodel

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/analyzer/haproxymodel/haproxytest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/haproxy"
	"github.com/djleak/djleak/parsers/source"
)

// oracleCase is one HAProxy configuration of the oracle battery. Every
// backend sets X-Oracle-Backend to its name so that requests can be
// attributed to routes.
type oracleCase struct {
	name    string
	conf    string
	headers []string // identity headers to forge and check
	paths   []string // request paths (default "/")
	// want pins the model's verdict for some header on every route, as a
	// check of the battery itself: "X-SSL-Client-DN": frontend.Verified.
	want map[string]frontend.Source
}

const tlsBind = "bind 127.0.0.1:{{PORT1}} ssl crt {{PEM}} ca-file {{CA}}"

func fe(binds, rules string) string {
	return "defaults\n    {{DEFAULTS}}\nfrontend fe\n    " + binds + "\n" + rules + "\n    default_backend app\n" +
		"backend app\n    http-request set-header X-Oracle-Backend app\n    server s1 {{BACKEND}}\n"
}

const dn = "X-SSL-Client-DN"

var oracleCases = []oracleCase{
	{name: "required-set", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "optional-conditional-set-no-delete", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "optional-delete-then-conditional-set", conf: fe(tlsBind+" verify optional", "    http-request del-header X-SSL-Client-DN\n    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "optional-unconditional-set", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "verify-none-set", conf: fe(tlsBind+" verify none", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "ca-file-without-verify", conf: fe(tlsBind, "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "plain-set", conf: fe("bind 127.0.0.1:{{PORT1}}", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Cleared}},
	{name: "plain-nothing", conf: fe("bind 127.0.0.1:{{PORT1}}", ""),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "required-and-plain-binds", conf: fe(tlsBind+" verify required\n    bind 127.0.0.1:{{PORT2}}", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }")},
	{name: "set-in-backend", conf: "defaults\n    {{DEFAULTS}}\nfrontend fe\n    " + tlsBind + " verify required\n    default_backend app\n" +
		"backend app\n    http-request set-header X-Oracle-Backend app\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]\n    server s1 {{BACKEND}}\n",
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "second-backend-without-header", paths: []string{"/", "/health"},
		conf: "defaults\n    {{DEFAULTS}}\nfrontend fe\n    " + tlsBind + " verify optional\n    use_backend health if { path_beg /health }\n    default_backend app\n" +
			"backend app\n    http-request set-header X-Oracle-Backend app\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]\n    server s1 {{BACKEND}}\n" +
			"backend health\n    http-request set-header X-Oracle-Backend health\n    server s1 {{BACKEND}}\n"},
	{name: "ignore-errors", conf: fe(tlsBind+" verify optional crt-ignore-err all ca-ignore-err all", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Unverified}},
	{name: "required-ignore-errors", conf: fe(tlsBind+" verify required crt-ignore-err all ca-ignore-err all", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Unverified}},
	{name: "value-from-client-header", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN %[req.hdr(X-Forwarded-Client-Cert)]"),
		headers: []string{dn, "X-Forwarded-Client-Cert"}, want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "add-without-delete", conf: fe(tlsBind+" verify required", "    http-request add-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "delete-then-add", conf: fe(tlsBind+" verify required", "    http-request del-header X-SSL-Client-DN\n    http-request add-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "delete-prefix", headers: []string{dn, "X-SSL-Client-Serial"},
		conf: fe(tlsBind+" verify required", "    http-request del-header X-SSL- -m beg\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Verified, "X-SSL-Client-Serial": frontend.Cleared}},
	{name: "conditional-delete", conf: fe(tlsBind+" verify optional", "    http-request del-header X-SSL-Client-DN if { ssl_c_used }\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "deny-without-certificate", conf: fe(tlsBind+" verify optional", "    http-request deny unless { ssl_c_used }\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "deny-negated", conf: fe(tlsBind+" verify optional", "    http-request deny if !{ ssl_c_used }\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "named-acl-no-delete", conf: fe(tlsBind+" verify optional", "    acl has_cert ssl_c_used\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if has_cert"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "named-acl-with-delete", conf: fe(tlsBind+" verify optional", "    acl has_cert ssl_c_used\n    http-request del-header X-SSL-Client-DN\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if has_cert"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "delete-unless-certificate", conf: fe(tlsBind+" verify optional", "    http-request del-header X-SSL-Client-DN unless { ssl_c_used }\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "mode-tcp", conf: "defaults\n    {{DEFAULTS}}\nfrontend fe\n    mode tcp\n    " + tlsBind + " verify required\n    default_backend app\nbackend app\n    mode tcp\n    server s1 {{BACKEND}}\n",
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "listen-section", conf: "defaults\n    {{DEFAULTS}}\nlisten app\n    " + tlsBind + " verify required\n    http-request set-header X-Oracle-Backend app\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]\n    server s1 {{BACKEND}}\n",
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "named-defaults-delete", conf: "defaults clean\n    {{DEFAULTS}}\n    http-request del-header X-SSL-Client-DN\nfrontend fe from clean\n    " + tlsBind + " verify optional\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }\n    default_backend app\n" +
		"defaults plain\n    {{DEFAULTS}}\nbackend app from plain\n    http-request set-header X-Oracle-Backend app\n    server s1 {{BACKEND}}\n",
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "static-value", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN fixed"),
		want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "source-address", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN %[src]"),
		want: map[string]frontend.Source{dn: frontend.ServerValue}},
	{name: "redirect-plain", conf: fe(tlsBind+" verify required\n    bind 127.0.0.1:{{PORT2}}", "    http-request redirect scheme https unless { ssl_fc }\n    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]")},
	{name: "deny-all", conf: fe("bind 127.0.0.1:{{PORT1}}", "    http-request deny"),
		want: map[string]frontend.Source{dn: frontend.NotSent}},
	{name: "replace-client-header", conf: fe(tlsBind+" verify required", "    http-request replace-header X-SSL-Client-DN (.*) CN=\\1"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "verify-zero-gate", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_verify 0 }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "used-and-verified-gate", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used } { ssl_c_verify 0 }"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	{name: "if-true", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if TRUE"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "or-condition", conf: fe(tlsBind+" verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used } || { ssl_fc }"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "lower-case-name", conf: fe(tlsBind+" verify required", "    http-request set-header x-ssl-client-dn %[ssl_c_s_dn]"),
		want: map[string]frontend.Source{dn: frontend.Verified}},
	{name: "cn-only", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]"), headers: []string{"X-SSL-Client-CN"},
		want: map[string]frontend.Source{"X-SSL-Client-CN": frontend.Verified}},
	{name: "two-tls-binds", conf: fe(tlsBind+" verify required\n    bind 127.0.0.1:{{PORT2}} ssl crt {{PEM}} ca-file {{CA}} verify optional", "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn] if { ssl_c_used }")},
	{name: "header-from-query", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN %[url_param(dn)]"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
	// option forwardfor adds its own X-Forwarded-For and keeps the client's
	{name: "option-forwardfor", headers: []string{"X-Forwarded-For"}, conf: fe(tlsBind+" verify required", "    option forwardfor"),
		want: map[string]frontend.Source{"X-Forwarded-For": frontend.Forgeable}},
	// setting X-Forwarded-Proto from the connection replaces the client's
	{name: "forwarded-proto-set", headers: []string{"X-Forwarded-Proto"}, conf: fe(tlsBind+" verify required", "    http-request set-header X-Forwarded-Proto https if { ssl_fc }"),
		want: map[string]frontend.Source{"X-Forwarded-Proto": frontend.ServerValue}},
	{name: "header-from-cookie", conf: fe(tlsBind+" verify required", "    http-request set-header X-SSL-Client-DN %[req.cook(dn)]"),
		want: map[string]frontend.Source{dn: frontend.Forgeable}},
}

func TestOracle(t *testing.T) {
	haproxytest.Require(t)
	if len(oracleCases) < 30 {
		t.Fatalf("the battery has %d configurations; at least 30 are required", len(oracleCases))
	}
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range oracleCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			srv := haproxytest.Start(t, tc.conf, pki, be)
			headers := tc.headers
			if headers == nil {
				headers = []string{dn}
			}
			paths := tc.paths
			if paths == nil {
				paths = []string{"/"}
			}
			f := &File{Src: source.NewFile("haproxy.cfg", []byte(srv.ConfText)), Parsed: haproxy.Parse([]byte(srv.ConfText))}
			if len(f.Parsed.Errors) > 0 {
				t.Fatalf("parse errors: %v", f.Parsed.Errors)
			}
			routes := Build(f).Routes()
			if len(routes) == 0 {
				t.Fatal("the model finds no route")
			}
			for _, rt := range routes {
				fr := rt.Frontend()
				obs := map[string]*frontendtest.Observed{}
				for _, h := range headers {
					obs[h] = &frontendtest.Observed{}
				}
				for _, b := range rt.Binds {
					port := bindPort(t, b.Addr)
					certs := []string{nginxtest.NoCert}
					if b.SSL {
						certs = []string{nginxtest.NoCert, nginxtest.ValidCert, nginxtest.RogueCert}
					}
					for _, cert := range certs {
						for _, p := range paths {
							// Client input of every kind a value could be built from.
							hs := []nginxtest.Header{{Name: "Cookie", Value: "dn=forged-cookie"}}
							for _, h := range headers {
								hs = append(hs, nginxtest.Header{Name: h, Value: "forged-" + h})
							}
							be.Reset()
							resp, err := srv.Do(nginxtest.Req{Port: port, TLS: b.SSL, Path: p + "?dn=forged-query", Headers: hs, ClientCert: cert})
							if err != nil {
								continue // handshake refused: this client cannot use the route
							}
							_ = resp
							for _, got := range be.All() {
								if rt.Front.Mode == "http" && got.Get("X-Oracle-Backend") != rt.Backend.Name {
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
					frontendtest.Compare(t, "HAProxy", rt.Label(), h, got, obs[h], tc.want, srv.ConfText)
				}
			}
		})
	}
}

func bindPort(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("bind %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(fmt.Errorf("bind %q: %v", addr, err))
	}
	return n
}
