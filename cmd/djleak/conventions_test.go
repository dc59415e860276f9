package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

// A project whose files would give findings: a config error that lets the
// run go on shows up as output on stdout.
const cfgProject = `
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`

// TestConfigValidation: every bad configuration value stops the run before
// any analysis (nothing on stdout, exit 2) with the file, the line, the key
// and what was wanted, in words.
func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name, file, body string
		want             []string
	}{
		{"wrong type", ".djleak.toml", "select = [\"DJL\"]\nper-file-ignores = [\"tests/**\"]\n",
			[]string{".djleak.toml:2: per-file-ignores must be a table of pattern = [rule IDs], not a list"}},
		{"string for list", ".djleak.toml", "\nselect = \"DJL4\"\n",
			[]string{".djleak.toml:2: select must be a list of rule IDs, prefixes or names", "not a string"}},
		{"list item", ".djleak.toml", "exclude = [\"a/\", 3]\n",
			[]string{".djleak.toml:1: exclude must be", "item 2 is a number"}},
		{"select no rule", ".djleak.toml", "# comment\nselect = [\"DJL9\"]\n",
			[]string{".djleak.toml:2: select:", `"DJL9" matches no rule`}},
		{"ignore no rule", ".djleak.toml", "ignore = [\"NGX9\"]\n",
			[]string{".djleak.toml:1: ignore:", `"NGX9" matches no rule`}},
		{"ignore typo of a name", ".djleak.toml", "ignore = [\"sesion-cookie-not-secure\"]\n",
			[]string{"did you mean session-cookie-not-secure?"}},
		{"per-file-ignores no rule", ".djleak.toml", "[per-file-ignores]\n\"tests/**\" = [\"DJL3\"]\n\"legacy/**\" = [\"XYZ\"]\n",
			[]string{".djleak.toml:3: per-file-ignores \"legacy/**\":", `"XYZ" matches no rule`}},
		{"per-file-ignores value", ".djleak.toml", "per-file-ignores = { \"tests/**\" = \"DJL3\" }\n",
			[]string{".djleak.toml:1: per-file-ignores \"tests/**\" must be a list of rule IDs, not a string"}},
		{"unknown key", ".djleak.toml", "select = []\nselcet = []\n",
			[]string{".djleak.toml:2: unknown configuration key selcet (did you mean select?)"}},
		{"nginx-roots missing", ".djleak.toml", "nginx-roots = [\"deploy/nginx\"]\n",
			[]string{".djleak.toml:1: nginx-roots:", `"deploy/nginx" is not a directory`}},
		{"settings-module missing", ".djleak.toml", "settings-module = \"mysite.settings.production\"\n",
			[]string{".djleak.toml:1: settings-module:", `"mysite.settings.production" names no module`}},
		{"pyproject", "pyproject.toml", "[project]\nname = \"x\"\n\n[tool.djleak]\nignore = \"DJL4\"\n",
			[]string{"pyproject.toml:5: ignore must be a list of rule IDs, prefixes or names", "not a string"}},
		{"pyproject sub-table", "pyproject.toml", "[tool.djleak]\nselect = [\"DJL\"]\n[tool.djleak.per-file-ignores]\n\"a/*\" = [\"DJL99\"]\n",
			[]string{"pyproject.toml:4: per-file-ignores \"a/*\":", `"DJL99" matches no rule`}},
		{"force-exclude", ".djleak.toml", "force-exclude = \"yes\"\n",
			[]string{".djleak.toml:1: force-exclude must be true or false, not a string"}},
		{"syntax", ".djleak.toml", "select = [\n", []string{".djleak.toml:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := analyzertest.Write(t, cfgProject+"-- "+tc.file+" --\n"+tc.body)
			code, out, errs := runCLI(t, "check", dir)
			if code != exitError || out != "" {
				t.Fatalf("exit %d, stdout %q; want exit 2 before analysis\nstderr: %s", code, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs, "[]string") || strings.Contains(errs, "map[") || strings.Contains(errs, "interface") {
				t.Errorf("error speaks of Go types:\n%s", errs)
			}
			// djleak config reports the same error.
			if code, _, cerrs := runCLI(t, "config", dir); code != exitError || !strings.Contains(cerrs, tc.want[0]) {
				t.Errorf("djleak config: exit %d, stderr %q", code, cerrs)
			}
		})
	}
}

// TestConfigSelectorsByName: rule names work in the configuration as on
// the command line.
func TestConfigSelectorsByName(t *testing.T) {
	dir := analyzertest.Write(t, cfgProject+"-- .djleak.toml --\nselect = [\"session-cookie-not-secure\"]\n")
	code, out, errs := runCLI(t, "check", "--format", "concise", dir)
	if code != exitFindings || !strings.Contains(out, "DJL401") || strings.Contains(out, "NGX") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = runCLI(t, "config", dir)
	if !strings.Contains(out, `select = ["DJL401"]`) {
		t.Errorf("djleak config shows the name, not the ID:\n%s", out)
	}
}

// TestFlagErrors: bad flags are rejected before analysis with a message
// naming the flag.
func TestFlagErrors(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--output"}, "flag --output needs a value (FILE)"},
		{[]string{"-o"}, "flag -o needs a value (FILE)"},
		{[]string{"--write-baseline"}, "flag --write-baseline needs a value (FILE)"},
		{[]string{"--output", "--format", "json"}, "flag --output needs a value (FILE), but is followed by the flag --format"},
		{[]string{"--write-baseline", "-q"}, "flag --write-baseline needs a value (FILE), but is followed by the flag -q"},
		{[]string{"--workers", "-3"}, "--workers must be 0 (one per CPU) or more, not -3"},
		{[]string{"--workers", "many"}, `invalid value "many" for --workers`},
		{[]string{"--frmat", "json"}, "unknown flag --frmat (did you mean --format?)"},
		{[]string{"--output-fromat", "json"}, "did you mean --output-format?"},
		{[]string{"--select", "DJL9"}, `--select: "DJL9" matches no rule`},
		{[]string{"--extend-select", "sesion-cookie-not-secure"}, "did you mean session-cookie-not-secure?"},
		{[]string{"--ignore", "NGX9"}, `--ignore: "NGX9" matches no rule`},
		{[]string{"--format", "jsn"}, `unknown format "jsn" (did you mean json?)`},
		{[]string{"--format", "text", "--format", "json"}, "only one report can go to standard output"},
		{[]string{"--format", "sarif="}, "the file name is missing"},
		{[]string{"--format", "json=" + tmp + "/x", "--format", "sarif=" + tmp + "/x"}, "two reports would be written to"},
		{[]string{"--output", tmp + "/no/such/dir/r.json"}, "does not exist"},
		{[]string{"--baseline", tmp + "/missing.json"}, "--baseline:"},
		{[]string{"--config", tmp + "/missing.toml"}, "--config " + tmp + "/missing.toml: no such file"},
		{[]string{"--color", "sometimes"}, "--color must be auto, always or never"},
		{[]string{"--isolated", "--config", "x.toml"}, "--config x.toml: no such file"},
		{[]string{"--isolated", "--config", seed + "/.djleak.toml"}, "--config FILE and --isolated exclude each other"},
		{[]string{"--config", "../../go.mod", "--config", "../../go.sum"}, "--config names two files"},
		{[]string{"--config", `select = ["DJL9"]`}, `--config "select = [\"DJL9\"]": select: "DJL9" matches no rule`},
		{[]string{"--config", `selec = []`}, `unknown configuration key selec (did you mean select?)`},
		{[]string{"--config", `select = DJL4`}, `not a TOML KEY = VALUE`},
		{[]string{"--config", `exclude = "legacy/"`}, `exclude must be a list of gitignore-style patterns`},
		{[]string{"--root", tmp + "/nowhere"}, "--root " + tmp + "/nowhere: no such directory"},
	} {
		code, out, errs := runCLI(t, append([]string{"check", seed}, tc.args...)...)
		if code != exitError || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
	if _, err := os.Stat("--"); err == nil {
		t.Error("a file named -- was written")
	}
	// Unknown commands get a suggestion too.
	if code, _, errs := runCLI(t, "chek", seed); code != exitError || !strings.Contains(errs, "did you mean check?") {
		t.Errorf("chek: exit %d, %q", code, errs)
	}
	// A rule name works wherever an ID does.
	code, out, _ := runCLI(t, "check", "--format", "concise", "--select", "session-cookie-not-secure", seed)
	if code != exitFindings || !strings.Contains(out, "DJL401") || strings.Contains(out, "DJL402") {
		t.Errorf("--select by name: exit %d\n%s", code, out)
	}
}

// TestHelp: --help and -h print to stdout and exit 0 for every command,
// with flags spelled --long.
func TestHelp(t *testing.T) {
	for _, cmd := range append(commandNames(), "help") {
		for _, h := range []string{"--help", "-h"} {
			args := []string{cmd, h}
			if cmd == "help" {
				args = []string{h}
			}
			code, out, errs := runCLI(t, args...)
			if code != exitClean || out == "" || errs != "" {
				t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, code, len(out), errs)
			}
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "-") && !strings.HasPrefix(f[0], "--") && len(strings.TrimSuffix(f[0], ",")) > 2 {
					t.Errorf("%v: a long flag with one dash: %q", args, line)
				}
			}
		}
	}
	code, out, _ := runCLI(t, "help", "check")
	if code != exitClean || !strings.HasPrefix(out, "Usage: djleak check [flags] [PATH...]") {
		t.Errorf("help check: exit %d\n%s", code, out)
	}
	_, out, _ = runCLI(t, "check", "--help")
	for _, want := range []string{"-o, --output FILE", "--format, --output-format FORMAT[=FILE]", "-q, --quiet", "-v, --verbose",
		"--extend-select RULES", "--force-exclude", "--select replaces the configuration's select"} {
		if !strings.Contains(out, want) {
			t.Errorf("check --help lacks %q:\n%s", want, out)
		}
	}
}

// TestSeveralOutputs: one run writes several reports, each to its own
// destination, with the same findings.
func TestSeveralOutputs(t *testing.T) {
	dir := t.TempDir()
	sarif, junit := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, out, errs := runCLI(t, "check", "--output-format", "sarif="+sarif, "--format", "junit="+junit, "--format", "json", seed)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Summary struct{ Findings int } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Summary.Findings == 0 {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, out)
	}
	var log struct {
		Runs []struct{ Results []any } `json:"runs"`
	}
	data, _ := os.ReadFile(sarif)
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs[0].Results) != rep.Summary.Findings {
		t.Errorf("SARIF file: %v, %d results vs %d findings", err, len(log.Runs), rep.Summary.Findings)
	}
	if data, _ := os.ReadFile(junit); !strings.Contains(string(data), "<testsuites") {
		t.Errorf("junit file:\n%s", data)
	}
	// --output pairs with the report that names no file.
	code, out, _ = runCLI(t, "check", "--output-format", "sarif", "--output", sarif, "--format", "concise="+junit, seed)
	if code != exitFindings || out != "" {
		t.Errorf("exit %d, stdout %q (not a terminal: nothing on it)", code, out)
	}
	if data, _ := os.ReadFile(sarif); !json.Valid(data) {
		t.Error("--output did not receive the SARIF report")
	}
	if data, _ := os.ReadFile(junit); !strings.Contains(string(data), ": DJL401 ") {
		t.Errorf("concise file:\n%s", data)
	}
}

// TestStatisticsQuietVerbose: --statistics counts per rule; -q drops the
// summary; -v logs the root, configuration, files and timings to stderr.
func TestStatisticsQuietVerbose(t *testing.T) {
	code, out, _ := runCLI(t, "check", "--statistics", seed)
	if code != exitFindings || !strings.Contains(out, "DJL401  session-cookie-not-secure  error") ||
		!strings.Contains(out, "Found 6 findings") || strings.Contains(out, "|") {
		t.Errorf("--statistics: exit %d\n%s", code, out)
	}
	_, out, _ = runCLI(t, "check", "--statistics", "--format", "json", seed)
	var stats []struct {
		Rule  string
		Count int
	}
	if err := json.Unmarshal([]byte(out), &stats); err != nil || len(stats) != 6 || stats[0].Count != 1 {
		t.Errorf("--statistics --format json: %v\n%s", err, out)
	}
	statsFile, sarifFile := filepath.Join(t.TempDir(), "stats.txt"), filepath.Join(t.TempDir(), "r.sarif")
	runCLI(t, "check", "--statistics", "-o", statsFile, "--format", "sarif="+sarifFile, seed)
	if data, _ := os.ReadFile(statsFile); !strings.Contains(string(data), "DJL401  session-cookie-not-secure") {
		t.Errorf("--statistics -o FILE:\n%s", data)
	}
	if data, _ := os.ReadFile(sarifFile); !json.Valid(data) {
		t.Errorf("--statistics replaced the SARIF file too:\n%s", data)
	}
	_, out, _ = runCLI(t, "check", "-q", seed)
	if strings.Contains(out, "Found ") || !strings.Contains(out, "DJL401") {
		t.Errorf("-q:\n%s", out)
	}
	if _, out, errs := runCLI(t, "check", "-qv", seed); strings.Contains(out, "Found ") || !strings.Contains(errs, "djleak: project root ") {
		t.Errorf("-qv is -q -v:\n%s%s", out, errs)
	}
	_, out, errs := runCLI(t, "check", "-v", "--format", "concise", seed)
	for _, want := range []string{"djleak: project root ", "djleak: configuration from ", "djleak: python mysite/settings.py", "djleak: nginx nginx/api.conf", "djleak: ran "} {
		if !strings.Contains(errs, want) {
			t.Errorf("-v stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(out, "djleak:") {
		t.Errorf("-v wrote to stdout:\n%s", out)
	}
}

// TestConfigFlags: --config FILE, --isolated, --extend-select and
// --extend-ignore against a project configuration.
func TestConfigFlags(t *testing.T) {
	dir := analyzertest.Write(t, cfgProject+`-- .djleak.toml --
select = ["DJL401"]
-- other.toml --
select = ["DJL402"]
`)
	rulesOf := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(t, append(append([]string{"check", "--format", "concise"}, args...), dir)...)
		if code == exitError {
			t.Fatalf("%v: %s", args, errs)
		}
		var ids []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(l); len(f) > 1 {
				ids = append(ids, f[1])
			}
		}
		return strings.Join(ids, " ")
	}
	if got := rulesOf(); got != "DJL401" {
		t.Errorf("configuration: %s", got)
	}
	if got := rulesOf("--extend-select", "csrf-cookie-not-secure"); got != "DJL401 DJL402" && got != "DJL402 DJL401" {
		t.Errorf("--extend-select: %s", got)
	}
	if got := rulesOf("--select", "DJL402"); got != "DJL402" {
		t.Errorf("--select replaces: %s", got)
	}
	if got := rulesOf("--extend-select", "DJL402", "--extend-ignore", "DJL401"); got != "DJL402" {
		t.Errorf("--extend-ignore: %s", got)
	}
	if got := rulesOf("--extend-select", "DJL402", "--ignore", "DJL401"); got != "DJL402" {
		t.Errorf("--ignore adds to ignore: %s", got)
	}
	if got := rulesOf("--config", filepath.Join(dir, "other.toml")); got != "DJL402" {
		t.Errorf("--config: %s", got)
	}
	os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[tool.djleak]\nselect = [\"csrf-cookie-not-secure\"]\n"), 0o644)
	if got := rulesOf("--config", filepath.Join(dir, "pyproject.toml")); got != "DJL402" {
		t.Errorf("--config pyproject.toml: %s", got)
	}
	os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[project]\nname = \"x\"\n"), 0o644)
	if code, _, errs := runCLI(t, "check", "--config", filepath.Join(dir, "pyproject.toml"), dir); code != exitError || !strings.Contains(errs, "has no [tool.djleak] table") {
		t.Errorf("--config pyproject.toml without [tool.djleak]: exit %d, %q", code, errs)
	}
	if got := rulesOf("--config", `select = ["csrf-cookie-not-secure"]`); got != "DJL402" {
		t.Errorf("--config KEY=VALUE: %s", got)
	}
	if got := rulesOf("--config", filepath.Join(dir, "other.toml"), "--config", `select = ["DJL401"]`); got != "DJL401" {
		t.Errorf("--config FILE then KEY=VALUE: %s", got)
	}
	if got := rulesOf("--isolated", "--config", `ignore = ["DJL401"]`); strings.Contains(got, "DJL401") || !strings.Contains(got, "DJL402") {
		t.Errorf("--isolated with an override: %s", got)
	}
	if got := rulesOf("--isolated"); !strings.Contains(got, "DJL401") || !strings.Contains(got, "DJL402") {
		t.Errorf("--isolated: %s", got)
	}
	_, _, errs := runCLI(t, "check", "-v", "--config", filepath.Join(dir, "other.toml"), dir)
	if !strings.Contains(errs, "configuration from "+filepath.Join(dir, "other.toml")) {
		t.Errorf("-v does not name --config's file:\n%s", errs)
	}
}

// TestExcludeFlags: --exclude replaces, --extend-exclude adds, and
// --force-exclude (or force-exclude in the configuration) skips excluded
// files even when they are named, as pre-commit names them.
func TestExcludeFlags(t *testing.T) {
	dir := analyzertest.Write(t, `
-- .djleak.toml --
exclude = ["legacy/"]
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
-- legacy/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
-- gen/views.py --
def v(request):
    return request.META["HTTP_X_CLIENT_DN"]
`)
	files := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(t, append(append([]string{"check", "--show-files"}, args...), dir)...)
		if code != exitClean {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
		return out
	}
	out := files()
	if !strings.Contains(out, "python  gen/views.py") || !strings.Contains(out, "python  mysite/settings.py") || strings.Contains(out, "legacy") {
		t.Errorf("--show-files:\n%s", out)
	}
	if out := files("--extend-exclude", "gen/"); strings.Contains(out, "gen/") || strings.Contains(out, "legacy/") {
		t.Errorf("--extend-exclude:\n%s", out)
	}
	if out := files("--exclude", "gen/"); strings.Contains(out, "gen/") || !strings.Contains(out, "legacy/settings.py") {
		t.Errorf("--exclude replaces:\n%s", out)
	}
	named := filepath.Join(dir, "legacy/settings.py")
	code, out, _ := runCLI(t, "check", "--format", "concise", named)
	if code != exitFindings || !strings.Contains(out, "legacy/settings.py") {
		t.Errorf("a named excluded file is analysed without --force-exclude: exit %d\n%s", code, out)
	}
	code, out, errs := runCLI(t, "check", "--format", "concise", "-v", "--force-exclude", named)
	if code != exitClean || strings.Contains(out, "legacy/") {
		t.Errorf("--force-exclude: exit %d\n%s", code, out)
	}
	if !strings.Contains(errs, "skipping "+named+": excluded") {
		t.Errorf("-v does not say the named file is skipped:\n%s", errs)
	}
	os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("exclude = [\"legacy/\"]\nforce-exclude = true\n"), 0o644)
	code, out, _ = runCLI(t, "check", "--format", "concise", named, filepath.Join(dir, "mysite/settings.py"))
	if code != exitFindings || strings.Contains(out, "legacy/") || !strings.Contains(out, "mysite/settings.py") {
		t.Errorf("force-exclude in the configuration: exit %d\n%s", code, out)
	}
}

// TestVersion: the version comes from ldflags, the module version or the
// VCS revision, never a fixed string.
func TestVersion(t *testing.T) {
	saved := analyzer.Version
	defer func() { analyzer.Version = saved }()
	analyzer.Version = devel
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a1b9c0d4e5f60718293a4b5c6d7e8f9a0b1c2"}, {Key: "vcs.modified", Value: "true"}}}, "0.0.0-devel+3f2a1b9c0d4e.dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a1b9c0d4e5f60718293a4b5c6d7e8f9a0b1c2"}, {Key: "vcs.modified", Value: "false"}}}, "0.0.0-devel+3f2a1b9c0d4e"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "0.0.0-devel"},
		{nil, "0.0.0-devel"},
	} {
		if got := buildVersion(tc.info, tc.info != nil); got != tc.want {
			t.Errorf("buildVersion(%+v) = %q, want %q", tc.info, got, tc.want)
		}
	}
	analyzer.Version = "v9.9.9"
	if got := buildVersion(&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true); got != "v9.9.9" {
		t.Errorf("ldflags version not kept: %q", got)
	}
	analyzer.Version = saved
	for _, args := range [][]string{{"version"}, {"--version"}, {"-V"}} {
		code, out, _ := runCLI(t, args...)
		if code != exitClean || out != "djleak "+analyzer.Version+"\n" || strings.Contains(out, "0.1.0-dev") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	// A real build with -ldflags.
	bin := filepath.Join(t.TempDir(), "djleak")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/djleak/djleak/analyzer.Version=v7.1.2", "-o", bin, ".")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	if out, err := exec.Command(bin, "-V").Output(); err != nil || string(out) != "djleak v7.1.2\n" {
		t.Errorf("built binary -V: %v %q", err, out)
	}
}

// TestConfigCommandEveryKey: djleak config prints every key, defaults
// included, and fails on a path that does not exist.
func TestConfigCommandEveryKey(t *testing.T) {
	dir := analyzertest.Write(t, cfgProject+"-- .djleak.toml --\nextra-token-names = [\"magic_key\"]\n")
	code, out, errs := runCLI(t, "config", dir)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, key := range analyzer.ConfigKeys() {
		if !strings.Contains(out, "\n"+key+" = ") && !strings.Contains(out, "["+key+"]") {
			t.Errorf("djleak config lacks %s:\n%s", key, out)
		}
	}
	if !strings.Contains(out, `extra-token-names = ["magic_key"]`) || !strings.Contains(out, "extra-sanitizers = []") {
		t.Errorf("djleak config:\n%s", out)
	}
	if code, _, errs := runCLI(t, "config", filepath.Join(dir, "no/such/dir")); code != exitError || !strings.Contains(errs, "no/such/dir") {
		t.Errorf("missing path: exit %d, %q", code, errs)
	}
	if code, out, _ := runCLI(t, "config", "--isolated", dir); code != exitClean || !strings.Contains(out, "extra-token-names = []") {
		t.Errorf("config --isolated:\n%s", out)
	}
}

// TestIncludeSuppressedCLI: suppressed findings are marked in text,
// concise and JSON, counted apart, and do not fail the run.
func TestIncludeSuppressedCLI(t *testing.T) {
	dir := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False  # djleak: ignore[DJL401] -- HTTPS-only intranet, tracked in SEC-12
CSRF_COOKIE_SECURE = False
`)
	code, out, _ := runCLI(t, "check", "--include-suppressed", "--color", "never", dir)
	if code != exitFindings || !strings.Contains(out, "DJL401 [suppressed] ") || !strings.Contains(out, "= suppressed: HTTPS-only intranet, tracked in SEC-12") ||
		!strings.Contains(out, "Found 1 finding (0 errors, 1 warning, 0 notes) in 1 file; 1 suppressed finding shown.") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	_, out, _ = runCLI(t, "check", "--include-suppressed", "--format", "concise", dir)
	if !strings.Contains(out, ": DJL401 [suppressed] SESSION_COOKIE_SECURE") || strings.Contains(out, "DJL402 [suppressed]") {
		t.Errorf("concise:\n%s", out)
	}
	_, out, _ = runCLI(t, "check", "--include-suppressed", "--format", "json", dir)
	var rep struct {
		Summary  struct{ Findings, Suppressed int }
		Findings []struct {
			Rule          string
			Suppressed    bool
			Justification string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Summary.Findings != 1 || rep.Summary.Suppressed != 1 ||
		len(rep.Findings) != 2 || !rep.Findings[0].Suppressed || rep.Findings[0].Rule != "DJL401" || rep.Findings[1].Suppressed {
		t.Errorf("json: %v %+v\n%s", err, rep, out)
	}
	os.WriteFile(filepath.Join(dir, "mysite/settings.py"), []byte("INSTALLED_APPS = []\nSESSION_COOKIE_SECURE = False  # djleak: ignore[DJL401] -- reason\nCSRF_COOKIE_SECURE = True\n"), 0o644)
	if code, out, _ := runCLI(t, "check", "--include-suppressed", dir); code != exitClean || !strings.Contains(out, "No findings in 1 file; 1 suppressed finding shown.") {
		t.Errorf("only suppressed: exit %d\n%s", code, out)
	}
}

// TestTextOnTerminal: when every report goes to a file and standard output
// is a terminal, the text report is shown there too (not with -q).
func TestTextOnTerminal(t *testing.T) {
	master, tty := openPTY(t)
	sarif := filepath.Join(t.TempDir(), "r.sarif")
	got := make(chan string)
	go func() {
		var b []byte
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil || strings.Contains(string(b), "Found 6 findings") {
				got <- string(b)
				return
			}
		}
	}()
	var errb strings.Builder
	code := run([]string{"check", "--color", "never", "--output-format", "sarif", "--output", sarif, seed}, strings.NewReader(""), tty, &errb)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out := <-got; !regexp.MustCompile(`mysite/settings.py:\d+:\d+: DJL401 `).MatchString(out) {
		t.Errorf("terminal got:\n%s", out)
	}
	if data, err := os.ReadFile(sarif); err != nil || !json.Valid(data) {
		t.Errorf("SARIF file: %v", err)
	}
	// With -q nothing is added: the terminal gets only the marker written
	// after the run.
	code = run([]string{"check", "-q", "--output-format", "sarif", "--output", sarif, seed}, strings.NewReader(""), tty, &errb)
	if code != exitFindings {
		t.Fatalf("-q: exit %d", code)
	}
	tty.WriteString("END-OF-RUN\n")
	var b []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(b), "END-OF-RUN") {
		n, err := master.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, buf[:n]...)
	}
	if strings.Contains(string(b), "DJL") {
		t.Errorf("-q printed the text report:\n%s", b)
	}
}

// TestSeveralReportsSnippet runs each command of the README's
// several-reports snippet in a copy of the seed project and checks the
// files it names.
func TestSeveralReportsSnippet(t *testing.T) {
	snippet := readmeSnippet(t, "several-reports")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(seed)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	n := 0
	for _, line := range strings.Split(snippet, "\n") {
		line, _, _ = strings.Cut(line, "#")
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		if words[0] != "djleak" {
			t.Fatalf("snippet line %q is not a djleak command", line)
		}
		n++
		code, out, errs := runCLI(t, words[1:]...)
		if code != exitFindings {
			t.Errorf("%s: exit %d\n%s", line, code, errs)
		}
		for i, w := range words {
			if (w == "--format" || w == "--output-format") && i+1 < len(words) {
				if format, file, ok := strings.Cut(words[i+1], "="); ok {
					data, err := os.ReadFile(file)
					if err != nil || len(data) == 0 {
						t.Errorf("%s: %s report %s not written: %v", line, format, file, err)
					}
				} else if !strings.Contains(words[i+1], "sarif") && out == "" {
					t.Errorf("%s: nothing on standard output", line)
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("snippet has %d commands, want 3", n)
	}
	if data, err := os.ReadFile("djleak.sarif"); err != nil || !json.Valid(data) {
		t.Errorf("djleak.sarif: %v", err)
	}
}

// TestSuppressionByName: a suppression comment may name the rule.
func TestSuppressionByName(t *testing.T) {
	dir := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False  # djleak: ignore[session-cookie-not-secure] -- HTTPS-only intranet
CSRF_COOKIE_SECURE = True
`)
	code, out, _ := runCLI(t, "check", "--format", "concise", "--report-unused-ignores", dir)
	if code != exitClean || out != "" {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestReadmeFlagsTable: the README's table of check flags lists every flag
// djleak check has, and no other.
func TestReadmeFlagsTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "### Flags of `djleak check`")
	end := strings.Index(text[start:], "\n\n`RULES`")
	if start < 0 || end < 0 {
		t.Fatal("README has no flags table for djleak check")
	}
	table := text[start : start+end]
	inTable := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range regexpFlags.FindAllStringSubmatch(first, -1) {
			inTable[m[1]] = true
		}
	}
	f := newCheckFlags()
	if len(inTable) < len(f.order) {
		t.Fatalf("read %d flags from the README's table, djleak check has %d", len(inTable), len(f.order))
	}
	for _, long := range f.order {
		if !inTable[long] {
			t.Errorf("README's flags table lacks --%s", long)
		}
		for _, a := range f.aliasesOf(long) {
			if !inTable[a] {
				t.Errorf("README's flags table lacks --%s", a)
			}
		}
		delete(inTable, long)
		for _, a := range f.aliasesOf(long) {
			delete(inTable, a)
		}
	}
	for extra := range inTable {
		t.Errorf("README's flags table has --%s, which djleak check does not", extra)
	}
}

var regexpFlags = regexp.MustCompile("`--([a-z-]+)")

// TestReadmeConfigKeys: the README's example configuration shows every
// configuration key.
func TestReadmeConfigKeys(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "### Configuration")
	if start < 0 {
		t.Fatal("README has no Configuration section")
	}
	block := text[start:]
	block = block[strings.Index(block, "```toml"):]
	block = block[:strings.Index(block[3:], "```")+3]
	for _, key := range analyzer.ConfigKeys() {
		if !strings.Contains(block, "\n"+key+" = ") && !strings.Contains(block, "["+key+"]") {
			t.Errorf("README's example configuration lacks %s", key)
		}
	}
}
