package nginxtest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Backend kinds, as reported by Backend.Kind and Received.Kind.
const (
	KindHTTP    = "http"
	KindUWSGI   = "uwsgi"
	KindFastCGI = "fastcgi"
)

const (
	// connIdleTimeout bounds how long a backend connection may sit idle.
	connIdleTimeout = 30 * time.Second
	// maxBody caps how much of a request body a backend keeps.
	maxBody = 8 << 20
	// maxLine caps the length of one HTTP header line.
	maxLine = 64 << 10
	// backendStopTimeout bounds the wait for connection goroutines in Cleanup.
	backendStopTimeout = 5 * time.Second
)

// Header is one header as seen on the wire: Name is spelled exactly as it
// was sent (case, dashes and underscores preserved).
type Header struct{ Name, Value string }

// Received is one request as an echo backend received it.
type Received struct {
	// Kind is KindHTTP, KindUWSGI or KindFastCGI.
	Kind string

	// HTTP only: the request line and its parts.
	RequestLine, Method, URI, Proto string
	// Headers holds the HTTP request headers in the order received, with
	// duplicates kept and names spelled as on the wire (HTTP only).
	Headers []Header
	// Raw is the request line and header block exactly as received,
	// CRLFs included (HTTP only).
	Raw string

	// Vars holds the uwsgi or FastCGI variables (HTTP_X_FOO, REMOTE_ADDR,
	// ...). When a name occurs more than once the last value wins, as in a
	// WSGI environ built by plain assignment; VarList has them all.
	Vars map[string]string
	// VarList holds the uwsgi or FastCGI variables in the order received.
	VarList []Header
	// Modifier1 and Modifier2 are the uwsgi packet header modifiers.
	Modifier1, Modifier2 byte

	// Body is the request body (at most 8 MiB of it).
	Body string
}

// Get returns the value of the first HTTP header whose name equals name
// ignoring ASCII case ("" when there is none). Dashes and underscores are
// distinct: Get("X-Client-DN") does not match a header sent as X_Client_DN.
func (r Received) Get(name string) string {
	if v := r.Values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns the values of all HTTP headers whose name equals name
// ignoring ASCII case, in order received.
func (r Received) Values(name string) []string {
	var out []string
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

// Has reports whether an HTTP header named name (ignoring ASCII case) was
// received.
func (r Received) Has(name string) bool { return len(r.Values(name)) > 0 }

// Header returns the HTTP headers keyed by their canonical MIME names, as
// Go's net/http (and so most frameworks) would present them.
func (r Received) Header() http.Header {
	h := make(http.Header, len(r.Headers))
	for _, x := range r.Headers {
		h.Add(textproto.CanonicalMIMEHeaderKey(x.Name), x.Value)
	}
	return h
}

// VarValues returns all values of the uwsgi or FastCGI variable name (exact
// match), in order received.
func (r Received) VarValues(name string) []string {
	var out []string
	for _, v := range r.VarList {
		if v.Name == name {
			out = append(out, v.Value)
		}
	}
	return out
}

// Backend is an echo upstream listening on 127.0.0.1 that records every
// request it receives and answers 200 "ok". It is closed in t.Cleanup.
type Backend struct {
	// Addr is the host:port to put into proxy_pass, uwsgi_pass, ...
	Addr string
	// Kind is KindHTTP, KindUWSGI or KindFastCGI.
	Kind string

	ln      net.Listener
	handler func(b *Backend, c net.Conn)
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	seen   []Received
}

// StartHTTPBackend starts an HTTP/1.x echo backend. It understands
// Content-Length and chunked bodies and keep-alive connections, and records
// header lines without any normalisation.
func StartHTTPBackend(t testing.TB) *Backend {
	t.Helper()
	return startBackend(t, KindHTTP, (*Backend).serveHTTP)
}

// StartUWSGIBackend starts a backend speaking the uwsgi protocol (as used
// by uwsgi_pass): it parses the packet header (modifier1, little-endian
// 16-bit size, modifier2) and the key/value variables that follow, reads
// CONTENT_LENGTH bytes of body, and replies "HTTP/1.1 200 OK" with body
// "ok" before closing the connection.
func StartUWSGIBackend(t testing.TB) *Backend {
	t.Helper()
	return startBackend(t, KindUWSGI, (*Backend).serveUWSGI)
}

// StartFastCGIBackend starts a FastCGI responder (as used by fastcgi_pass)
// that records the PARAMS it receives as Vars and the STDIN stream as Body,
// and replies "Status: 200 OK" with body "ok". It honours
// FCGI_KEEP_CONN (fastcgi_keep_conn on).
func StartFastCGIBackend(t testing.TB) *Backend {
	t.Helper()
	return startBackend(t, KindFastCGI, (*Backend).serveFastCGI)
}

// Last returns the most recent request received (the zero Received when
// there was none). Backends record a request before answering it, so after
// a Server.Request returns, Last reflects what nginx forwarded for it.
func (b *Backend) Last() Received {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seen) == 0 {
		return Received{}
	}
	return b.seen[len(b.seen)-1]
}

// All returns every request received so far, oldest first.
func (b *Backend) All() []Received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Received(nil), b.seen...)
}

// Count returns how many requests were received so far.
func (b *Backend) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.seen)
}

// Reset forgets the requests received so far.
func (b *Backend) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = nil
}

func (b *Backend) record(r Received) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = append(b.seen, r)
}

func startBackend(t testing.TB, kind string, handler func(*Backend, net.Conn)) *Backend {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("nginxtest: %s backend: %v", kind, err)
	}
	b := &Backend{Addr: ln.Addr().String(), Kind: kind, ln: ln, handler: handler, conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.acceptLoop()
	t.Cleanup(func() {
		if err := b.close(); err != nil {
			t.Errorf("nginxtest: %s backend %s: %v", kind, b.Addr, err)
		}
	})
	return b
}

func (b *Backend) acceptLoop() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return // listener closed
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			return
		}
		b.conns[c] = struct{}{}
		b.wg.Add(1)
		b.mu.Unlock()
		go func() {
			defer b.wg.Done()
			defer func() {
				b.mu.Lock()
				delete(b.conns, c)
				b.mu.Unlock()
				c.Close()
			}()
			c.SetDeadline(time.Now().Add(connIdleTimeout))
			b.handler(b, c)
		}()
	}
}

// close stops accepting, closes open connections and waits (bounded) for
// the connection goroutines.
func (b *Backend) close() error {
	b.mu.Lock()
	b.closed = true
	b.ln.Close()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(backendStopTimeout):
		return errors.New("connection handlers did not stop in time")
	}
}

// ---- HTTP ----

// serveHTTP answers HTTP/1.x requests on c until the client closes or asks
// for the connection to be closed.
func (b *Backend) serveHTTP(c net.Conn) {
	br := bufio.NewReaderSize(c, maxLine)
	for {
		r, keepAlive, err := readHTTPRequest(br)
		if err != nil {
			return
		}
		b.record(r)
		var resp strings.Builder
		resp.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-Echo-Backend: http\r\n")
		if !keepAlive {
			resp.WriteString("Connection: close\r\n")
		}
		resp.WriteString("\r\n")
		if r.Method != "HEAD" {
			resp.WriteString("ok")
		}
		if _, err := io.WriteString(c, resp.String()); err != nil || !keepAlive {
			return
		}
		c.SetDeadline(time.Now().Add(connIdleTimeout))
	}
}

// readLine reads one CRLF- or LF-terminated line without its terminator.
func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("header line too long")
		}
		return "", err
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	return string(line), nil
}

// readHTTPRequest reads one request, body included, and reports whether
// the connection may be kept open afterwards.
func readHTTPRequest(br *bufio.Reader) (Received, bool, error) {
	r := Received{Kind: KindHTTP}
	var raw strings.Builder
	line, err := readLine(br)
	if err != nil {
		return r, false, err
	}
	raw.WriteString(line + "\r\n")
	r.RequestLine = line
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 {
		return r, false, fmt.Errorf("malformed request line %q", line)
	}
	r.Method, r.URI, r.Proto = parts[0], parts[1], parts[2]
	for {
		line, err := readLine(br)
		if err != nil {
			return r, false, err
		}
		raw.WriteString(line + "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		r.Headers = append(r.Headers, Header{Name: name, Value: strings.Trim(value, " \t")})
	}
	r.Raw = raw.String()

	var body io.Reader
	chunked := false
	for _, te := range r.Values("Transfer-Encoding") {
		if strings.Contains(strings.ToLower(te), "chunked") {
			chunked = true
		}
	}
	switch {
	case chunked:
		body = httputil.NewChunkedReader(br)
	case r.Has("Content-Length"):
		n, err := strconv.ParseInt(r.Get("Content-Length"), 10, 64)
		if err != nil || n < 0 {
			return r, false, fmt.Errorf("bad Content-Length %q", r.Get("Content-Length"))
		}
		body = io.LimitReader(br, n)
	}
	if body != nil {
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(body, maxBody)); err != nil {
			return r, false, err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return r, false, err
		}
		r.Body = buf.String()
		if chunked { // skip trailers up to the blank line ending the message
			for {
				line, err := readLine(br)
				if err != nil {
					return r, false, err
				}
				if line == "" {
					break
				}
			}
		}
	}

	keepAlive := r.Proto == "HTTP/1.1"
	for _, v := range r.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(tok)) {
			case "close":
				keepAlive = false
			case "keep-alive":
				keepAlive = true
			}
		}
	}
	return r, keepAlive, nil
}

// ---- uwsgi ----

// serveUWSGI answers the single uwsgi request carried by c.
func (b *Backend) serveUWSGI(c net.Conn) {
	br := bufio.NewReader(c)
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return
	}
	r := Received{Kind: KindUWSGI, Modifier1: hdr[0], Modifier2: hdr[3], Vars: map[string]string{}}
	packet := make([]byte, binary.LittleEndian.Uint16(hdr[1:3]))
	if _, err := io.ReadFull(br, packet); err != nil {
		return
	}
	for len(packet) > 0 {
		var kv [2]string
		for i := range kv {
			if len(packet) < 2 {
				return
			}
			n := int(binary.LittleEndian.Uint16(packet))
			if len(packet) < 2+n {
				return
			}
			kv[i] = string(packet[2 : 2+n])
			packet = packet[2+n:]
		}
		r.VarList = append(r.VarList, Header{Name: kv[0], Value: kv[1]})
		r.Vars[kv[0]] = kv[1]
	}
	if n, err := strconv.ParseInt(r.Vars["CONTENT_LENGTH"], 10, 64); err == nil && n > 0 {
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(br, min(n, maxBody))); err != nil {
			return
		}
		r.Body = buf.String()
	}
	b.record(r)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-Echo-Backend: uwsgi\r\n\r\nok")
	// Signal the end of the response, then drain whatever nginx still sends
	// (a body we did not read) so that closing does not reset the
	// connection under nginx's feet.
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, br)
}

// ---- FastCGI ----

// FastCGI record types used here.
const (
	fcgiBeginRequest = 1
	fcgiAbortRequest = 2
	fcgiEndRequest   = 3
	fcgiParams       = 4
	fcgiStdin        = 5
	fcgiStdout       = 6
	fcgiGetValues    = 9
	fcgiGetValuesRes = 10
	fcgiUnknownType  = 11
	fcgiKeepConn     = 1
)

// serveFastCGI answers FastCGI requests on c, one at a time.
func (b *Backend) serveFastCGI(c net.Conn) {
	br := bufio.NewReader(c)
	var (
		id       uint16
		keepConn bool
		params   bytes.Buffer
		stdin    bytes.Buffer
	)
	for {
		typ, reqID, content, err := readFCGIRecord(br)
		if err != nil {
			return
		}
		switch typ {
		case fcgiBeginRequest:
			if len(content) < 3 {
				return
			}
			id, keepConn = reqID, content[2]&fcgiKeepConn != 0
			params.Reset()
			stdin.Reset()
		case fcgiParams:
			params.Write(content)
		case fcgiStdin:
			if len(content) > 0 {
				if stdin.Len() < maxBody {
					stdin.Write(content[:min(len(content), maxBody-stdin.Len())])
				}
				continue
			}
			r := Received{Kind: KindFastCGI, Vars: map[string]string{}, Body: stdin.String()}
			r.VarList = parseFCGIPairs(params.Bytes())
			for _, v := range r.VarList {
				r.Vars[v.Name] = v.Value
			}
			b.record(r)
			out := "Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-Echo-Backend: fastcgi\r\n\r\nok"
			if writeFCGIRecord(c, fcgiStdout, id, []byte(out)) != nil ||
				writeFCGIRecord(c, fcgiStdout, id, nil) != nil ||
				writeFCGIRecord(c, fcgiEndRequest, id, make([]byte, 8)) != nil {
				return
			}
			if !keepConn {
				return
			}
			c.SetDeadline(time.Now().Add(connIdleTimeout))
		case fcgiAbortRequest:
			if writeFCGIRecord(c, fcgiEndRequest, reqID, make([]byte, 8)) != nil || !keepConn {
				return
			}
		case fcgiGetValues:
			if writeFCGIRecord(c, fcgiGetValuesRes, 0, nil) != nil {
				return
			}
		default:
			body := make([]byte, 8)
			body[0] = typ
			if writeFCGIRecord(c, fcgiUnknownType, 0, body) != nil {
				return
			}
		}
	}
}

// readFCGIRecord reads one record: version, type, request id (big-endian),
// content length (big-endian), padding length, reserved, then content and
// padding.
func readFCGIRecord(br *bufio.Reader) (typ byte, id uint16, content []byte, err error) {
	var h [8]byte
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return
	}
	if h[0] != 1 {
		return 0, 0, nil, fmt.Errorf("fastcgi: unsupported version %d", h[0])
	}
	typ, id = h[1], binary.BigEndian.Uint16(h[2:4])
	content = make([]byte, int(binary.BigEndian.Uint16(h[4:6]))+int(h[6]))
	if _, err = io.ReadFull(br, content); err != nil {
		return
	}
	return typ, id, content[:binary.BigEndian.Uint16(h[4:6])], nil
}

func writeFCGIRecord(w io.Writer, typ byte, id uint16, content []byte) error {
	for {
		n := min(len(content), 0xffff)
		h := []byte{1, typ, byte(id >> 8), byte(id), byte(n >> 8), byte(n), 0, 0}
		if _, err := w.Write(append(h, content[:n]...)); err != nil {
			return err
		}
		content = content[n:]
		if len(content) == 0 {
			return nil
		}
	}
}

// parseFCGIPairs decodes FastCGI name-value pairs; each length is one byte,
// or four big-endian bytes with the top bit set.
func parseFCGIPairs(p []byte) []Header {
	var out []Header
	readLen := func() (int, bool) {
		if len(p) == 0 {
			return 0, false
		}
		if p[0]&0x80 == 0 {
			n := int(p[0])
			p = p[1:]
			return n, true
		}
		if len(p) < 4 {
			return 0, false
		}
		n := int(binary.BigEndian.Uint32(p) & 0x7fffffff)
		p = p[4:]
		return n, true
	}
	for len(p) > 0 {
		nl, ok1 := readLen()
		vl, ok2 := readLen()
		if !ok1 || !ok2 || nl+vl > len(p) {
			return out
		}
		out = append(out, Header{Name: string(p[:nl]), Value: string(p[nl : nl+vl])})
		p = p[nl+vl:]
	}
	return out
}
