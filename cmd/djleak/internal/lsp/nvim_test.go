package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/rules"
)

// nvimEvent is one JSON line testdata/init.lua writes.
type nvimEvent struct {
	Event    string `json:"event"`
	Nvim     string `json:"nvim"`
	API      string `json:"api"`
	Code     string `json:"code"`
	Source   string `json:"source"`
	Severity int    `json:"severity"`
	Lnum     int    `json:"lnum"`
	Col      int    `json:"col"`
	Message  string `json:"message"`
	Href     string `json:"href"`
	Arrived  bool   `json:"arrived"`
	Title    string `json:"title"`
	Kind     string `json:"kind"`
	Line     string `json:"line"`
	Cleared  bool   `json:"cleared"`
	Mirrored int    `json:"mirrored"`
	Reported string `json:"reported_at"`
	Related  string `json:"related"`
	Stopped  bool   `json:"stopped"`
	ExitCode *int   `json:"exit_code"`
}

// requireTool skips the test when a tool is missing, unless CI is set:
// there the tool is part of the suite (.ci/install-deps installs it).
func requireTool(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure; .ci/install-deps installs neovim)", msg)
	}
	t.Skipf("%s; skipping (install Debian's neovim to run it)", msg)
}

var nvimVersion = regexp.MustCompile(`NVIM v(\d+)\.(\d+)\.(\d+)`)

// TestNeovimEndToEnd drives `djleak lsp` from a real LSP client: headless
// Neovim with testdata/init.lua.
func TestNeovimEndToEnd(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		requireTool(t, "nvim is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	vout, err := exec.CommandContext(ctx, nvim, "--version").Output()
	if err != nil {
		requireTool(t, "nvim --version: %v", err)
	}
	m := nvimVersion.FindStringSubmatch(string(vout))
	if m == nil {
		requireTool(t, "cannot read the version from nvim --version: %q", firstLine(vout))
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major == 0 && minor < 7 {
		requireTool(t, "nvim %s.%s.%s is older than 0.7 (the client needs vim.diagnostic, vim.lsp.start_client and nvim_create_autocmd)", m[1], m[2], m[3])
	}
	t.Logf("using %s", firstLine(vout))

	// The real binary: the test covers `djleak lsp` as editors run it.
	bin := buildBinary(t)

	dir := analyzertest.Write(t, "-- .djleak.toml --\n-- nginx/site.conf --\n"+siteConf+"-- app/views.py --\n"+wrongGuardView)
	initLua, err := filepath.Abs(filepath.Join("testdata", "init.lua"))
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "events.jsonl")
	home := t.TempDir()

	runCtx, runCancel := context.WithTimeout(ctx, 90*time.Second)
	defer runCancel()
	cmd := exec.CommandContext(runCtx, nvim, "--headless", "--clean", "-u", initLua, filepath.Join(dir, "app", "views.py"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"DJLEAK_BIN="+bin,
		"DJLEAK_E2E_OUT="+outFile,
		"DJLEAK_E2E_ROOT="+dir,
		"DJLEAK_E2E_TIMEOUT_MS=15000",
		// Keep Neovim's state, cache and LSP log out of the user's home.
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
	)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr // headless nvim prints messages here; keep them for failures
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	data, _ := os.ReadFile(outFile)
	if runErr != nil || runCtx.Err() != nil {
		t.Fatalf("nvim: %v (context: %v)\noutput:\n%s\nevents:\n%s", runErr, runCtx.Err(), stderr.String(), data)
	}
	t.Logf("events:\n%s", data)

	var events []nvimEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e nvimEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("bad event line %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	byEvent := map[string][]nvimEvent{}
	for _, e := range events {
		byEvent[e.Event] = append(byEvent[e.Event], e)
		if e.Event == "error" {
			t.Fatalf("init.lua failed: %s\nnvim output:\n%s", e.Message, stderr.String())
		}
	}
	if s := byEvent["start"]; len(s) == 1 {
		t.Logf("neovim %s, client started with %s", s[0].Nvim, byEvent["client"][0].API)
	}

	// views.py shows its own DJL302 and the nginx file's NGX101, which the
	// read on line 3 makes fire: on that read, with the nginx location first
	// in its related information.
	diags := byEvent["diagnostic"]
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics through Neovim, want 2 (DJL302, and NGX101 from the nginx file)\nnvim output:\n%s", len(diags), stderr.String())
	}
	confURI := fileURI(filepath.Join(dir, "nginx", "site.conf"))
	for _, d := range diags {
		if d.Code == "NGX101" {
			if d.Lnum != 2 || d.Reported != confURI || d.Related != confURI || !strings.Contains(d.Message, "reported at nginx/site.conf:1:1") {
				t.Errorf("mirrored NGX101 = %+v, want it on the read (line 2, 0-based), reported at and related to %s", d, confURI)
			}
			continue
		}
		if d.Reported != "" {
			t.Errorf("own diagnostic marked as reported elsewhere: %+v", d)
		}
	}
	if diags[0].Code == "NGX101" {
		diags[0], diags[1] = diags[1], diags[0]
	}
	d := diags[0]
	// Neovim converts the server's UTF-16 character to a byte column:
	// `        label = "🎉🎉"; return ` is 35 bytes.
	if d.Code != "DJL302" || d.Lnum != 3 || d.Col != 35 || d.Source != "djleak" || d.Severity != 1 {
		t.Errorf("diagnostic = %+v, want DJL302 at line 3 (0-based), byte column 35, error, from djleak", d)
	}
	if d.Href != rules.Lookup("DJL302").HelpURI() {
		t.Errorf("href = %q", d.Href)
	}

	if a := byEvent["action"]; len(a) != 1 || a[0].Title != "Suppress DJL302 on this line" || a[0].Kind != "quickfix" {
		t.Errorf("code action = %+v", a)
	}
	if e := byEvent["edited"]; len(e) != 1 || !strings.HasSuffix(e[0].Line, `return request.META.get("HTTP_X_CLIENT_DN") # djleak: ignore[DJL302] -- `+PlaceholderReason) {
		t.Errorf("line after the quick fix = %+v", e)
	}
	if f := byEvent["after_fix"]; len(f) != 1 || !f[0].Cleared || f[0].Mirrored != 1 {
		t.Errorf("diagnostics did not clear after the quick fix: %+v", f)
	}
	if s := byEvent["stopped"]; len(s) != 1 || !s[0].Stopped || s[0].ExitCode == nil || *s[0].ExitCode != 0 {
		t.Errorf("server stop = %+v, want exit code 0 after shutdown/exit", s)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}
