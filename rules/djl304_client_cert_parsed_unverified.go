package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL304",
		Name:      "client-cert-parsed-unverified",
		Title:     "Client certificate from a request header parsed and trusted without verifying it",
		Severity:  analyzer.Error,
		CWE:       []int{295},
		Precision: analyzer.Medium,
		WhatItDoes: "Finds functions that read a client certificate from a request header " +
			"(`X-Client-Cert`, `X-SSL-Client-Cert`, …) and load it with `cryptography` " +
			"(`x509.load_pem_x509_certificate`, `load_der_x509_certificate`) or pyOpenSSL " +
			"(`crypto.load_certificate`) without verifying it in the same function " +
			"(`verify_directly_issued_by`, a `cryptography.x509.verification` verifier, or " +
			"`X509StoreContext(...).verify_certificate()`).",
		WhyBad: "Parsing proves a certificate is well-formed, not that your CA issued it or that the " +
			"client holds its key. Anyone can mint a self-signed certificate with `CN=admin`; if the " +
			"header reaches the app (a path where the proxy does not overwrite it), the app accepts it.",
		Example: `
-- app/cert.py --
from urllib.parse import unquote

from cryptography import x509


def client_cn(request):
    pem = unquote(request.headers["X-Client-Cert"])
    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.subject.rfc4514_string()
`,
		UseInstead: `
-- app/cert.py --
from urllib.parse import unquote

from cryptography import x509

from app.trust import CA_CERT


def client_cn(request):
    pem = unquote(request.headers["X-Client-Cert"])
    cert = x509.load_pem_x509_certificate(pem.encode())
    cert.verify_directly_issued_by(CA_CERT)
    return cert.subject.rfc4514_string()
`,
		Requires: []analyzer.Requirement{identity.Pass, analyzer.PythonModules},
		Run: func(ctx *analyzer.Context) {
			reads := analyzer.Fact(ctx.Project, identity.Pass).Reads
			for _, m := range ctx.Project.Python {
				for _, c := range m.Calls {
					if !certLoader(c.Func) || c.Enclosing == nil {
						continue
					}
					var certRead *identity.Read
					for i, r := range reads {
						if r.Func == c.Enclosing && r.FromHeader() && strings.Contains(r.Name, "CERT") {
							certRead = &reads[i]
							break
						}
					}
					if certRead == nil || verifiesCert(ctx.Project, c.Enclosing.Node, m) {
						continue
					}
					ctx.Report(analyzer.Finding{
						Location: c.Loc(),
						Message: fmt.Sprintf("the certificate from the %s header is parsed by %s and used without verifying it against a CA",
							certRead.Header, c.Func),
						Related: []analyzer.Related{{Location: certRead.Loc, Message: "certificate read from a request header"}},
						Key:     c.Enclosing.Name + " " + c.Func,
					})
				}
			}
		},
	})
}

func certLoader(fn string) bool {
	for _, s := range []string{"load_pem_x509_certificate", "load_der_x509_certificate", "crypto.load_certificate", "load_pem_x509_certificates"} {
		if strings.HasSuffix(fn, s) {
			return true
		}
	}
	return fn == "load_certificate"
}
