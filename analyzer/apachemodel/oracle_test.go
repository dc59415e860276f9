package apachemodel

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/apachemodel/apachetest"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// oracleCase is one httpd configuration of the oracle battery. Every
// route marks its requests with X-Oracle-Route (proxy routes) or answers
// itself (WSGI routes), so that what arrived can be attributed to it.
type oracleCase struct {
	name  string
	conf  string
	keys  []string // environ keys to check (default HTTP_X_SSL_CLIENT_DN)
	paths []string // request paths (default "/")
	want  map[string]frontend.Source
	// files are included files beside httpd.conf, by path relative to
	// the ServerRoot.
	files map[string]string
}

const dnKey = "HTTP_X_SSL_CLIENT_DN"

func tlsVHost(port, verify, body string) string {
	v := ""
	if verify != "" {
		v = "\tSSLVerifyClient " + verify + "\n"
	}
	return "Listen 127.0.0.1:{{PORT" + port + "}}\n<VirtualHost 127.0.0.1:{{PORT" + port + "}}>\n\tSSLEngine on\n\tSSLCertificateFile {{CERT}}\n\tSSLCertificateKeyFile {{KEY}}\n\tSSLCACertificateFile {{CA}}\n" + v + body + "</VirtualHost>\n"
}

func plainVHost(port, body string) string {
	return "Listen 127.0.0.1:{{PORT" + port + "}}\n<VirtualHost 127.0.0.1:{{PORT" + port + "}}>\n" + body + "</VirtualHost>\n"
}

const (
	proxy  = "\tRequestHeader set X-Oracle-Route main\n\tProxyPass / http://{{BACKEND}}/\n"
	setDN  = "\tRequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n"
	wsgi   = "\tWSGIScriptAlias / {{WSGI}}\n"
	stdEnv = "\tSSLOptions +StdEnvVars\n"
)

func one(body string) string { return "{{PRELUDE}}\n" + body }

var oracleCases = []oracleCase{
	{name: "require-set", conf: one(tlsVHost("1", "require", setDN+proxy)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "optional-set", conf: one(tlsVHost("1", "optional", setDN+proxy)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "optional-no-ca-set", conf: one(tlsVHost("1", "optional_no_ca", setDN+proxy)), want: map[string]frontend.Source{dnKey: frontend.Unverified}},
	{name: "no-verify-set", conf: one(tlsVHost("1", "", setDN+proxy)), want: map[string]frontend.Source{dnKey: frontend.ServerValue}},
	{name: "verify-none-set", conf: one(tlsVHost("1", "none", setDN+proxy)), want: map[string]frontend.Source{dnKey: frontend.ServerValue}},
	{name: "require-nothing-set", conf: one(tlsVHost("1", "require", proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "unset", conf: one(tlsVHost("1", "optional", "\tRequestHeader unset X-SSL-Client-DN\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "unset-early", conf: one(tlsVHost("1", "optional", "\tRequestHeader unset X-SSL-Client-DN early\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "append-keeps-client", conf: one(tlsVHost("1", "require", "\tRequestHeader append X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "add-keeps-client", conf: one(tlsVHost("1", "require", "\tRequestHeader add X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "setifempty-keeps-client", conf: one(tlsVHost("1", "require", "\tRequestHeader setifempty X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "edit-client-value", conf: one(tlsVHost("1", "require", "\tRequestHeader edit X-SSL-Client-DN ^ prefix-\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "static-value", conf: one(tlsVHost("1", "require", "\tRequestHeader set X-SSL-Client-DN fixed\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.ServerValue}},
	{name: "empty-value", conf: one(tlsVHost("1", "require", "\tRequestHeader set X-SSL-Client-DN \"\"\n"+proxy))},
	{name: "env-condition", conf: one(tlsVHost("1", "optional", "\tRequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\" env=HTTPS\n"+proxy))},
	{name: "lower-case-name", conf: one(tlsVHost("1", "require", "\tRequestHeader set x-ssl-client-dn \"%{SSL_CLIENT_S_DN}s\"\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "server-level-set", conf: one(setDN + tlsVHost("1", "require", proxy)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "location-adds-to-vhost", paths: []string{"/", "/health"}, conf: one(tlsVHost("1", "optional", setDN+"\t<Location /health>\n\t\tRequestHeader set X-Other yes\n\t</Location>\n"+proxy)),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "location-unsets", paths: []string{"/", "/health"}, conf: one(tlsVHost("1", "optional", setDN+"\t<Location /health>\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Location>\n"+proxy))},
	{name: "location-sets-vhost-not", paths: []string{"/", "/api/x"}, conf: one(tlsVHost("1", "optional", "\t<Location /api>\n\t\tRequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n\t</Location>\n"+proxy))},
	{name: "location-proxypass", conf: one(tlsVHost("1", "require", "\t<Location />\n\t\tRequestHeader set X-Oracle-Route main\n"+"\t\tRequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n\t\tProxyPass http://{{BACKEND}}/\n\t</Location>\n")),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "tls-and-plain-vhosts", conf: one(tlsVHost("1", "require", setDN+proxy) + plainVHost("2", "\tRequestHeader set X-Oracle-Route main\n\tProxyPass / http://{{BACKEND}}/\n"))},
	{name: "plain-vhost-unset", conf: one(plainVHost("2", "\tRequestHeader unset X-SSL-Client-DN\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "plain-vhost-nothing", conf: one(plainVHost("2", proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "underscore-spelling-proxied", keys: []string{"HTTP_X_SSL_CLIENT_DN"}, conf: one(tlsVHost("1", "require", "\tRequestHeader set X_SSL_Client_DN \"%{SSL_CLIENT_S_DN}s\"\n"+proxy))},
	{name: "wsgi-header-set", conf: one(tlsVHost("1", "require", setDN+wsgi)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "wsgi-header-nothing", conf: one(tlsVHost("1", "require", wsgi)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "wsgi-optional-no-ca", conf: one(tlsVHost("1", "optional_no_ca", setDN+wsgi)), want: map[string]frontend.Source{dnKey: frontend.Unverified}},
	{name: "wsgi-std-env-require", keys: []string{"SSL_CLIENT_S_DN"}, conf: one(tlsVHost("1", "require", stdEnv+wsgi)), want: map[string]frontend.Source{"SSL_CLIENT_S_DN": frontend.Verified}},
	{name: "wsgi-std-env-optional", keys: []string{"SSL_CLIENT_S_DN"}, conf: one(tlsVHost("1", "optional", stdEnv+wsgi)), want: map[string]frontend.Source{"SSL_CLIENT_S_DN": frontend.Verified}},
	{name: "wsgi-std-env-no-ca", keys: []string{"SSL_CLIENT_S_DN"}, conf: one(tlsVHost("1", "optional_no_ca", stdEnv+wsgi)), want: map[string]frontend.Source{"SSL_CLIENT_S_DN": frontend.Unverified}},
	{name: "wsgi-without-std-env", keys: []string{"SSL_CLIENT_S_DN"}, conf: one(tlsVHost("1", "require", wsgi)), want: map[string]frontend.Source{"SSL_CLIENT_S_DN": frontend.NotSent}},
	{name: "wsgi-plain", conf: one(plainVHost("2", wsgi)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "wsgi-plain-env-key", keys: []string{"SSL_CLIENT_S_DN"}, conf: one(plainVHost("2", wsgi)), want: map[string]frontend.Source{"SSL_CLIENT_S_DN": frontend.NotSent}},

	// Include and IncludeOptional: relative to the ServerRoot, globs in
	// name order, directories, Debian's layout.
	{name: "debian-layout", conf: one("IncludeOptional mods-enabled/*.load\nInclude ports.conf\nIncludeOptional conf-enabled/*.conf\nIncludeOptional sites-enabled/*.conf\n"),
		files: map[string]string{
			"ports.conf":                  "# Listen lines live with their virtual hosts\n",
			"conf-enabled/identity.conf":  "RequestHeader unset X-SSL-Client-DN early\n",
			"sites-enabled/api-ssl.conf":  tlsVHost("1", "require", setDN+proxy),
			"sites-enabled/health.conf":   plainVHost("2", proxy),
			"sites-available/unused.conf": "not read: httpd would reject this line\n",
		}},
	{name: "include-in-vhost", conf: one(tlsVHost("1", "optional", "\tInclude snippets/mtls.conf\n"+proxy)),
		files: map[string]string{"snippets/mtls.conf": setDN}, want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "include-from-include-is-server-root-relative", conf: one("Include sites/api.conf\n"),
		files: map[string]string{"sites/api.conf": tlsVHost("1", "require", "\tInclude snippets/dn.conf\n"+proxy), "snippets/dn.conf": setDN, "sites/snippets/dn.conf": "RequestHeader unset X-SSL-Client-DN\n"},
		want:  map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "include-glob-name-order-unset-last", conf: one(tlsVHost("1", "require", "\tInclude hdr/*.conf\n"+proxy)),
		files: map[string]string{"hdr/10-set.conf": setDN, "hdr/20-unset.conf": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "include-glob-name-order-set-last", conf: one(tlsVHost("1", "require", "\tInclude hdr/*.conf\n"+proxy)),
		files: map[string]string{"hdr/10-unset.conf": "RequestHeader unset X-SSL-Client-DN\n", "hdr/20-set.conf": setDN}, want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "include-directory", conf: one("Include extra\n" + plainVHost("2", proxy)),
		files: map[string]string{"extra/identity.conf": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "include-optional-no-match", conf: one("IncludeOptional conf-enabled/*.conf\n" + plainVHost("2", proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	// mod_headers merging: server, virtual host, <Directory> and .htaccess
	// (WSGI only), <Location>, then <If>; early first.
	{name: "directory-sets-wsgi", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n"+"\t"+setDN+"\t</Directory>\n"+wsgi)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "directory-unsets-vhost-set-wsgi", conf: one(tlsVHost("1", "require", setDN+"\t<Directory {{ROOT}}>\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Directory>\n"+wsgi)), want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "directory-not-for-proxy", conf: one(tlsVHost("1", "require", "\t<Directory />\n"+"\t"+setDN+"\t</Directory>\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "location-unset-after-directory-set", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t"+setDN+"\t</Directory>\n\t<Location />\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Location>\n"+wsgi)),
		want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "location-set-after-directory-unset", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Directory>\n\t<Location />\n\t"+setDN+"\t</Location>\n"+wsgi)),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "directories-shortest-first", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t"+setDN+"\t</Directory>\n\t<Directory />\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Directory>\n"+wsgi)),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "htaccess-allowed", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride FileInfo\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "htaccess-after-directory", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride All\n\t"+setDN+"\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "htaccess-override-list", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride None\n\t\tAllowOverrideList RequestHeader\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "htaccess-override-none", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride None\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	// a .htaccess RequestHeader that AllowOverride does not allow: 500
	{name: "htaccess-override-authconfig-answers-500", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride AuthConfig\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.NotSent}},
	{name: "htaccess-without-allow-override-answers-500", conf: one(tlsVHost("1", "require", wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.NotSent}},
	{name: "if-verified-set-no-unset", conf: one(tlsVHost("1", "optional", "\t<If \"%{SSL_CLIENT_VERIFY} == 'SUCCESS'\">\n\t"+setDN+"\t</If>\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "if-verified-set-else-unset", conf: one(tlsVHost("1", "optional", "\t<If \"%{SSL_CLIENT_VERIFY} == 'SUCCESS'\">\n\t"+setDN+"\t</If>\n\t<Else>\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</Else>\n"+proxy)),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "if-set-after-early-unset", conf: one(tlsVHost("1", "optional", "\t<If \"-n %{SSL_CLIENT_S_DN}\">\n\t"+setDN+"\t</If>\n\tRequestHeader unset X-SSL-Client-DN early\n"+proxy)),
		want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "if-merged-after-location", conf: one(tlsVHost("1", "require", "\t<If \"true\">\n\t\tRequestHeader unset X-SSL-Client-DN\n\t</If>\n\t<Location />\n\t"+setDN+"\t</Location>\n"+proxy)),
		want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "if-undecided-set", conf: one(tlsVHost("1", "require", "\t<If \"%{HTTP_HOST} == 'api.example.invalid'\">\n\t"+setDN+"\t</If>\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Forgeable}},
	{name: "early-unset-written-last", conf: one(tlsVHost("1", "require", setDN+"\tRequestHeader unset X-SSL-Client-DN early\n"+proxy)), want: map[string]frontend.Source{dnKey: frontend.Verified}},
	{name: "server-location-applies-to-vhost", conf: one("<Location />\n\tRequestHeader unset X-SSL-Client-DN\n</Location>\n" + plainVHost("2", proxy)), want: map[string]frontend.Source{dnKey: frontend.Cleared}},
	{name: "include-absolute-under-server-root", conf: one("Include {{ROOT}}/identity.conf\n" + plainVHost("2", proxy)),
		files: map[string]string{"identity.conf": "RequestHeader unset X-SSL-Client-DN\n"}, want: map[string]frontend.Source{dnKey: frontend.Cleared}},
}

// marker is the X-Oracle-Route value a proxy route sets.
func marker(r *Route) string {
	for _, o := range r.Scope.Ops {
		if strings.EqualFold(o.Header, "X-Oracle-Route") {
			return o.Value
		}
	}
	return ""
}

func TestOracle(t *testing.T) {
	apachetest.Require(t)
	if len(oracleCases) < 30 {
		t.Fatalf("the battery has %d configurations; at least 30 are required", len(oracleCases))
	}
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range oracleCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			srv := apachetest.StartFiles(t, tc.conf, tc.files, pki, be)
			keys := tc.keys
			if keys == nil {
				keys = []string{dnKey}
			}
			paths := tc.paths
			if paths == nil {
				paths = []string{"/"}
			}
			f := &File{Src: source.NewFile("httpd.conf", []byte(srv.Text)), Parsed: apache.Parse([]byte(srv.Text))}
			if len(f.Parsed.Errors) > 0 {
				t.Fatalf("parse errors: %v", f.Parsed.Errors)
			}
			loader := MapLoader{}
			for rel, text := range srv.Extra {
				loader[rel] = &File{Src: source.NewFile(rel, []byte(text)), Parsed: apache.Parse([]byte(text))}
			}
			cfg := BuildTree(f, loader)
			if len(cfg.Includes) > 0 {
				t.Fatalf("includes not followed: %v", cfg.Includes[0].Msg)
			}
			var routes []*Route
			for _, v := range cfg.VHosts {
				routes = append(routes, v.Routes...)
			}
			if len(routes) == 0 {
				t.Fatal("the model finds no route")
			}
			for _, rt := range routes {
				fr := rt.Frontend()
				obs := map[string]*frontendtest.Observed{}
				for _, k := range keys {
					obs[k] = &frontendtest.Observed{}
				}
				port, err := strconv.Atoi(strings.TrimPrefix(rt.VHost.Addrs[0], "127.0.0.1:"))
				if err != nil {
					t.Fatalf("vhost %v: %v", rt.VHost.Addrs, err)
				}
				certs := []string{nginxtest.NoCert}
				if rt.VHost.TLS {
					certs = []string{nginxtest.NoCert, nginxtest.ValidCert, nginxtest.RogueCert}
				}
				for _, cert := range certs {
					for _, p := range paths {
						if !rt.takes(p) || rt.Scope.SectionPath == "" && coveredByNarrower(rt, p) {
							continue // this path belongs to another route
						}
						var hs []nginxtest.Header
						for _, k := range keys {
							if h := frontend.HeaderName(k); h != "" {
								hs = append(hs, nginxtest.Header{Name: h, Value: "forged-" + h})
								if rt.WSGI {
									// httpd drops underscored names from the environ;
									// behind a proxy that is the app server's call
									hs = append(hs, nginxtest.Header{Name: strings.ReplaceAll(h, "-", "_"), Value: "forged-underscore"})
								}
							}
						}
						be.Reset()
						resp, err := srv.Do(nginxtest.Req{Port: port, TLS: rt.VHost.TLS, Path: p, Headers: hs, ClientCert: cert})
						if err != nil || resp.Status >= 400 {
							continue // refused: this client cannot use the route
						}
						if rt.WSGI {
							env := map[string]string{}
							if err := json.Unmarshal([]byte(resp.Body), &env); err != nil {
								t.Fatalf("WSGI echo: %v: %q", err, resp.Body)
							}
							for _, k := range keys {
								v, ok := env[k]
								if ok || strings.HasPrefix(k, "HTTP_") {
									obs[k].Requests++ // an absent environment key is not sent at all
								}
								if ok {
									obs[k].See(v, cert)
								}
							}
							continue
						}
						for _, got := range be.All() {
							if got.Get("X-Oracle-Route") != marker(rt) {
								continue
							}
							for _, k := range keys {
								obs[k].Requests++
								for name, vs := range got.Header() {
									if frontend.HeaderKey(name) == k {
										for _, v := range vs {
											obs[k].See(v, cert)
										}
									}
								}
							}
						}
					}
				}
				for _, k := range keys {
					got := fr.Lookup(k)
					frontendtest.Compare(t, "httpd", rt.Label(), k, got, obs[k], tc.want, srv.Text)
				}
			}
		})
	}
}

// coveredByNarrower reports whether path p falls to a narrower route of
// the same pass.
func coveredByNarrower(rt *Route, p string) bool {
	for _, o := range rt.VHost.Routes {
		if o != rt && o.Pass == rt.Pass && o.Scope.SectionPath != "" && o.Scope.SectionPath != rt.Path && o.takes(p) {
			return true
		}
	}
	return false
}
