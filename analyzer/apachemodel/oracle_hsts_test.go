package apachemodel

import (
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/apachemodel/apachetest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// hstsCases are httpd configurations whose Strict-Transport-Security the
// model must predict: for every route and path of a TLS virtual host, the
// model says HSTS exactly when a real httpd answers with a positive
// max-age (the rule DJL406 then trusts the front end).
var hstsCases = []struct {
	name  string
	conf  string
	paths []string
}{
	{name: "vhost-always", conf: one(tlsVHost("1", "", "\tHeader always set Strict-Transport-Security \"max-age=31536000\"\n"+proxy))},
	{name: "vhost-onsuccess", conf: one(tlsVHost("1", "", "\tHeader set Strict-Transport-Security \"max-age=600; includeSubDomains\"\n"+proxy))},
	{name: "server-env-https", conf: one("Header set Strict-Transport-Security \"max-age=31536000; includeSubDomains\" env=HTTPS\n" + tlsVHost("1", "", proxy))},
	{name: "none", conf: one(tlsVHost("1", "", proxy))},
	{name: "max-age-zero", conf: one(tlsVHost("1", "", "\tHeader always set Strict-Transport-Security \"max-age=0\"\n"+proxy))},
	{name: "vhost-unsets-server", conf: one("Header always set Strict-Transport-Security \"max-age=31536000\"\n" + tlsVHost("1", "", "\tHeader always unset Strict-Transport-Security\n"+proxy))},
	{name: "location-unsets", paths: []string{"/", "/api/x"}, conf: one(tlsVHost("1", "",
		"\tHeader always set Strict-Transport-Security \"max-age=31536000\"\n\t<Location /api>\n\t\tHeader always unset Strict-Transport-Security\n\t</Location>\n"+proxy))},
	{name: "location-sets", paths: []string{"/", "/api/x"}, conf: one(tlsVHost("1", "",
		"\t<Location /api>\n\t\tHeader always set Strict-Transport-Security \"max-age=31536000\"\n\t</Location>\n"+proxy))},
	{name: "locationmatch-freedombox", paths: []string{"/plinth/x", "/other"}, conf: one("Header set Strict-Transport-Security \"max-age=31536000; includeSubDomains\" env=HTTPS\n" +
		tlsVHost("1", "", "\t<LocationMatch \"^/(plinth|freedombox)\">\n\t\tHeader set Referrer-Policy 'same-origin'\n\t</LocationMatch>\n"+proxy))},
	{name: "env-other", conf: one(tlsVHost("1", "", "\tHeader always set Strict-Transport-Security \"max-age=31536000\" env=NO_SUCH_VARIABLE\n"+proxy))},
}

func TestOracleHSTS(t *testing.T) {
	apachetest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range hstsCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			srv := apachetest.Start(t, tc.conf, pki, be)
			f := &File{Src: source.NewFile("httpd.conf", []byte(srv.Text)), Parsed: apache.Parse([]byte(srv.Text))}
			cfg := BuildTree(f, MapLoader{})
			paths := tc.paths
			if paths == nil {
				paths = []string{"/"}
			}
			checked := 0
			for _, v := range cfg.VHosts {
				if !v.TLS {
					continue
				}
				port, err := strconv.Atoi(strings.TrimPrefix(v.Addrs[0], "127.0.0.1:"))
				if err != nil {
					t.Fatal(err)
				}
				for _, rt := range v.Routes {
					for _, p := range paths {
						if !rt.takes(p) || rt.Scope.SectionPath == "" && coveredByNarrower(rt, p) {
							continue
						}
						resp, err := srv.Do(nginxtest.Req{Port: port, TLS: true, Path: p})
						if err != nil {
							t.Fatalf("%s: %v", p, err)
						}
						sent := hstsMaxAge(resp.Header.Get(hstsHeader)) > 0
						model := rt.Frontend().HSTS != nil
						if sent != model {
							t.Errorf("%s, path %s: httpd sends %s: %q; the model says HSTS %v\n%s", rt.Label(), p, hstsHeader, resp.Header.Get(hstsHeader), model, srv.Text)
						}
						checked++
					}
				}
			}
			if checked == 0 {
				t.Fatal("no TLS route checked")
			}
		})
	}
}
