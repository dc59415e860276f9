package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/rules"
)

// wait bounds every wait for the server in these tests.
const wait = 20 * time.Second

// testClient is a scripted LSP client talking to Serve over pipes, or to
// the real binary over its standard input and output (binary_test.go).
type testClient struct {
	t       testing.TB
	w       io.WriteCloser
	msgs    chan *message
	backlog []*message
	nextID  int
	exit    chan int
	// timeout bounds each wait for the server; 0 means wait.
	timeout time.Duration
}

func (c *testClient) wait() time.Duration {
	if c.timeout > 0 {
		return c.timeout
	}
	return wait
}

func startServer(t *testing.T, opts Options) *testClient {
	t.Helper()
	if opts.Debounce == 0 {
		opts.Debounce = 30 * time.Millisecond
	}
	if testing.Verbose() {
		opts.Log = testLog{t}
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := newTestClient(t, inW, outR)
	go func() {
		c.exit <- Serve(inR, outW, opts)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-c.exit:
		case <-time.After(wait):
			t.Errorf("server did not stop after its input closed")
		}
		outR.Close()
	})
	return c
}

// newTestClient reads the server's messages from r; the caller sends the
// server's exit code on c.exit.
func newTestClient(t testing.TB, w io.WriteCloser, r io.Reader) *testClient {
	c := &testClient{t: t, w: w, msgs: make(chan *message, 1000), exit: make(chan int, 1)}
	go func() {
		defer close(c.msgs)
		r := bufio.NewReader(r)
		for {
			body, err := readFrame(r)
			if err != nil {
				return
			}
			var m message
			if err := json.Unmarshal(body, &m); err != nil {
				t.Errorf("server sent invalid JSON %q: %v", body, err)
				return
			}
			if m.JSONRPC != "2.0" {
				t.Errorf("server message without jsonrpc 2.0: %s", body)
			}
			c.msgs <- &m
		}
	}()
	return c
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func (c *testClient) send(m *message) {
	c.t.Helper()
	m.JSONRPC = "2.0"
	b, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := writeFrame(c.w, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *testClient) notify(method string, params any) {
	c.t.Helper()
	raw, _ := json.Marshal(params)
	c.send(&message{Method: method, Params: raw})
}

// call sends a request and waits for its response; notifications that
// arrive meanwhile are kept for later.
func (c *testClient) call(method string, params any) *message {
	c.t.Helper()
	c.nextID++
	id := json.RawMessage(fmt.Sprint(c.nextID))
	raw, _ := json.Marshal(params)
	c.send(&message{ID: &id, Method: method, Params: raw})
	deadline := time.After(c.wait())
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("server closed its output while waiting for the %s response", method)
			}
			if m.Method == "" && m.ID != nil && string(*m.ID) == string(id) {
				return m
			}
			c.backlog = append(c.backlog, m)
		case <-deadline:
			c.t.Fatalf("no response to %s within %v", method, c.wait())
		}
	}
}

// next returns the next notification, from the backlog first.
func (c *testClient) next(d time.Duration) (*message, bool) {
	if len(c.backlog) > 0 {
		m := c.backlog[0]
		c.backlog = c.backlog[1:]
		return m, true
	}
	select {
	case m, ok := <-c.msgs:
		return m, ok
	case <-time.After(d):
		return nil, false
	}
}

// diagnostics waits for a publishDiagnostics for uri that satisfies ok,
// skipping earlier ones.
func (c *testClient) diagnostics(uri string, ok func(PublishDiagnosticsParams) bool) PublishDiagnosticsParams {
	c.t.Helper()
	deadline := time.Now().Add(c.wait())
	var last *PublishDiagnosticsParams
	for time.Now().Before(deadline) {
		m, more := c.next(time.Until(deadline))
		if !more {
			break
		}
		if m.Method != "textDocument/publishDiagnostics" {
			continue
		}
		var p PublishDiagnosticsParams
		if err := json.Unmarshal(m.Params, &p); err != nil {
			c.t.Fatal(err)
		}
		if p.Diagnostics == nil {
			c.t.Errorf("publishDiagnostics for %s has null diagnostics; the specification wants an array", p.URI)
		}
		if p.URI != uri {
			continue
		}
		if ok(p) {
			return p
		}
		last = &p
	}
	got := "nothing"
	if last != nil {
		b, _ := json.MarshalIndent(last, "", "  ")
		got = string(b)
	}
	c.t.Fatalf("no matching diagnostics for %s within %v; last: %s", uri, c.wait(), got)
	return PublishDiagnosticsParams{}
}

// expectMessage waits for a notification with the given method.
func (c *testClient) expectMessage(method string) *message {
	c.t.Helper()
	deadline := time.Now().Add(c.wait())
	for time.Now().Before(deadline) {
		m, more := c.next(time.Until(deadline))
		if !more {
			break
		}
		if m.Method == method {
			return m
		}
	}
	c.t.Fatalf("no %s within %v", method, c.wait())
	return nil
}

func (c *testClient) initialize(root string) InitializeResult {
	c.t.Helper()
	params := map[string]any{"processId": nil, "capabilities": map[string]any{}}
	if root != "" {
		params["rootUri"] = fileURI(root)
		params["workspaceFolders"] = []WorkspaceFolder{{URI: fileURI(root), Name: "p"}}
	} else {
		params["rootUri"] = nil
	}
	resp := c.call("initialize", params)
	if resp.Error != nil {
		c.t.Fatalf("initialize: %v", resp.Error)
	}
	var res InitializeResult
	if err := json.Unmarshal(resp.Result, &res); err != nil {
		c.t.Fatal(err)
	}
	c.notify("initialized", map[string]any{})
	return res
}

func (c *testClient) open(path, lang string, version int32, text string) string {
	c.t.Helper()
	uri := fileURI(path)
	c.notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: lang, Version: version, Text: text}})
	return uri
}

func (c *testClient) change(uri string, version int32, text string) {
	c.t.Helper()
	c.notify("textDocument/didChange", DidChangeTextDocumentParams{
		TextDocument:   VersionedTextDocumentIdentifier{URI: uri, Version: version},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: text}},
	})
}

// initializeWatching initializes as a client that registers file watchers
// dynamically and returns the server's client/registerCapability request.
func (c *testClient) initializeWatching(root string) *message {
	c.t.Helper()
	params := map[string]any{
		"processId": nil, "rootUri": fileURI(root),
		"capabilities": map[string]any{"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}}},
	}
	if resp := c.call("initialize", params); resp.Error != nil {
		c.t.Fatal(resp.Error)
	}
	c.notify("initialized", map[string]any{})
	return c.expectMessage("client/registerCapability")
}

// shutdown performs an orderly shutdown and checks the exit code.
func (c *testClient) shutdown() {
	c.t.Helper()
	resp := c.call("shutdown", nil)
	if resp.Error != nil || string(resp.Result) != "null" {
		c.t.Fatalf("shutdown: result %s error %v", resp.Result, resp.Error)
	}
	c.notify("exit", nil)
	select {
	case code := <-c.exit:
		if code != 0 {
			c.t.Errorf("exit after shutdown: code %d, want 0", code)
		}
		c.exit <- code // for the cleanup
	case <-time.After(c.wait()):
		c.t.Fatalf("server did not exit")
	}
}

func codes(p PublishDiagnosticsParams) []string {
	var out []string
	for _, d := range p.Diagnostics {
		out = append(out, fmt.Sprint(d.Code))
	}
	return out
}

func only(id string) func(PublishDiagnosticsParams) bool {
	return func(p PublishDiagnosticsParams) bool {
		return len(p.Diagnostics) == 1 && p.Diagnostics[0].Code == id
	}
}

// codesAre matches diagnostics whose codes are exactly ids, in order.
func codesAre(ids ...string) func(PublishDiagnosticsParams) bool {
	return func(p PublishDiagnosticsParams) bool {
		return strings.Join(codes(p), ",") == strings.Join(ids, ",")
	}
}

func empty(p PublishDiagnosticsParams) bool { return len(p.Diagnostics) == 0 }

func atVersion(v int32, ok func(PublishDiagnosticsParams) bool) func(PublishDiagnosticsParams) bool {
	return func(p PublishDiagnosticsParams) bool {
		return p.Version != nil && *p.Version == v && ok(p)
	}
}

// The view trusts HTTP_X_CLIENT_DN because the verify header is truthy
// (DJL302). The emoji before the finding on its line take two UTF-16 code
// units each, so the LSP character differs from the code-point column.
const wrongGuardView = `# 🎉 party
def client_dn(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY"):
        label = "🎉🎉"; return request.META.get("HTTP_X_CLIENT_DN")
    return None
`

const rightGuardView = `# 🎉 party
def client_dn(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY", "").upper() == "SUCCESS":
        label = "🎉🎉"; return request.META.get("HTTP_X_CLIENT_DN")
    return None
`

const noIdentityView = `# 🎉 party
def client_dn(request):
    return None
`

// A TLS server that proxies to Django without ssl_verify_client: NGX101
// fires because the Django code reads client-identity headers.
const siteConf = `server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-Verify "";
        proxy_set_header X-Client-DN "";
    }
}
`

func TestInitializeCapabilities(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+noIdentityView)
	c := startServer(t, Options{Version: "1.2.3"})
	res := c.initialize(dir)
	if res.ServerInfo.Name != "djleak" || res.ServerInfo.Version != "1.2.3" {
		t.Errorf("serverInfo = %+v", res.ServerInfo)
	}
	sync := res.Capabilities.TextDocumentSync
	if !sync.OpenClose || sync.Change != 1 || sync.Save == nil || sync.Save.IncludeText {
		t.Errorf("textDocumentSync = %+v", sync)
	}
	if k := res.Capabilities.CodeActionProvider.CodeActionKinds; len(k) != 1 || k[0] != "quickfix" {
		t.Errorf("codeActionKinds = %v", k)
	}
	c.shutdown()
}

func TestDiagnosticsThenFix(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	c.initialize(dir)
	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)

	p := c.diagnostics(uri, atVersion(1, only("DJL302")))
	d := p.Diagnostics[0]
	// `        label = "🎉🎉"; return ` is 29 code points and 31 UTF-16 units.
	want := Range{Start: Position{Line: 3, Character: 31}, End: Position{Line: 3, Character: 31 + len(`request.META.get("HTTP_X_CLIENT_DN")`)}}
	if d.Range != want {
		t.Errorf("range = %+v, want %+v", d.Range, want)
	}
	if d.Severity != SeverityError || d.Source != "djleak" {
		t.Errorf("severity %d source %q", d.Severity, d.Source)
	}
	if d.CodeDescription == nil || d.CodeDescription.Href != rules.Lookup("DJL302").HelpURI() {
		t.Errorf("codeDescription = %+v", d.CodeDescription)
	}
	if !strings.Contains(d.Message, "HTTP_X_CLIENT_DN") {
		t.Errorf("message = %q", d.Message)
	}
	if len(d.RelatedInformation) == 0 || d.RelatedInformation[0].Location.URI != uri ||
		d.RelatedInformation[0].Location.Range.Start.Line != 2 {
		t.Errorf("relatedInformation = %+v", d.RelatedInformation)
	}

	c.change(uri, 2, rightGuardView)
	c.diagnostics(uri, atVersion(2, empty))

	// Back to the bug, then close: the close clears the document.
	c.change(uri, 3, wrongGuardView)
	c.diagnostics(uri, atVersion(3, only("DJL302")))
	c.notify("textDocument/didClose", DidCloseTextDocumentParams{TextDocument: TextDocumentIdentifier{URI: uri}})
	p = c.diagnostics(uri, func(PublishDiagnosticsParams) bool { return true })
	if len(p.Diagnostics) != 0 || p.Version != nil {
		t.Errorf("after didClose: %+v", p)
	}
	c.shutdown()
}

func TestCrossFileRepublish(t *testing.T) {
	dir := analyzertest.Write(t, "-- nginx/site.conf --\n"+siteConf+"-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	c.initialize(dir)
	confURI := c.open(filepath.Join(dir, "nginx", "site.conf"), "nginx", 1, siteConf)
	p := c.diagnostics(confURI, only("NGX101"))
	d := p.Diagnostics[0]
	if d.Range.Start != (Position{Line: 0, Character: 0}) {
		t.Errorf("NGX101 range = %+v", d.Range)
	}
	viewsURI := fileURI(filepath.Join(dir, "app", "views.py"))
	foundRead := false
	for _, r := range d.RelatedInformation {
		foundRead = foundRead || (r.Location.URI == viewsURI && r.Location.Range.Start.Line == 2)
	}
	if !foundRead {
		t.Errorf("NGX101 related information lacks the Django read in views.py: %+v", d.RelatedInformation)
	}

	c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	// views.py shows its own DJL302 and, on the read that makes it fire,
	// the nginx file's NGX101 with the nginx location as related
	// information.
	p = c.diagnostics(viewsURI, atVersion(1, codesAre("DJL302", "NGX101")))
	for _, d := range p.Diagnostics {
		if d.Code != "NGX101" {
			continue
		}
		if d.Range.Start.Line != 2 {
			t.Errorf("NGX101 in views.py is not on the read (line 3): %+v", d.Range)
		}
		if !strings.Contains(d.Message, "(reported at nginx/site.conf:1:1, where the fix goes)") {
			t.Errorf("NGX101 in views.py does not say where it is reported: %q", d.Message)
		}
		if len(d.RelatedInformation) == 0 || d.RelatedInformation[0].Location.URI != confURI ||
			d.RelatedInformation[0].Location.Range.Start != (Position{}) {
			t.Errorf("NGX101 in views.py does not lead its related information with the nginx location: %+v", d.RelatedInformation)
		}
		if d.Data == nil || d.Data.ReportedAt != confURI {
			t.Errorf("NGX101 in views.py: data = %+v", d.Data)
		}
		// No quick fix here: the suppression would belong in nginx/site.conf.
		resp := c.call("textDocument/codeAction", CodeActionParams{
			TextDocument: TextDocumentIdentifier{URI: viewsURI},
			Range:        d.Range,
			Context:      CodeActionContext{Diagnostics: []Diagnostic{d}},
		})
		var actions []CodeAction
		json.Unmarshal(resp.Result, &actions)
		for _, a := range actions {
			if strings.Contains(a.Title, "NGX101") {
				t.Errorf("quick fix offered for the mirrored NGX101: %+v", a)
			}
		}
	}
	// Opening views.py republishes the nginx file too.
	c.diagnostics(confURI, only("NGX101"))

	// The unsaved buffer no longer reads identity headers: the nginx
	// file's NGX101 depended on that read and goes away.
	c.change(viewsURI, 2, noIdentityView)
	c.diagnostics(viewsURI, atVersion(2, empty))
	c.diagnostics(confURI, empty)

	// And comes back with the read.
	c.change(viewsURI, 3, wrongGuardView)
	c.diagnostics(confURI, only("NGX101"))
	c.shutdown()
}

func TestSuppressQuickFix(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	c.initialize(dir)
	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	p := c.diagnostics(uri, atVersion(1, only("DJL302")))

	resp := c.call("textDocument/codeAction", CodeActionParams{
		TextDocument: TextDocumentIdentifier{URI: uri},
		Range:        Range{Start: Position{Line: 3, Character: 0}, End: Position{Line: 3, Character: 0}},
		Context:      CodeActionContext{Diagnostics: p.Diagnostics},
	})
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	var actions []CodeAction
	if err := json.Unmarshal(resp.Result, &actions); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 1 {
		t.Fatalf("got %d actions, want 1: %s", len(actions), resp.Result)
	}
	a := actions[0]
	if a.Title != "Suppress DJL302 on this line" || a.Kind != "quickfix" || a.Edit == nil {
		t.Fatalf("action = %+v", a)
	}
	edits := a.Edit.Changes[uri]
	line := strings.Split(wrongGuardView, "\n")[3]
	end := Position{Line: 3, Character: utf16Len(line)}
	wantEdit := TextEdit{Range: Range{Start: end, End: end}, NewText: " # djleak: ignore[DJL302] -- " + PlaceholderReason}
	if len(edits) != 1 || edits[0] != wantEdit {
		t.Fatalf("edits = %+v, want %+v", edits, wantEdit)
	}

	// Apply it as a client would and send the result.
	text := string(applyChange([]byte(wrongGuardView), TextDocumentContentChangeEvent{Range: &edits[0].Range, Text: edits[0].NewText}))
	if !strings.Contains(text, `return request.META.get("HTTP_X_CLIENT_DN") # djleak: ignore[DJL302] -- TODO`) {
		t.Fatalf("edited text:\n%s", text)
	}
	c.change(uri, 2, text)
	// Suppressed, with a reason (no DJL002) and used (no DJL003).
	c.diagnostics(uri, atVersion(2, empty))

	// With the diagnostic gone there is nothing to offer.
	resp = c.call("textDocument/codeAction", CodeActionParams{
		TextDocument: TextDocumentIdentifier{URI: uri},
		Range:        Range{Start: Position{Line: 3, Character: 0}, End: Position{Line: 3, Character: 0}},
	})
	if string(resp.Result) != "[]" {
		t.Errorf("code actions without diagnostics: %s", resp.Result)
	}
	c.shutdown()
}

func TestSuppressionEdit(t *testing.T) {
	pos := func(l, c int) Range { return Range{Start: Position{l, c}, End: Position{l, c}} }
	for _, tc := range []struct {
		name, text string
		line       int
		style      commentStyle
		want       *TextEdit
	}{
		{"python", "x = 1\ny = f()  \n", 1, pythonComment,
			&TextEdit{Range{Position{1, 7}, Position{1, 9}}, " # djleak: ignore[DJL401] -- " + PlaceholderReason}},
		{"nginx", "server {\n    listen 443 ssl;\n", 0, hashComment,
			&TextEdit{pos(0, 8), " # djleak: ignore[DJL401] -- " + PlaceholderReason}},
		{"template", "<p>{{ token }}</p>\r\n", 0, templateComment,
			&TextEdit{pos(0, 18), " {# djleak: ignore[DJL401] -- " + PlaceholderReason + " #}"}},
		{"utf16", "s = '𝄞' \n", 0, pythonComment,
			&TextEdit{Range{Position{0, 8}, Position{0, 9}}, " # djleak: ignore[DJL401] -- " + PlaceholderReason}},
		{"merge", "x = 1  # djleak: ignore[DJL402] -- cookie is set elsewhere\n", 0, pythonComment,
			&TextEdit{pos(0, 30), ", DJL401"}},
		{"merge template", "{# djleak: ignore[] -- x #}\n", 0, templateComment,
			&TextEdit{pos(0, 18), "DJL401"}},
		{"already covered by a prefix", "x = 1  # djleak: ignore[DJL4] -- reason\n", 0, pythonComment, nil},
		{"continuation", "if a:\n    x = 1 + \\\n        2\n", 1, pythonComment,
			&TextEdit{pos(1, 0), "    # djleak: ignore[DJL401] -- " + PlaceholderReason + "\n"}},
		{"continuation after continuation", "x = 1 + \\\n    2 + \\\n    3\n", 1, pythonComment, nil},
		{"line past the end", "x = 1\n", 4, pythonComment, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := suppressionEdit([]byte(tc.text), tc.line, "DJL401", tc.style)
			if tc.want == nil {
				if ok {
					t.Errorf("got edit %+v, want none", got)
				}
				return
			}
			if !ok || got != *tc.want {
				t.Errorf("got %+v (ok %v), want %+v", got, ok, *tc.want)
			}
		})
	}
}

func TestConfigErrorShowsMessage(t *testing.T) {
	dir := analyzertest.Write(t, "-- .djleak.toml --\nbogus-key = 1\n-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	c.initialize("") // no workspace: the root comes from the file (its .djleak.toml)
	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	m := c.expectMessage("window/showMessage")
	var sm ShowMessageParams
	if err := json.Unmarshal(m.Params, &sm); err != nil {
		t.Fatal(err)
	}
	if sm.Type != MessageError || !strings.Contains(sm.Message, "bogus-key") {
		t.Errorf("showMessage = %+v", sm)
	}
	// Fixing the configuration on disk and saving brings diagnostics.
	if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("ignore = [\"NGX\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("textDocument/didSave", DidSaveTextDocumentParams{TextDocument: TextDocumentIdentifier{URI: uri}})
	c.diagnostics(uri, only("DJL302"))
	c.shutdown()
}

func TestDebounceCoalescesChanges(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{Debounce: 300 * time.Millisecond})
	c.initialize(dir)
	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	c.diagnostics(uri, atVersion(1, only("DJL302")))
	for v := int32(2); v <= 20; v++ {
		text := rightGuardView
		if v%2 == 0 {
			text = wrongGuardView
		}
		c.change(uri, v, text)
	}
	c.diagnostics(uri, atVersion(20, only("DJL302")))
	// Nothing else is published: the burst was linted once.
	if m, ok := c.next(500 * time.Millisecond); ok {
		t.Errorf("unexpected message after the burst: %s %s", m.Method, m.Params)
	}
	c.shutdown()
}

func TestProtocolErrors(t *testing.T) {
	c := startServer(t, Options{})
	// Before initialize, requests fail with ServerNotInitialized.
	if resp := c.call("textDocument/codeAction", map[string]any{}); resp.Error == nil || resp.Error.Code != codeServerNotInitialized {
		t.Errorf("request before initialize: %+v", resp.Error)
	}
	c.initialize(t.TempDir())
	if resp := c.call("workspace/symbol", map[string]any{"query": "x"}); resp.Error == nil || resp.Error.Code != codeMethodNotFound {
		t.Errorf("unknown request: %+v", resp.Error)
	}
	c.notify("custom/unknownNotification", map[string]any{})
	c.notify("$/cancelRequest", map[string]any{"id": 99})
	// Invalid JSON gets a parse error with a null id.
	if err := writeFrame(c.w, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	m, ok := c.next(wait)
	if !ok || m.Error == nil || m.Error.Code != codeParseError || m.ID != nil { // "id": null decodes to nil
		t.Errorf("after invalid JSON: %+v", m)
	}
	// The server still answers.
	if resp := c.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: "file:///nonexistent/x.py"}}); resp.Error != nil || string(resp.Result) != "[]" {
		t.Errorf("codeAction on an unknown document: %s %+v", resp.Result, resp.Error)
	}
	resp := c.call("shutdown", nil)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	if resp := c.call("textDocument/codeAction", map[string]any{}); resp.Error == nil || resp.Error.Code != codeInvalidRequest {
		t.Errorf("request after shutdown: %+v", resp.Error)
	}
	c.notify("exit", nil)
	select {
	case code := <-c.exit:
		if code != 0 {
			t.Errorf("exit code %d, want 0", code)
		}
		c.exit <- code
	case <-time.After(wait):
		t.Fatal("no exit")
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	c := startServer(t, Options{})
	c.initialize(t.TempDir())
	c.notify("exit", nil)
	select {
	case code := <-c.exit:
		if code != 1 {
			t.Errorf("exit without shutdown: code %d, want 1", code)
		}
		c.exit <- code
	case <-time.After(wait):
		t.Fatal("no exit")
	}
}

// A client may deliver a message in arbitrarily small pieces.
func TestPartialReads(t *testing.T) {
	c := startServer(t, Options{})
	body := `{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`
	frame := fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	for i := 0; i < len(frame); i++ {
		if _, err := c.w.Write([]byte{frame[i]}); err != nil {
			t.Fatal(err)
		}
	}
	m, ok := c.next(wait)
	if !ok || m.ID == nil || string(*m.ID) != "7" || m.Error != nil || !strings.Contains(string(m.Result), `"djleak"`) {
		t.Fatalf("response: %+v", m)
	}
	c.shutdown()
}

func TestReadFrame(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"Content-Length: 2\r\n\r\n{}", "{}", ""},
		{"content-length:2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]", "[]", ""},
		{"\r\nContent-Length: 2\n\n{}", "{}", ""},
		{"Content-Length: 5\r\n\r\n{}", "", "unexpected EOF"},
		{"Content-Type: x\r\n\r\n{}", "", "without Content-Length"},
		{"Content-Length: -1\r\n\r\n", "", "bad Content-Length"},
		{"", "", "EOF"},
	} {
		got, err := readFrame(bufio.NewReader(strings.NewReader(tc.in)))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q, %v", tc.in, got, err)
		}
	}
}

func TestErrorWithoutIDHasNullID(t *testing.T) {
	var buf bytes.Buffer
	o := newOutbox(&buf, t.Logf)
	o.replyError(nil, codeParseError, "bad")
	o.close(wait)
	if want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}`; !strings.HasSuffix(buf.String(), "\r\n\r\n"+want) {
		t.Errorf("got %q, want body %s", buf.String(), want)
	}
}

func TestURIs(t *testing.T) {
	p := filepath.FromSlash("/tmp/a dir/ü#1.py")
	uri := fileURI(p)
	if uri != "file:///tmp/a%20dir/%C3%BC%231.py" {
		t.Errorf("fileURI = %q", uri)
	}
	if got := uriPath(uri); got != p {
		t.Errorf("uriPath(%q) = %q", uri, got)
	}
	if got := uriPath("untitled:Untitled-1"); got != "" {
		t.Errorf("uriPath(untitled) = %q", got)
	}
}

// A change that arrives while a lint runs makes its results stale: they
// are dropped, and only the newer version's diagnostics are published.
func TestStaleResultsDropped(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	uri := fileURI(filepath.Join(dir, "app", "views.py"))
	hooked := false
	testHookAfterAnalyze = func(s *server, gen uint64) {
		if hooked {
			return
		}
		hooked = true
		body, _ := json.Marshal(&message{JSONRPC: "2.0", Method: "textDocument/didChange", Params: mustJSON(DidChangeTextDocumentParams{
			TextDocument:   VersionedTextDocumentIdentifier{URI: uri, Version: 2},
			ContentChanges: []TextDocumentContentChangeEvent{{Text: rightGuardView}},
		})})
		if err := writeFrame(c.w, body); err != nil {
			t.Error(err)
			return
		}
		for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			s.mu.Lock()
			now := s.gen
			s.mu.Unlock()
			if now != gen {
				return
			}
		}
		t.Error("the change did not arrive while the lint ran")
	}
	defer func() { testHookAfterAnalyze = nil }()
	c.initialize(dir)
	c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	p := c.diagnostics(uri, func(PublishDiagnosticsParams) bool { return true })
	if p.Version == nil || *p.Version != 2 || len(p.Diagnostics) != 0 {
		t.Errorf("first publication: %+v; want version 2 without diagnostics (version 1's were stale)", p)
	}
	c.shutdown()
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Serve leaves no goroutines behind.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
		inR, inW := io.Pipe()
		done := make(chan int, 1)
		go func() { done <- Serve(inR, io.Discard, Options{Debounce: time.Millisecond}) }()
		send := func(method string, id int, params any) {
			m := &message{JSONRPC: "2.0", Method: method, Params: mustJSON(params)}
			if id > 0 {
				raw := json.RawMessage(fmt.Sprint(id))
				m.ID = &raw
			}
			b, _ := json.Marshal(m)
			if err := writeFrame(inW, b); err != nil {
				t.Fatal(err)
			}
		}
		send("initialize", 1, map[string]any{"rootUri": fileURI(dir)})
		send("textDocument/didOpen", 0, DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: fileURI(filepath.Join(dir, "app", "views.py")), Version: 1, Text: wrongGuardView}})
		time.Sleep(200 * time.Millisecond)
		send("shutdown", 2, nil)
		send("exit", 0, nil)
		select {
		case <-done:
		case <-time.After(wait):
			t.Fatal("no exit")
		}
		inW.Close()
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n := runtime.NumGoroutine()
		if n <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestRootLikeStdin: for the same file, the language server picks the
// project root that `djleak check --stdin-filename FILE -` picks (the
// analyzer's Load with the file as an overlay), whatever workspace folder
// the editor opened; with no project marker above it, both use the file's
// directory.
func TestRootLikeStdin(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // a marker in the temporary directory is no project
	dir := analyzertest.Write(t, `
-- manage.py --
-- .git/HEAD --
ref: refs/heads/main
-- backend/pyproject.toml --
[tool.djleak]
-- backend/mysite/views.py --
-- scripts/tool.py --
`)
	loose := filepath.Join(tmp, "loose")
	os.MkdirAll(loose, 0o755)
	os.WriteFile(filepath.Join(tmp, "manage.py"), nil, 0o644)
	for _, tc := range []struct{ file, workspace string }{
		{filepath.Join(dir, "backend/mysite/views.py"), dir},
		{filepath.Join(dir, "backend/mysite/views.py"), filepath.Join(dir, "backend/mysite")},
		{filepath.Join(dir, "backend/mysite/new.py"), ""}, // unsaved buffer
		{filepath.Join(dir, "scripts/tool.py"), dir},
		{filepath.Join(loose, "x.py"), ""},
	} {
		snap := &snapshot{}
		if tc.workspace != "" {
			snap.roots = []string{tc.workspace}
		}
		lsp := rootFor(snap, tc.file)
		proj, err := driver.Load(driver.Options{Paths: []string{tc.file}, Overlay: map[string][]byte{tc.file: []byte("x = 1\n")}})
		if err != nil {
			t.Fatal(err)
		}
		if realPath(lsp) != proj.Root {
			t.Errorf("%s (workspace %q): language server root %s, stdin root %s", tc.file, tc.workspace, lsp, proj.Root)
		}
	}
}

// TestWatchedFiles: a client that supports dynamic registration is asked to
// watch Python, nginx and configuration files; a change to a file that is
// not open (here .djleak.toml on disk) re-lints the open files.
func TestWatchedFiles(t *testing.T) {
	dir := analyzertest.Write(t, "-- .djleak.toml --\n-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	reg := c.initializeWatching(dir)
	if reg.ID == nil {
		t.Fatal("client/registerCapability sent as a notification; it is a request")
	}
	var p RegistrationParams
	if err := json.Unmarshal(reg.Params, &p); err != nil || len(p.Registrations) != 1 || p.Registrations[0].Method != "workspace/didChangeWatchedFiles" {
		t.Fatalf("registration = %s (%v)", reg.Params, err)
	}
	globs := string(reg.Params)
	for _, g := range []string{`"**/*.py"`, `"**/nginx/**"`, `"**/*.conf"`, `"**/pyproject.toml"`, `"**/.djleak.toml"`} {
		if !strings.Contains(globs, g) {
			t.Errorf("no watcher for %s: %s", g, globs)
		}
	}
	// The client acknowledges; the server ignores responses.
	c.send(&message{ID: reg.ID, Result: json.RawMessage("null")})

	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, wrongGuardView)
	c.diagnostics(uri, atVersion(1, only("DJL302")))
	if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("ignore = [\"DJL302\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("workspace/didChangeWatchedFiles", DidChangeWatchedFilesParams{Changes: []FileEvent{{URI: fileURI(filepath.Join(dir, ".djleak.toml")), Type: 2}}})
	c.diagnostics(uri, atVersion(1, empty))
	c.shutdown()
}

// TestNoWatchWithoutDynamicRegistration: a client that cannot register
// watchers dynamically is not asked to.
func TestNoWatchWithoutDynamicRegistration(t *testing.T) {
	dir := analyzertest.Write(t, "-- app/views.py --\n"+wrongGuardView)
	c := startServer(t, Options{})
	c.initialize(dir)
	// Messages are handled in order: anything "initialized" made the server
	// send arrives before this response, and call keeps it in the backlog.
	c.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: fileURI(filepath.Join(dir, "app", "views.py"))}})
	for _, m := range c.backlog {
		if m.Method == "client/registerCapability" {
			t.Errorf("registerCapability sent to a client without dynamic registration")
		}
	}
	c.shutdown()
}

// TestNoProjectSaysSo: a file opened without a workspace folder and with no
// project marker above it is checked with its directory as the root, and
// the server says so in the client's log.
func TestNoProjectSaysSo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := filepath.Join(tmp, "loose")
	os.MkdirAll(dir, 0o755)
	c := startServer(t, Options{})
	c.initialize("")
	c.open(filepath.Join(dir, "views.py"), "python", 1, wrongGuardView)
	m := c.expectMessage("window/logMessage")
	var p ShowMessageParams
	json.Unmarshal(m.Params, &p)
	if p.Type != MessageInfo || !strings.Contains(p.Message, "is in no project") || !strings.Contains(p.Message, dir+" as the project root") {
		t.Errorf("logMessage = %+v", p)
	}
	c.shutdown()
}

// An edit to one module reaches the findings of another through the
// dataflow's summaries, which the server's lints carry from one to the
// next (driver.Options.Carry): views.py logs what helpers.make returns,
// a finding while make returns a token, none once the unsaved helpers.py
// returns a constant, and one again when the token is back (shown in
// helpers.py too, at the source).
const (
	tokenHelper    = "import secrets\n\n\ndef make():\n    return secrets.token_urlsafe(16)\n"
	constantHelper = "import secrets\n\n\ndef make():\n    return \"fixed\"\n"
	helperView     = "import logging\n\nfrom app.helpers import make\n\nlogger = logging.getLogger(__name__)\n\n\n" +
		"def view(request):\n    value = make()\n    logger.info(\"issued %s\", value)\n"
)

func TestCarriedDataflowFollowsEdits(t *testing.T) {
	const token, constant, views = tokenHelper, constantHelper, helperView
	dir := analyzertest.Write(t, "-- manage.py --\n-- app/__init__.py --\n-- app/helpers.py --\n"+token+"-- app/views.py --\n"+views)
	c := startServer(t, Options{})
	c.initialize(dir)
	viewsURI := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, views)
	c.diagnostics(viewsURI, atVersion(1, only("DJL201")))
	helpersURI := c.open(filepath.Join(dir, "app", "helpers.py"), "python", 1, token)
	c.diagnostics(viewsURI, only("DJL201"))
	c.change(helpersURI, 2, constant)
	c.diagnostics(helpersURI, atVersion(2, empty))
	c.diagnostics(viewsURI, empty)
	c.change(helpersURI, 3, token)
	// helpers.py shows the finding too, at the token's source.
	c.diagnostics(helpersURI, atVersion(3, only("DJL201")))
	c.diagnostics(viewsURI, only("DJL201"))
	c.shutdown()
}

// TestDiskEditsWithoutClientWatchers: with a client that registers no
// watchers, a file that is not open and is edited on disk is read again
// at the next lint, also once the server has come to trust the stamps of
// the files it read (its own directory watches).
func TestDiskEditsWithoutClientWatchers(t *testing.T) {
	dir := analyzertest.Write(t, "-- manage.py --\n-- app/__init__.py --\n-- app/helpers.py --\n"+tokenHelper+"-- app/views.py --\n"+helperView)
	// Older than the window in which a stamp cannot vouch for a write.
	time.Sleep(2100 * time.Millisecond)
	c := startServer(t, Options{})
	c.initialize(dir)
	viewsURI := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, helperView)
	c.diagnostics(viewsURI, atVersion(1, only("DJL201")))
	// The next lints confirm the stamps, then trust them.
	for v := int32(2); v <= 3; v++ {
		c.change(viewsURI, v, helperView)
		c.diagnostics(viewsURI, atVersion(v, only("DJL201")))
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "helpers.py"), []byte(constantHelper), 0o644); err != nil {
		t.Fatal(err)
	}
	c.change(viewsURI, 4, helperView)
	c.diagnostics(viewsURI, atVersion(4, empty))
	if err := os.WriteFile(filepath.Join(dir, "app", "helpers.py"), []byte(tokenHelper), 0o644); err != nil {
		t.Fatal(err)
	}
	c.change(viewsURI, 5, helperView)
	c.diagnostics(viewsURI, atVersion(5, only("DJL201")))
	c.shutdown()
}

// A configuration template branch left out of the parse shows as an
// information diagnostic on the branch, with no rule code (so no
// suppression is offered), and goes away when the template parses whole.
func TestLeftOutBranchDiagnostic(t *testing.T) {
	text := "{% if tls %}\nserver {\n    listen 443 ssl;\n{% else %}\nserver {\n    listen 80;\n{% endif %}\n" +
		"    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n"
	dir := analyzertest.Write(t, "-- nginx/site.conf.j2 --\n"+text)
	c := startServer(t, Options{})
	c.initialize(dir)
	uri := c.open(filepath.Join(dir, "nginx", "site.conf.j2"), "jinja", 1, text)
	left := func(p PublishDiagnosticsParams) bool {
		for _, d := range p.Diagnostics {
			if d.Code == nil && d.Severity == SeverityInformation && d.Source == "djleak" && d.Range.Start.Line == 3 && d.Range.End.Line == 5 &&
				d.Message == "`{% else %}` of `{% if tls %}` is left out: with every branch of the template kept the file does not parse, so it is read as rendered with the first branch of each conditional" {
				return true
			}
		}
		return false
	}
	c.diagnostics(uri, atVersion(1, left))
	whole := strings.Replace(text, "{% else %}\nserver {\n    listen 80;\n{% endif %}\n", "{% else %}\n    listen 80;\n{% endif %}\n", 1)
	c.change(uri, 2, whole)
	c.diagnostics(uri, atVersion(2, func(p PublishDiagnosticsParams) bool { return !left(p) }))
	c.shutdown()
}
