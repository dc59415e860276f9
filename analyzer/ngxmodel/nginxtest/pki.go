package nginxtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Subject of both client certificates (the trusted one and the rogue one):
// an attacker can put any subject into a certificate of their own CA, so
// only the issuer tells the two apart.
const (
	ClientCN  = "client"
	ClientOrg = "djleak-test"
)

// PKI is a throwaway public key infrastructure: a CA, a server certificate
// for "localhost" and 127.0.0.1 signed by it, a client certificate signed by
// it (CN=client, O=djleak-test) and a "rogue" client certificate with the
// same subject signed by a different CA that nginx is never told to trust.
// All fields are paths of PEM files in Dir; keys are ECDSA P-256 in PKCS#8.
type PKI struct {
	Dir        string
	CACert     string
	ServerCert string
	ServerKey  string
	ClientCert string
	ClientKey  string
	RogueCert  string
	RogueKey   string
	// RogueCACert is the certificate of the CA that signed RogueCert.
	RogueCACert string
	// ChainCert is a client certificate with ClientCert's subject issued
	// by an intermediate CA that the CA signed, followed in the same file
	// by that intermediate's certificate (what a client of a public CA
	// sends); ChainKey is its key.
	ChainCert string
	ChainKey  string
}

// NewPKI generates a fresh PKI into a temporary directory that is removed
// when t (and all its subtests) finish. Generation takes about a
// millisecond, so there is no cross-test caching.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir, err := os.MkdirTemp("", "nginxtest-pki-")
	if err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p, err := generatePKI(dir)
	if err != nil {
		t.Fatalf("nginxtest: generating PKI: %v", err)
	}
	return p
}

// issuer is a certificate with its key, able to sign others.
type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func generatePKI(dir string) (*PKI, error) {
	p := &PKI{Dir: dir}
	path := func(name string) string { return filepath.Join(dir, name) }

	ca, err := newCA("djleak-test CA", path("ca.pem"))
	if err != nil {
		return nil, err
	}
	rogueCA, err := newCA("djleak-test rogue CA", path("rogue-ca.pem"))
	if err != nil {
		return nil, err
	}
	p.CACert, p.RogueCACert = path("ca.pem"), path("rogue-ca.pem")

	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	p.ServerCert, p.ServerKey = path("server.pem"), path("server-key.pem")
	if _, err := issue(server, ca, p.ServerCert, p.ServerKey); err != nil {
		return nil, err
	}

	client := func() *x509.Certificate {
		return &x509.Certificate{
			Subject:     pkix.Name{CommonName: ClientCN, Organization: []string{ClientOrg}},
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
	}
	p.ClientCert, p.ClientKey = path("client.pem"), path("client-key.pem")
	if _, err := issue(client(), ca, p.ClientCert, p.ClientKey); err != nil {
		return nil, err
	}
	p.RogueCert, p.RogueKey = path("rogue.pem"), path("rogue-key.pem")
	if _, err := issue(client(), rogueCA, p.RogueCert, p.RogueKey); err != nil {
		return nil, err
	}
	inter, err := issue(caTemplate("djleak-test intermediate CA"), ca, path("intermediate.pem"), "")
	if err != nil {
		return nil, err
	}
	p.ChainCert, p.ChainKey = path("chain.pem"), path("chain-key.pem")
	if _, err := issue(client(), inter, path("chain-leaf.pem"), p.ChainKey); err != nil {
		return nil, err
	}
	leaf, err := os.ReadFile(path("chain-leaf.pem"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.ChainCert, append(leaf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: inter.cert.Raw})...), 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// newCA creates a self-signed CA and writes its certificate to certPath.
func newCA(name, certPath string) (*issuer, error) {
	return issue(caTemplate(name), nil, certPath, "")
}

func caTemplate(name string) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: []string{ClientOrg}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
}

// issue completes tmpl (serial, validity, key), signs it with parent (or
// itself when parent is nil) and writes the certificate and, when keyPath
// is not empty, the private key as PEM files.
func issue(tmpl *x509.Certificate, parent *issuer, certPath, keyPath string) (*issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(7 * 24 * time.Hour)

	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return nil, err
	}
	if keyPath != "" {
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		if err := writePEM(keyPath, "PRIVATE KEY", kder); err != nil {
			return nil, err
		}
	}
	return &issuer{cert: cert, key: key}, nil
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// ChainCase is a client certificate choice with the number of
// intermediate CAs between it and the PKI's CA (-1: another CA issued it),
// for the batteries that check how deep a server verifies chains.
type ChainCase struct {
	Cert          string
	Intermediates int
}

// ChainCases are the CA's own client certificate, the one issued through
// an intermediate, and the other CA's.
var ChainCases = []ChainCase{{ValidCert, 0}, {ChainCert, 1}, {RogueCert, -1}}

// Verifies reports whether a server that lets max intermediates through
// accepts c.
func (c ChainCase) Verifies(max int) bool { return c.Intermediates >= 0 && c.Intermediates <= max }

// CheckChains sends each of ChainCases to port over TLS through do (a
// front end's Server.Do) and reports, on t, every certificate for which
// whether the request reached be differs from Verifies(max). server names
// the front end in messages.
func CheckChains(t testing.TB, server string, do func(Req) (Resp, error), port int, be *Backend, max int) {
	t.Helper()
	for _, c := range ChainCases {
		be.Reset()
		resp, err := do(Req{Port: port, TLS: true, ClientCert: c.Cert})
		got := err == nil && resp.Status == 200 && be.Count() == 1
		if want := c.Verifies(max); got != want {
			t.Errorf("%s certificate: %s verifies it: %v (status %d, %v), the model says %v", c.Cert, server, got, resp.Status, err, want)
		}
	}
}
