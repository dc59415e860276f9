package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// JSON-RPC 2.0 error codes used by the server (LSP adds the -320xx ones).
const (
	codeParseError           = -32700
	codeInvalidRequest       = -32600
	codeMethodNotFound       = -32601
	codeInvalidParams        = -32602
	codeInternalError        = -32603
	codeServerNotInitialized = -32002
)

// maxMessage bounds one message's body so a corrupt header cannot make the
// server allocate without limit.
const maxMessage = 256 << 20

// message is any JSON-RPC 2.0 message: a request (ID and Method), a
// notification (Method only) or a response (ID and Result or Error).
type message struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id,omitempty"`
	Method  string           `json:"method,omitempty"`
	Params  json.RawMessage  `json:"params,omitempty"`
	Result  json.RawMessage  `json:"result,omitempty"`
	Error   *rpcError        `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// readFrame reads one Content-Length framed message body. It returns io.EOF
// only when the stream ends cleanly between messages.
func readFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	headers := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && line == "" && headers == 0 {
				return nil, io.EOF
			}
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if headers == 0 {
				continue // tolerate stray blank lines between messages
			}
			break
		}
		headers++
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("malformed header %q", line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		}
	}
	if length < 0 {
		return nil, errors.New("message without Content-Length header")
	}
	if length > maxMessage {
		return nil, fmt.Errorf("message of %d bytes exceeds the %d byte limit", length, maxMessage)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// writeFrame writes one framed message.
func writeFrame(w io.Writer, body []byte) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Content-Length: %d\r\n\r\n", len(body))
	buf.Write(body)
	_, err := w.Write(buf.Bytes())
	return err
}

// outbox serialises everything the server sends on one writer goroutine, so
// neither the reader nor the analysis worker ever blocks on a slow client,
// and messages leave in the order they were queued.
type outbox struct {
	w    io.Writer
	logf func(string, ...any)

	mu     sync.Mutex
	queue  [][]byte
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

func newOutbox(w io.Writer, logf func(string, ...any)) *outbox {
	o := &outbox{w: w, logf: logf, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go o.loop()
	return o
}

func (o *outbox) loop() {
	defer close(o.done)
	broken := false
	for {
		o.mu.Lock()
		batch := o.queue
		o.queue = nil
		closed := o.closed
		o.mu.Unlock()
		for _, b := range batch {
			if broken {
				continue
			}
			if err := writeFrame(o.w, b); err != nil {
				o.logf("write: %v (dropping further output)", err)
				broken = true
			}
		}
		if closed && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-o.wake
		}
	}
}

// send queues a message; it never blocks on I/O.
func (o *outbox) send(m *message) {
	m.JSONRPC = "2.0"
	b, err := json.Marshal(m)
	if err != nil {
		o.logf("marshal: %v", err)
		return
	}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	o.queue = append(o.queue, b)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// close stops accepting messages and waits (at most timeout) until the
// queued ones are written.
func (o *outbox) close(timeout time.Duration) {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	select {
	case <-o.done:
	case <-time.After(timeout):
		o.logf("output not drained after %v; giving up", timeout)
	}
}

func (o *outbox) notify(method string, params any) {
	raw, err := json.Marshal(params)
	if err != nil {
		o.logf("marshal %s: %v", method, err)
		return
	}
	o.send(&message{Method: method, Params: raw})
}

// request sends a request to the client. The server never waits for the
// response (the read loop skips responses).
func (o *outbox) request(id int, method string, params any) {
	raw, err := json.Marshal(params)
	if err != nil {
		o.logf("marshal %s: %v", method, err)
		return
	}
	rid := json.RawMessage(fmt.Sprintf(`"djleak-%d"`, id))
	o.send(&message{ID: &rid, Method: method, Params: raw})
}

func (o *outbox) reply(id *json.RawMessage, result any) {
	raw, err := json.Marshal(result)
	if err != nil {
		o.replyError(id, codeInternalError, err.Error())
		return
	}
	o.send(&message{ID: id, Result: raw})
}

func (o *outbox) replyError(id *json.RawMessage, code int, msg string) {
	if id == nil {
		null := json.RawMessage("null")
		id = &null
	}
	o.send(&message{ID: id, Error: &rpcError{Code: code, Message: msg}})
}
