package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	// Goldens must not change with the build's version.
	analyzer.Version = "1.2.3"
	os.Exit(m.Run())
}

const settingsPy = `import os

GREETING = "👋 hi"; API_TOKEN = "sk_live_abcdef123456"
DEBUG = False
ALLOWED_HOSTS = [
    "example.com",
    "api.example.com",
    "www.example.com",
    "admin.example.com",
]
`

const appConf = "server {\n\tlisten 443 ssl;\n\tproxy_set_header X-Client-DN $ssl_client_s_dn;\n\tlocation / {\n\t\tproxy_pass http://app;\n\t}\n}\n"

const viewsPy = "def whoami(request):\n    return request.META[\"HTTP_X_CLIENT_DN\"]\n"

// span finds the n-th (0-based) occurrence of needle in f and returns its
// location.
func span(t testing.TB, f *source.File, needle string, n int) source.Location {
	t.Helper()
	off := 0
	for i := 0; ; i++ {
		k := bytes.Index(f.Content[off:], []byte(needle))
		if k < 0 {
			t.Fatalf("%q not found %d times in %s", needle, n+1, f.Path)
		}
		if i == n {
			return f.Span(off+k, off+k+len(needle))
		}
		off += k + len(needle)
	}
}

func fakeRules() []*analyzer.Rule {
	return []*analyzer.Rule{
		{
			ID: "DJL901", Name: "hardcoded-api-token", Title: "API token hard-coded in settings",
			Severity: analyzer.Error, CWE: []int{798, 200}, Precision: analyzer.High, Tags: []string{"django", "secrets"},
			WhatItDoes: "Finds `*_TOKEN` settings assigned a **literal** string. See [the docs](https://example.com/tokens).",
			WhyBad:     "Anyone who can read the repository can use the token.",
			Example:    "-- mysite/settings.py --\nAPI_TOKEN = \"sk_live_x\"\n",
			UseInstead: "-- mysite/settings.py --\nAPI_TOKEN = os.environ[\"API_TOKEN\"]\n",
			Notes:      "Values are masked in every output.",
		},
		{
			ID: "NGX902", Name: "identity-header-spoofable", Title: "Client identity header can be spoofed",
			Severity: analyzer.Warning, CWE: []int{290}, Precision: analyzer.Medium,
			WhatItDoes: "Reports client-certificate headers that nginx forwards without `ssl_verify_client on`.",
			WhyBad:     "A client can send the header itself.",
			Example:    "-- nginx/app.conf --\nserver { proxy_set_header X-Client-DN $ssl_client_s_dn; }\n",
			UseInstead: "-- nginx/app.conf --\nserver { ssl_verify_client on; proxy_set_header X-Client-DN $ssl_client_s_dn; }\n",
		},
		{
			ID: "DJL903", Name: "debug-enabled", Title: "DEBUG is enabled",
			Severity: analyzer.Note, Precision: analyzer.VeryHigh,
			WhatItDoes: "Reports `DEBUG = True`.",
			WhyBad:     "Debug pages leak settings.",
			Example:    "-- mysite/settings.py --\nDEBUG = True\n",
			UseInstead: "-- mysite/settings.py --\nDEBUG = False\n",
		},
	}
}

// sampleResult is a hand-built run with every feature the formats render:
// a finding after an emoji (UTF-16 column ≠ code-point column), a
// multi-line range, tabs, an empty range, related locations and a code
// flow that touch a built-in nginx file, a path that needs URI escaping,
// and a message with characters GitHub commands must escape.
func sampleResult(t testing.TB) *analyzer.Result {
	t.Helper()
	settings := source.NewFile("mysite/settings.py", []byte(settingsPy))
	conf := source.NewFile("deploy/nginx/sites enabled/app.conf", []byte(appConf))
	views := source.NewFile("app/views.py", []byte(viewsPy))
	builtin := source.NewFile("<builtin>/proxy_params", []byte("proxy_set_header Host $http_host;\n"))

	token := span(t, settings, `"sk_live_abcdef123456"`, 0)
	header := span(t, conf, "proxy_set_header X-Client-DN $ssl_client_s_dn;", 0)
	reads := span(t, views, `request.META["HTTP_X_CLIENT_DN"]`, 0)
	hosts := settings.Span(settings.LineStart(5), settings.LineStart(11)-1) // ALLOWED_HOSTS = [ … ]

	findings := []*analyzer.Finding{
		{
			RuleID: "DJL901", Severity: analyzer.Error, Location: token,
			Message:     "API_TOKEN is the literal " + analyzer.Mask("sk_live_abcdef123456") + ": anyone with the code can use it",
			Fingerprint: "0123456789abcdef",
			Secrets:     []string{"sk_live_abcdef123456"},
		},
		{
			RuleID: "DJL903", Severity: analyzer.Note, Location: hosts,
			Message:     "ALLOWED_HOSTS lists 4 hosts; 100% of them: api, www, admin\nsecond line",
			Fingerprint: "1111111111111111",
		},
		{
			RuleID: "NGX902", Severity: analyzer.Warning, Location: header,
			Message: "server forwards `X-Client-DN` but does not verify client certificates",
			Related: []analyzer.Related{
				{Location: reads, Message: "the application reads client identity here"},
				{Location: builtin.LineSpan(1), Message: "included from the built-in proxy_params"},
				{Location: span(t, conf, "location /", 0), Message: "requests reach the application through this location"},
			},
			Flow: []analyzer.Step{
				{Location: span(t, conf, "X-Client-DN $ssl_client_s_dn", 0), Message: "a client sends its own X-Client-DN"},
				{Location: builtin.LineSpan(1), Message: "proxy_params passes the request on"},
				{Location: reads, Message: "the application trusts HTTP_X_CLIENT_DN"},
			},
			Fingerprint: "2222222222222222",
		},
		{
			RuleID: "NGX902", Severity: analyzer.Warning, Location: conf.Span(0, 0),
			Message:     "empty range at the start of the file",
			Fingerprint: "3333333333333333",
		},
	}
	analyzer.SortFindings(findings)
	return &analyzer.Result{
		Root:     "/srv/projects/djleak demo",
		Findings: findings,
		Rules:    fakeRules(),
		Files: map[string]*source.File{
			settings.Path: settings,
			conf.Path:     conf,
			views.Path:    views,
		},
		FilesScanned: 7,
		Secrets:      []string{"sk_live_abcdef123456"},
	}
}

func render(t testing.TB, format string, res *analyzer.Result, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, res, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./analyzer/report -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	res := sampleResult(t)
	for _, tc := range []struct{ format, file string }{
		{"text", "text.golden"},
		{"concise", "concise.golden"},
		{"json", "json.golden"},
		{"github", "github.golden"},
		{"sarif", "sample.sarif"},
		{"junit", "junit.golden"},
		{"gitlab", "gitlab.golden"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			got := render(t, tc.format, res, Options{})
			golden(t, tc.file, got)
			if again := render(t, tc.format, sampleResult(t), Options{}); !bytes.Equal(got, again) {
				t.Errorf("%s output is not deterministic", tc.format)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	want := []string{"text", "concise", "json", "sarif", "github", "junit", "gitlab"}
	if strings.Join(Formats, ",") != strings.Join(want, ",") {
		t.Errorf("Formats = %v, want %v", Formats, want)
	}
	for _, f := range Formats {
		if err := Write(&bytes.Buffer{}, f, sampleResult(t), Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := Write(&bytes.Buffer{}, f, &analyzer.Result{}, Options{}); err != nil {
			t.Errorf("%s on an empty result: %v", f, err)
		}
	}
	if err := Write(&bytes.Buffer{}, "xml", sampleResult(t), Options{}); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("unknown format: err = %v", err)
	}
}

func TestNoColorUnlessAsked(t *testing.T) {
	res := sampleResult(t)
	for _, f := range Formats {
		if out := render(t, f, res, Options{}); bytes.Contains(out, []byte("\x1b[")) {
			t.Errorf("%s without Color has ANSI escapes", f)
		}
	}
	colored := render(t, "text", res, Options{Color: true})
	for _, esc := range []string{"\x1b[1;31mDJL901", "\x1b[1;33mNGX902", "\x1b[1;36mDJL903", "\x1b[1mFound"} {
		if !bytes.Contains(colored, []byte(esc)) {
			t.Errorf("coloured text lacks %q", esc)
		}
	}
	// Stripping the escapes gives the plain output back.
	plain := render(t, "text", res, Options{})
	if got := stripANSI(string(colored)); got != string(plain) {
		t.Errorf("coloured text minus escapes differs from plain text:\n%s", got)
	}
	for _, f := range []string{"concise", "json", "sarif", "github"} {
		if !bytes.Equal(render(t, f, res, Options{Color: true}), render(t, f, res, Options{})) {
			t.Errorf("%s output depends on Color", f)
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestSecretsMaskedInSourceText: a literal secret in the code never appears
// in full in any format, code frames and SARIF snippets included.
func TestSecretsMaskedInSourceText(t *testing.T) {
	res := sampleResult(t)
	for _, format := range Formats {
		var b strings.Builder
		if err := Write(&b, format, res, Options{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "sk_live_abcdef123456") {
			t.Errorf("%s output shows the secret unmasked", format)
		}
	}
}
