package nginxtest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// dialTimeout bounds connecting (and the TLS handshake).
	dialTimeout = 5 * time.Second
	// maxResponseBody caps how much of a response body is kept.
	maxResponseBody = 1 << 20
)

// Client certificate choices for Request and Req.ClientCert.
const (
	NoCert    = ""
	ValidCert = "valid" // PKI.ClientCert, signed by the trusted CA
	RogueCert = "rogue" // PKI.RogueCert, same subject, untrusted CA
	ChainCert = "chain" // PKI.ChainCert, same subject, through an intermediate of the trusted CA
)

// Req is one request for Server.Do.
type Req struct {
	Port int
	TLS  bool
	// Method defaults to GET and Path to "/".
	Method, Path string
	// Headers are written exactly as given, in order, as "Name: Value"
	// lines. A Host header is added (Host: localhost) unless one is given,
	// and likewise "Connection: close" and, with a Body, Content-Length.
	Headers []Header
	Body    string
	// ClientCert is NoCert, ValidCert, RogueCert or ChainCert. The chosen certificate
	// is presented whenever the server asks for one, whatever CA names the
	// server advertises.
	ClientCert string
	// ServerName is the TLS SNI name and verified server name; default
	// "localhost".
	ServerName string
}

// Resp is nginx's answer.
type Resp struct {
	Status int
	Header http.Header
	Body   string
}

// Request sends one request to 127.0.0.1:port — over TLS when tls is true
// — and returns the response status code. headers are written verbatim and
// in order (names are not canonicalised, so X_Client_DN stays X_Client_DN).
// clientCert is NoCert (""), ValidCert ("valid"), RogueCert ("rogue") or
// ChainCert ("chain").
// The server certificate is verified against the PKI's CA when Start was
// given a PKI. Any network or protocol error fails the test.
func (s *Server) Request(t testing.TB, port int, tls bool, path string, headers []Header, clientCert string) int {
	t.Helper()
	return s.Fetch(t, Req{Port: port, TLS: tls, Path: path, Headers: headers, ClientCert: clientCert}).Status
}

// Fetch is Do that fails the test on error.
func (s *Server) Fetch(t testing.TB, r Req) Resp {
	t.Helper()
	resp, err := s.Do(r)
	if err != nil {
		t.Fatalf("nginxtest: request to port %d: %v\nnginx error log:\n%s", r.Port, err, tail(s.ErrorLog(), 4<<10))
	}
	return resp
}

// Do sends one request and returns nginx's response, or the error that
// prevented one (refused connection, failed handshake, timeout, ...).
//
// An exchange that times out is tried again, up to timeoutAttempts in
// all: on a loaded machine a server can be slow to answer, and the
// batteries read any error as the server refusing the client, which a
// timeout never is (a refusal is an alert, a reset or a closed
// connection).
func (s *Server) Do(r Req) (Resp, error) {
	var err error
	for i := 0; i < timeoutAttempts; i++ {
		var resp Resp
		if resp, err = s.do(r); !isTimeout(err) {
			return resp, err
		}
	}
	return Resp{}, err
}

// requestTimeout bounds a whole request/response exchange (a variable for
// the test of Do's retry).
var requestTimeout = 10 * time.Second

// timeoutAttempts is how many times Do tries an exchange that times out.
const timeoutAttempts = 3

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

func (s *Server) do(r Req) (Resp, error) {
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Path == "" {
		r.Path = "/"
	}
	if r.ServerName == "" {
		r.ServerName = "localhost"
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port))
	var conn net.Conn
	var err error
	if r.TLS {
		var cfg *tls.Config
		if cfg, err = s.clientTLS(r); err != nil {
			return Resp{}, err
		}
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: dialTimeout}, Config: cfg}
		conn, err = d.DialContext(ctx, "tcp4", addr)
	} else {
		d := &net.Dialer{Timeout: dialTimeout}
		conn, err = d.DialContext(ctx, "tcp4", addr)
	}
	if err != nil {
		return Resp{}, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)

	if _, err := io.WriteString(conn, rawRequest(r)); err != nil {
		return Resp{}, fmt.Errorf("writing request: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.Method})
	if err != nil {
		return Resp{}, fmt.Errorf("reading response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return Resp{}, fmt.Errorf("reading response body: %w", err)
	}
	return Resp{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}, nil
}

// rawRequest renders r as HTTP/1.1 bytes.
func rawRequest(r Req) string {
	has := func(name string) bool {
		for _, h := range r.Headers {
			if strings.EqualFold(h.Name, name) {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.Method, r.Path)
	if !has("Host") {
		b.WriteString("Host: localhost\r\n")
	}
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	if r.Body != "" && !has("Content-Length") && !has("Transfer-Encoding") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	if !has("Connection") {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.String()
}

// clientTLS builds the TLS client configuration for r.
func (s *Server) clientTLS(r Req) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: r.ServerName, MinVersion: tls.VersionTLS12}
	if s.pki == nil {
		if r.ClientCert != NoCert {
			return nil, errors.New("a client certificate needs a PKI (Start was given nil)")
		}
		cfg.InsecureSkipVerify = true // no CA to check the server against
		return cfg, nil
	}
	caPEM, err := os.ReadFile(s.pki.CACert)
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", s.pki.CACert)
	}
	var certFile, keyFile string
	switch r.ClientCert {
	case NoCert:
		return cfg, nil
	case ValidCert:
		certFile, keyFile = s.pki.ClientCert, s.pki.ClientKey
	case RogueCert:
		certFile, keyFile = s.pki.RogueCert, s.pki.RogueKey
	case ChainCert:
		certFile, keyFile = s.pki.ChainCert, s.pki.ChainKey
	default:
		return nil, fmt.Errorf("unknown client certificate %q (want %q, %q, %q or %q)", r.ClientCert, NoCert, ValidCert, RogueCert, ChainCert)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	// Go would only offer a certificate issued by one of the CAs the
	// server names; a forger offers theirs regardless.
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	return cfg, nil
}

// Send is Server.Do for a server this package did not start (another front
// end's test harness): it uses pki's certificates the same way.
func Send(pki *PKI, r Req) (Resp, error) { return (&Server{pki: pki}).Do(r) }
