package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// djangoSource is Debian python3-django's copy of Django: a project large
// enough that a lint takes long enough to be interrupted.
const djangoSource = "/usr/lib/python3/dist-packages/django"

// binaryWait bounds each wait for the real server.
const binaryWait = 3 * time.Minute

// buildBinary builds the real djleak command into a temporary directory.
func buildBinary(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "djleak")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/djleak/djleak/cmd/djleak").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryClient is a testClient on a running `djleak lsp -v` process, with
// the server's log (standard error) line by line.
type binaryClient struct {
	*testClient
	logs chan string

	mu  sync.Mutex
	all []string
}

// startBinary runs `djleak lsp -v args...` and talks to it over its
// standard input and output.
func startBinary(t testing.TB, bin string, args ...string) *binaryClient {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"lsp", "-v"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &binaryClient{testClient: newTestClient(t, stdin, stdout), logs: make(chan string, 10000)}
	// A whole-project lint of a big tree on a busy machine takes a while.
	c.timeout = binaryWait
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			c.mu.Lock()
			c.all = append(c.all, sc.Text())
			c.mu.Unlock()
			select {
			case c.logs <- sc.Text():
			default:
			}
		}
	}()
	waited := make(chan struct{})
	go func() {
		<-logsDone // Wait closes the pipes: read them to the end first
		err := cmd.Wait()
		code := 0
		if err != nil {
			code = -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
		}
		c.exit <- code
		close(waited)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-waited:
		case <-time.After(c.timeout):
			cmd.Process.Kill()
			t.Errorf("djleak lsp did not stop after its input closed")
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("server log:\n%s", c.log())
		}
	})
	return c
}

func (c *binaryClient) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.all, "\n")
}

// waitLog waits for a server log line matching re and returns its
// submatches.
func (c *binaryClient) waitLog(re *regexp.Regexp) []string {
	c.t.Helper()
	deadline := time.After(c.timeout)
	for {
		select {
		case line := <-c.logs:
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			c.t.Fatalf("no server log line matching %s within %v", re, c.timeout)
		}
	}
}

// requireDjango skips the test when Debian's Django is missing, unless CI
// is set: there it is part of the suite (.ci/install-deps installs it).
func requireDjango(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(djangoSource, "contrib", "auth", "views.py")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (CI is set, so this is a failure; .ci/install-deps installs python3-django)", djangoSource)
		}
		t.Skipf("%s is missing; skipping (install Debian's python3-django to run it)", djangoSource)
	}
}

var (
	lintStarted   = regexp.MustCompile(`lint generation (\d+): `)
	projectLoaded = regexp.MustCompile(`project .* loaded: `)
)

// TestBinaryCancelsLint: edits that arrive while a lint runs cancel it.
// The real server, on Django's source (a lint there takes far longer than
// an edit takes to arrive), gets a new version of an unsaved buffer each
// time a lint starts (every other time once the project has loaded and the
// rules run); every one of those lints is cancelled, and the only
// diagnostics published are the last version's, with the finding where
// that version has it.
func TestBinaryCancelsLint(t *testing.T) {
	requireDjango(t)
	c := startBinary(t, buildBinary(t), "--root", djangoSource)
	c.initialize(djangoSource)
	file := filepath.Join(djangoSource, "djleak_probe_views.py") // never written: an unsaved buffer
	views := []string{wrongGuardView, rightGuardView, noIdentityView, rightGuardView}
	final := strings.Repeat("\n", 7) + wrongGuardView // DJL302 seven lines further down
	uri := c.open(file, "python", 1, views[0])
	var started []string
	for i := 1; i <= len(views); i++ {
		started = append(started, c.waitLog(lintStarted)[1])
		if i%2 == 0 {
			// Cancel this one while the rules run, not while discovering.
			c.waitLog(projectLoaded)
		}
		text := final
		if i < len(views) {
			text = views[i]
		}
		c.change(uri, int32(i+1), text)
	}
	last := int32(len(views) + 1)
	p := c.diagnostics(uri, func(PublishDiagnosticsParams) bool { return true })
	if p.Version == nil || *p.Version != last {
		t.Fatalf("first publication is of version %v; want %d, every earlier lint cancelled", p.Version, last)
	}
	if got := codes(p); len(got) != 1 || got[0] != "DJL302" || p.Diagnostics[0].Range.Start.Line != 10 {
		t.Errorf("diagnostics of the last version = %+v; want DJL302 on line 11", p.Diagnostics)
	}
	log := c.log()
	for _, gen := range started {
		if !strings.Contains(log, fmt.Sprintf("lint generation %s cancelled by a change", gen)) {
			t.Errorf("lint generation %s was not cancelled", gen)
		}
	}
	// Nothing of the cancelled lints arrives later: the next message after
	// a request's response is no stale publication.
	c.call("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}})
	for _, m := range c.backlog {
		if m.Method == "textDocument/publishDiagnostics" {
			t.Errorf("a publication after the last version's: %s", m.Params)
		}
	}
	c.shutdown()
}

const (
	callsHelperView = `from app.helpers import record


def view(request):
    token = request.GET.get("token")
    record(token)
`
	quietHelper   = "def record(value):\n    return None\n"
	loggingHelper = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef record(value):\n    logger.info(\"token %s\", value)\n"
)

// TestBinaryPicksUpDiskChanges: a file that is not open changes on disk
// (the open view passes a token to its helper, and the helper starts or
// stops logging it). The real server picks the change up when the
// client's watcher reports it, and, without a report, by the file's stamp
// on the next lint.
func TestBinaryPicksUpDiskChanges(t *testing.T) {
	dir := analyzertest.Write(t, "-- .djleak.toml --\n-- app/__init__.py --\n-- app/views.py --\n"+callsHelperView+"-- app/helpers.py --\n"+quietHelper)
	helper := filepath.Join(dir, "app", "helpers.py")
	c := startBinary(t, buildBinary(t))
	reg := c.initializeWatching(dir)
	c.send(&message{ID: reg.ID, Result: json.RawMessage("null")})

	uri := c.open(filepath.Join(dir, "app", "views.py"), "python", 1, callsHelperView)
	c.diagnostics(uri, atVersion(1, empty))

	// The watcher reports the change.
	must(t, os.WriteFile(helper, []byte(loggingHelper), 0o644))
	c.notify("workspace/didChangeWatchedFiles", DidChangeWatchedFilesParams{Changes: []FileEvent{{URI: fileURI(helper), Type: 2}}})
	p := c.diagnostics(uri, atVersion(1, only("DJL201")))
	if p.Diagnostics[0].Range.Start.Line != 5 {
		t.Errorf("DJL201 at %+v; want the call on line 6", p.Diagnostics[0].Range)
	}

	// No report: the next lint (after an edit of the open file) sees the
	// helper's new stamp.
	must(t, os.WriteFile(helper, []byte(quietHelper), 0o644))
	c.change(uri, 2, callsHelperView+"# edited\n")
	c.diagnostics(uri, atVersion(2, empty))

	// No report of a created file either: its directory changed.
	must(t, os.WriteFile(filepath.Join(dir, "app", "audit.py"), []byte(strings.ReplaceAll(loggingHelper, "record", "note")), 0o644))
	withAudit := "from app.audit import note\n" + strings.ReplaceAll(callsHelperView, "record", "note")[len("from app.helpers import note\n"):]
	c.change(uri, 3, withAudit)
	c.diagnostics(uri, atVersion(3, only("DJL201")))
	c.shutdown()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
