// Package lsp is djleak's Language Server (LSP 3.17 over stdio): it lints
// the open buffers as an overlay on the project on disk, publishes
// diagnostics for every open document after each change (cross-file rules
// included) and offers a quick fix that adds a suppression comment.
package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

// Options configure a server.
type Options struct {
	// Version is reported in serverInfo.
	Version string
	// Root overrides the project root (otherwise taken from the client's
	// workspace, or found from the first opened file).
	Root string
	// ReportUnused reports suppression comments that suppress nothing.
	ReportUnused bool
	// Debounce is how long the server waits after the last change before
	// linting; 0 means 150 ms.
	Debounce time.Duration
	// Log receives a trace of the server's work; nil disables logging.
	Log io.Writer
}

// Why a lint was cancelled, for the log.
var (
	errChanged     = errors.New("cancelled by a change")
	errShutdown    = errors.New("cancelled by shutdown")
	errInputClosed = errors.New("cancelled: the client's input closed")
)

// DefaultDebounce is the pause after the last edit before a lint runs.
const DefaultDebounce = 150 * time.Millisecond

// document is one open text document.
type document struct {
	uri        string
	path       string // absolute, "" when the URI is not a file
	languageID string
	version    int32
	text       []byte
}

type server struct {
	opts Options
	out  *outbox
	logf func(string, ...any)

	// kick wakes the worker; a pending kick is enough, so it has room for one.
	kick chan struct{}

	mu          sync.Mutex
	initialized bool
	shutdown    bool
	roots       []string // workspace roots, absolute
	fallback    string   // root found from the first opened file, when the client gave none
	explicit    string   // --root, which wins over everything
	watch       bool     // the client registers file watchers for us dynamically
	docs        map[string]*document
	gen         uint64                  // bumped by every change to the open documents
	published   map[string][]Diagnostic // last diagnostics sent, by URI
	shownErrors map[string]bool         // load errors already shown to the user
	// cancelLint cancels the lint in progress; every change calls it, so
	// a lint never runs on for content the editor has already replaced.
	cancelLint context.CancelCauseFunc

	// watched are the files the client's watchers reported changed since
	// the last lint started (absolute paths).
	watched []string

	// caches keeps Python parses and the state of the files on disk
	// between lints, per project root; only the lint worker touches it.
	caches map[string]*rootCache
}

// Serve runs a language server on in/out until the client sends exit or
// closes the input. It returns the process exit code: 0 after an orderly
// shutdown and exit, 1 otherwise.
func Serve(in io.Reader, out io.Writer, opts Options) int {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	s := &server{
		opts:        opts,
		kick:        make(chan struct{}, 1),
		docs:        map[string]*document{},
		published:   map[string][]Diagnostic{},
		shownErrors: map[string]bool{},
		caches:      map[string]*rootCache{},
	}
	s.logf = func(string, ...any) {}
	if opts.Log != nil {
		var logMu sync.Mutex
		s.logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(opts.Log, "%s djleak-lsp: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		}
	}
	if opts.Root != "" {
		if abs, err := filepath.Abs(opts.Root); err == nil {
			s.roots = []string{abs}
			s.explicit = abs
		}
	}
	s.out = newOutbox(out, s.logf)

	stop := make(chan struct{})
	workerDone := make(chan struct{})
	go s.worker(stop, workerDone)

	code := s.readLoop(bufio.NewReaderSize(in, 64<<10))

	s.mu.Lock()
	if s.cancelLint != nil {
		s.cancelLint(errInputClosed)
	}
	s.mu.Unlock()
	close(stop)
	<-workerDone
	s.out.close(5 * time.Second)
	s.logf("exiting with code %d", code)
	return code
}

// readLoop reads and dispatches messages until exit or end of input.
func (s *server) readLoop(r *bufio.Reader) int {
	for {
		body, err := readFrame(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.logf("input closed")
			} else {
				s.logf("read: %v", err)
			}
			return s.exitCode()
		}
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			s.logf("bad message: %v", err)
			s.out.replyError(nil, codeParseError, "parse error: "+err.Error())
			continue
		}
		if m.Method == "" {
			continue // a response to a request we never send, or junk
		}
		if m.Method == "exit" {
			return s.exitCode()
		}
		if m.ID != nil {
			s.handleRequest(&m)
		} else {
			s.handleNotification(&m)
		}
	}
}

func (s *server) exitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return 0
	}
	return 1
}

func (s *server) handleRequest(m *message) {
	s.logf("request %s id=%s", m.Method, string(*m.ID))
	s.mu.Lock()
	initialized, shutdown := s.initialized, s.shutdown
	s.mu.Unlock()
	switch {
	case m.Method == "initialize":
		if initialized {
			s.out.replyError(m.ID, codeInvalidRequest, "initialize sent twice")
			return
		}
		var p InitializeParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.out.replyError(m.ID, codeInvalidParams, err.Error())
			return
		}
		s.out.reply(m.ID, s.initialize(&p))
		return
	case !initialized:
		s.out.replyError(m.ID, codeServerNotInitialized, "server not initialized")
		return
	case shutdown:
		s.out.replyError(m.ID, codeInvalidRequest, "server is shutting down")
		return
	}
	switch m.Method {
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		if s.cancelLint != nil {
			s.cancelLint(errShutdown)
		}
		s.mu.Unlock()
		s.out.reply(m.ID, nil)
	case "textDocument/codeAction":
		var p CodeActionParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.out.replyError(m.ID, codeInvalidParams, err.Error())
			return
		}
		s.out.reply(m.ID, s.codeActions(&p))
	default:
		s.out.replyError(m.ID, codeMethodNotFound, "method not found: "+m.Method)
	}
}

func unmarshalParams(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid params: %v", err)
	}
	return nil
}

func (s *server) initialize(p *InitializeParams) *InitializeResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initialized = true
	s.watch = p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration
	if len(s.roots) == 0 { // --root wins
		add := func(uri string) {
			if path := uriPath(uri); path != "" {
				for _, r := range s.roots {
					if r == path {
						return
					}
				}
				s.roots = append(s.roots, path)
			}
		}
		if p.RootURI != nil {
			add(*p.RootURI)
		}
		for _, f := range p.WorkspaceFolders {
			add(f.URI)
		}
		if len(s.roots) == 0 && p.RootPath != nil && *p.RootPath != "" {
			if abs, err := filepath.Abs(*p.RootPath); err == nil {
				s.roots = append(s.roots, abs)
			}
		}
	}
	s.logf("roots %v", s.roots)
	version := s.opts.Version
	if version == "" {
		version = analyzer.Version
	}
	return &InitializeResult{
		Capabilities: ServerCapabilities{
			PositionEncoding: "utf-16",
			TextDocumentSync: TextDocumentSyncOptions{OpenClose: true, Change: 1, Save: &SaveOptions{IncludeText: false}},
			CodeActionProvider: CodeActionOptions{
				CodeActionKinds: []string{"quickfix"},
			},
		},
		ServerInfo: ServerInfo{Name: "djleak", Version: version},
	}
}

func (s *server) handleNotification(m *message) {
	s.logf("notification %s", m.Method)
	s.mu.Lock()
	initialized, shutdown := s.initialized, s.shutdown
	s.mu.Unlock()
	if !initialized || shutdown {
		return // dropped, as the specification asks
	}
	switch m.Method {
	case "initialized":
		s.mu.Lock()
		watch := s.watch
		s.mu.Unlock()
		if watch {
			s.out.request(1, "client/registerCapability", &RegistrationParams{Registrations: []Registration{{
				ID:              "djleak-watched-files",
				Method:          "workspace/didChangeWatchedFiles",
				RegisterOptions: DidChangeWatchedFilesRegistrationOptions{Watchers: watchers()},
			}}})
		}
	case "workspace/didChangeWatchedFiles":
		// A settings module, nginx file or configuration changed on disk,
		// open or not: the open files' findings may depend on it.
		var p DidChangeWatchedFilesParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.logf("%s: %v", m.Method, err)
			return
		}
		s.logf("%d watched files changed; re-linting the open files", len(p.Changes))
		s.mu.Lock()
		for _, c := range p.Changes {
			if path := uriPath(c.URI); path != "" {
				s.watched = append(s.watched, path)
			}
		}
		s.changedLocked()
		s.mu.Unlock()
	case "textDocument/didOpen":
		var p DidOpenTextDocumentParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.logf("%s: %v", m.Method, err)
			return
		}
		d := &document{
			uri:        p.TextDocument.URI,
			path:       uriPath(p.TextDocument.URI),
			languageID: p.TextDocument.LanguageID,
			version:    p.TextDocument.Version,
			text:       []byte(p.TextDocument.Text),
		}
		s.mu.Lock()
		s.docs[d.uri] = d
		if len(s.roots) == 0 && s.fallback == "" && d.path != "" {
			var found bool
			s.fallback, found = driver.FindRootFor([]string{d.path})
			if found {
				s.logf("no workspace root from the client; using %s", s.fallback)
			} else {
				msg := fmt.Sprintf("djleak: %s is in no project (no .djleak.toml, pyproject.toml with [tool.djleak], .git or manage.py above it); checking it with %s as the project root", d.path, s.fallback)
				s.logf("%s", msg)
				s.out.notify("window/logMessage", &ShowMessageParams{Type: MessageInfo, Message: msg})
			}
		}
		s.changedLocked()
		s.mu.Unlock()
	case "textDocument/didChange":
		var p DidChangeTextDocumentParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.logf("%s: %v", m.Method, err)
			return
		}
		s.mu.Lock()
		if d := s.docs[p.TextDocument.URI]; d != nil {
			for _, c := range p.ContentChanges {
				d.text = applyChange(d.text, c)
			}
			d.version = p.TextDocument.Version
			s.changedLocked()
		}
		s.mu.Unlock()
	case "textDocument/didSave":
		var p DidSaveTextDocumentParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.logf("%s: %v", m.Method, err)
			return
		}
		s.mu.Lock()
		if d := s.docs[p.TextDocument.URI]; d != nil {
			if p.Text != nil {
				d.text = []byte(*p.Text)
			}
			s.changedLocked()
		}
		s.mu.Unlock()
	case "textDocument/didClose":
		var p DidCloseTextDocumentParams
		if err := unmarshalParams(m.Params, &p); err != nil {
			s.logf("%s: %v", m.Method, err)
			return
		}
		s.mu.Lock()
		if _, ok := s.docs[p.TextDocument.URI]; ok {
			delete(s.docs, p.TextDocument.URI)
			delete(s.published, p.TextDocument.URI)
			// Under the lock, after the generation bump: a lint that
			// started before the close is dropped, so nothing republishes
			// the closed document.
			s.changedLocked()
			s.out.notify("textDocument/publishDiagnostics", &PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []Diagnostic{}})
		}
		s.mu.Unlock()
	default:
		// $/cancelRequest, $/setTrace, other workspace/… notifications and
		// anything unknown: nothing to do.
	}
}

// watchers are the files whose changes on disk can change an open file's
// findings: Python code and settings, templates, front-end configuration
// (each registered language's Watch globs), deployments (Compose files,
// Kubernetes manifests, app server commands) and djleak's own
// configuration. What they miss, the stamps of the files on disk still
// catch on the next lint.
func watchers() []FileSystemWatcher {
	var out []FileSystemWatcher
	globs := []string{"**/*.py", "**/templates/**"}
	globs = append(globs, analyzer.WatchPatterns()...)
	globs = append(globs, "**/.djleak.toml", "**/pyproject.toml", "**/.gitignore",
		"**/.env*", "**/Procfile*", "**/Dockerfile*", "**/*.dockerfile", "**/Containerfile", "**/*.service",
		"**/*.yml", "**/*.yaml", "**/vhost.d/**")
	seen := map[string]bool{}
	for _, g := range globs {
		if !seen[g] {
			seen[g] = true
			out = append(out, FileSystemWatcher{GlobPattern: g})
		}
	}
	return out
}

// changedLocked records a change to the open documents and wakes the
// worker. s.mu must be held.
func (s *server) changedLocked() {
	s.gen++
	if s.cancelLint != nil {
		s.cancelLint(errChanged)
		s.cancelLint = nil
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// worker lints after the documents have been quiet for the debounce
// interval. It is the only goroutine that analyses, so runs never overlap;
// the next change cancels a run in progress (changedLocked), a run whose
// snapshot went stale while it ran is dropped, and the pending kick
// schedules the next.
func (s *server) worker(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-s.kick:
			timer.Reset(s.opts.Debounce)
		case <-timer.C:
			s.lint()
		}
	}
}
