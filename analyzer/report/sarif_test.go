package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

const schemaFile = "../../testdata/sarif/sarif-schema-2.1.0.json"

// offline refuses every URL, so that compiling the schema can never reach
// the network: the only documents are the ones added as resources and the
// library's built-in meta-schemas.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, errors.New("network access disabled in tests: " + url)
}

// sarifSchema compiles the official SARIF 2.1.0 schema from testdata,
// registered under its own id.
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := doc.(map[string]any)["id"].(string)
	if !strings.HasPrefix(id, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/") {
		t.Fatalf("unexpected schema id %q", id)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateSARIF(t *testing.T, sch *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF output does not match the 2.1.0 schema: %#v", err)
	}
}

func TestSARIFSchema(t *testing.T) {
	sch := compileSARIFSchema(t)
	validateSARIF(t, sch, render(t, "sarif", sampleResult(t), Options{}))
	validateSARIF(t, sch, render(t, "sarif", &analyzer.Result{}, Options{}))
	validateSARIF(t, sch, render(t, "sarif", &analyzer.Result{Root: "/p", Rules: fakeRules(), FilesScanned: 3}, Options{}))

	// The schema check has teeth: a wrong level is rejected.
	bad := bytes.Replace(render(t, "sarif", sampleResult(t), Options{}), []byte(`"level": "warning"`), []byte(`"level": "fatal"`), 1)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if sch.Validate(inst) == nil {
		t.Error("schema accepted an invalid level")
	}
}

// sarifDoc is the part of a SARIF log the assertions read.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, SemanticVersion, InformationURI string
				Rules                                          []struct {
					ID                   string
					Name                 string
					ShortDescription     sarifText
					FullDescription      sarifText
					Help                 sarifText
					HelpURI              string
					DefaultConfiguration sarifConfiguration
					Properties           map[string]any
				}
			}
		}
		Invocations        []sarifInvocation
		OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
		ColumnKind         string
		Results            []struct {
			RuleID              string
			RuleIndex           *int
			Level               string
			Message             sarifText
			Locations           []sarifLocation
			PartialFingerprints map[string]string
			RelatedLocations    []sarifLocation
			CodeFlows           []sarifCodeFlow
		}
	}
}

func decodeSARIF(t *testing.T, data []byte) sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 1 {
		t.Fatalf("%d runs", len(d.Runs))
	}
	return d
}

func TestSARIFContent(t *testing.T) {
	res := sampleResult(t)
	data := render(t, "sarif", res, Options{})
	d := decodeSARIF(t, data)
	run := d.Runs[0]

	if d.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || d.Version != "2.1.0" {
		t.Errorf("$schema %q, version %q", d.Schema, d.Version)
	}
	drv := run.Tool.Driver
	if drv.Name != "djleak" || drv.Version != "1.2.3" || drv.SemanticVersion != "1.2.3" || drv.InformationURI != analyzer.InformationURI {
		t.Errorf("driver = %+v", drv)
	}
	if run.ColumnKind != "utf16CodeUnits" {
		t.Errorf("columnKind %q", run.ColumnKind)
	}
	if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != "file:///srv/projects/djleak%20demo/" {
		t.Errorf("%%SRCROOT%% = %q", got)
	}
	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful {
		t.Errorf("invocations = %+v", run.Invocations)
	}

	// Every enabled rule, in order, with its metadata.
	if len(drv.Rules) != len(res.Rules) {
		t.Fatalf("%d rules, want %d", len(drv.Rules), len(res.Rules))
	}
	for i, r := range res.Rules {
		sr := drv.Rules[i]
		if sr.ID != r.ID || sr.ShortDescription.Text != r.Title || sr.HelpURI != r.HelpURI() ||
			sr.Help.Markdown != r.Doc() || sr.DefaultConfiguration.Level != r.Severity.String() {
			t.Errorf("rule %d = %+v", i, sr)
		}
		if strings.ContainsAny(sr.Name, "- ") || sr.Name == "" || sr.Name[0] < 'A' || sr.Name[0] > 'Z' {
			t.Errorf("rule name %q is not PascalCase", sr.Name)
		}
		if strings.Contains(sr.FullDescription.Text, "`") || strings.Contains(sr.Help.Text, "```") || strings.Contains(sr.Help.Text, "## ") {
			t.Errorf("plain-text descriptions contain Markdown: %q / %q", sr.FullDescription.Text, sr.Help.Text)
		}
		// security-severity comes from the rule's CWEs (impact), not its
		// level: the warning NGX902 (CWE-290, spoofed identity) outranks
		// the error DJL901 (CWE-798, 200: not in the table, so its level's
		// score). DJL903 names no CWE: not a security rule.
		wantSev := map[string]any{"DJL901": analyzer.Error.SecurityScore(), "NGX902": "9.1", "DJL903": nil}[r.ID]
		if got := sr.Properties["security-severity"]; got != wantSev {
			t.Errorf("%s security-severity = %#v, want %#v", r.ID, got, wantSev)
		}
		if sr.Properties["precision"] != string(r.Precision) {
			t.Errorf("%s precision = %v", r.ID, sr.Properties["precision"])
		}
	}
	if got := fmt.Sprint(drv.Rules[0].Properties["tags"]); got != "[security external/cwe/cwe-798 external/cwe/cwe-200 django secrets]" {
		t.Errorf("tags = %s", got)
	}
	if got := drv.Rules[0].Name; got != "HardcodedApiToken" {
		t.Errorf("name = %q", got)
	}
	if got := drv.Rules[0].FullDescription.Text; got != "Finds *_TOKEN settings assigned a literal string. See the docs (https://example.com/tokens)." {
		t.Errorf("fullDescription.text = %q", got)
	}
	for i, want := range []string{"error", "warning", "recommendation"} {
		if got := drv.Rules[i].Properties["problem.severity"]; got != want {
			t.Errorf("rule %d problem.severity = %v, want %s", i, got, want)
		}
	}

	if len(run.Results) != len(res.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(res.Findings))
	}
	for i, r := range run.Results {
		f := res.Findings[i]
		if r.RuleIndex == nil || *r.RuleIndex < 0 || *r.RuleIndex >= len(drv.Rules) || drv.Rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %v does not point at %s", i, r.RuleIndex, r.RuleID)
		}
		if r.RuleID != f.RuleID || r.Level != f.Severity.String() || !strings.HasPrefix(r.Message.Text, f.Message) {
			t.Errorf("result %d = %s %s %q", i, r.RuleID, r.Level, r.Message.Text)
		}
		if r.PartialFingerprints["djleak/v1"] != f.Fingerprint {
			t.Errorf("result %d fingerprints = %v", i, r.PartialFingerprints)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d locations = %+v", i, r.Locations)
		}
	}

	// The token sits after an emoji: one code point, two UTF-16 units.
	tok := run.Results[2]
	if tok.RuleID != "DJL901" {
		t.Fatalf("results out of order: %s", tok.RuleID)
	}
	loc := res.Findings[2].Location
	reg := tok.Locations[0].PhysicalLocation.Region
	if loc.Start.Column != 32 || reg.StartColumn != 33 || reg.EndColumn != 55 || reg.StartLine != 3 || reg.EndLine != 3 {
		t.Errorf("columns: code point %d, region %+v; want UTF-16 33..55", loc.Start.Column, reg)
	}
	if reg.Snippet == nil || reg.Snippet.Text != `"sk_l…"` {
		t.Errorf("snippet = %+v", reg.Snippet)
	}
	ctx := tok.Locations[0].PhysicalLocation.ContextRegion
	if ctx == nil || ctx.StartLine != 2 || ctx.EndLine != 4 || !strings.Contains(ctx.Snippet.Text, "👋") {
		t.Errorf("contextRegion = %+v", ctx)
	}
	if got := tok.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "mysite/settings.py" {
		t.Errorf("uri = %q", got)
	}

	// Related locations and flow steps in <builtin>/ files are dropped; ids
	// stay consecutive.
	ngx := run.Results[1]
	if len(ngx.RelatedLocations) != 2 || ngx.RelatedLocations[0].ID != 1 || ngx.RelatedLocations[1].ID != 2 {
		t.Errorf("relatedLocations = %+v", ngx.RelatedLocations)
	}
	if got, want := ngx.Message.Text, f1Message(res)+". Related locations: [app/views.py:2](1), [deploy/nginx/sites enabled/app.conf:4](2)."; got != want {
		t.Errorf("message with related links = %q, want %q", got, want)
	}
	if got := ngx.RelatedLocations[0].Message; got == nil || got.Text != "the application reads client identity here" {
		t.Errorf("related message = %+v", got)
	}
	if len(ngx.CodeFlows) != 1 || len(ngx.CodeFlows[0].ThreadFlows) != 1 || len(ngx.CodeFlows[0].ThreadFlows[0].Locations) != 2 {
		t.Fatalf("codeFlows = %+v", ngx.CodeFlows)
	}
	if got := ngx.CodeFlows[0].ThreadFlows[0].Locations[1].Location.Message.Text; got != "the application trusts HTTP_X_CLIENT_DN" {
		t.Errorf("flow step message = %q", got)
	}
	if got := ngx.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "deploy/nginx/sites%20enabled/app.conf" {
		t.Errorf("escaped uri = %q", got)
	}
	if len(run.Results[0].RelatedLocations) != 0 || len(run.Results[0].CodeFlows) != 0 {
		t.Error("a finding without related locations or flow must not get them")
	}
	if bytes.Contains(data, []byte("<builtin>")) || bytes.Contains(data, []byte("builtin%3E")) {
		t.Error("SARIF output mentions a <builtin> file")
	}

	// An empty region still has a (empty) snippet.
	empty := run.Results[0].Locations[0].PhysicalLocation.Region
	if empty.StartColumn != 1 || empty.EndColumn != 1 || empty.Snippet == nil || empty.Snippet.Text != "" {
		t.Errorf("empty region = %+v", empty)
	}
}

func f1Message(res *analyzer.Result) string { return res.Findings[1].Message }

func TestSARIFEmpty(t *testing.T) {
	data := render(t, "sarif", &analyzer.Result{Root: "/p"}, Options{})
	for _, want := range []string{`"results": []`, `"rules": []`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("empty SARIF lacks %s:\n%s", want, data)
		}
	}
}

func TestSARIFUnknownRule(t *testing.T) {
	// A finding whose rule is not listed still gets a descriptor, so its
	// ruleIndex is valid.
	f := source.NewFile("a.py", []byte("x = 1\n"))
	res := &analyzer.Result{
		Rules:    fakeRules()[:1],
		Findings: []*analyzer.Finding{{RuleID: "DJL999", Severity: analyzer.Warning, Message: "m", Location: f.Span(0, 1)}},
		Files:    map[string]*source.File{f.Path: f},
	}
	data := render(t, "sarif", res, Options{})
	validateSARIF(t, compileSARIFSchema(t), data)
	d := decodeSARIF(t, data)
	r := d.Runs[0].Results[0]
	if *r.RuleIndex != 1 || d.Runs[0].Tool.Driver.Rules[1].ID != "DJL999" {
		t.Errorf("ruleIndex %d, rules %+v", *r.RuleIndex, d.Runs[0].Tool.Driver.Rules)
	}
}

func TestURIs(t *testing.T) {
	for in, want := range map[string]string{
		"mysite/settings.py":       "mysite/settings.py",
		"a b/c#d?e%f.conf":         "a%20b/c%23d%3Fe%25f.conf",
		"naïve/日本.py":              "na%C3%AFve/%E6%97%A5%E6%9C%AC.py",
		"c:weird/x.py":             "c%3Aweird/x.py",
		"snippets/a+b;c=d,e@f.txt": "snippets/a%2Bb%3Bc%3Dd%2Ce%40f.txt",
	} {
		if got := relativeURI(in); got != want {
			t.Errorf("relativeURI(%q) = %q, want %q", in, got, want)
		}
	}
	if filepath.Separator == '/' {
		for in, want := range map[string]string{
			"/":             "file:///",
			"/srv/app":      "file:///srv/app/",
			"/srv/app/":     "file:///srv/app/",
			"/home/é x/prj": "file:///home/%C3%A9%20x/prj/",
		} {
			if got := rootURI(in); got != want {
				t.Errorf("rootURI(%q) = %q, want %q", in, got, want)
			}
		}
	}
}

func TestSemanticVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "v0.1.0-dev": "0.1.0-dev", "1.0.0+abc.1": "1.0.0+abc.1",
		"(devel)": "", "1.2": "", "01.2.3": "",
	} {
		if got := semanticVersion(in); got != want {
			t.Errorf("semanticVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainText(t *testing.T) {
	md := "# title (X)\n\nUse `a*b*c` and **bold** or *em*; see [docs](https://x.y/z).\n\n```python\nx = 1\n\ny = 2\n```\n\n\n## Next\n"
	want := "title (X)\n\nUse a*b*c and bold or em; see docs (https://x.y/z).\n\n    x = 1\n\n    y = 2\n\nNext"
	if got := plainText(md); got != want {
		t.Errorf("plainText:\n%q\nwant\n%q", got, want)
	}
}

// TestSARIFMultitool runs Microsoft's SARIF Multitool on the golden SARIF
// (through .ci/sarif-validate, in strict mode: no errors and no warnings).
// It needs the tool from .ci/install-deps; without it the test skips
// locally and fails in CI.
func TestSARIFMultitool(t *testing.T) {
	script, _ := filepath.Abs("../../.ci/sarif-validate")
	if _, err := os.Stat("../../.ci/node_modules/.bin/sarif-multitool"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("SARIF Multitool missing in CI; .ci/install-deps should have installed it")
		}
		t.Skip("SARIF Multitool not installed; run .ci/install-deps")
	}
	if testing.Short() {
		t.Skip("slow: runs the SARIF Multitool")
	}
	out := filepath.Join(t.TempDir(), "sample.sarif")
	if err := os.WriteFile(out, render(t, "sarif", sampleResult(t), Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	msg, err := exec.Command(script, "--strict", out).CombinedOutput()
	if err != nil {
		t.Fatalf("multitool validation failed: %v\n%s", err, msg)
	}
	if !strings.Contains(string(msg), "ok (0 errors, 0 warnings") {
		t.Errorf("unexpected validator output:\n%s", msg)
	}

	// And it does fail on a broken log.
	bad := filepath.Join(t.TempDir(), "bad.sarif")
	broken := bytes.Replace(render(t, "sarif", sampleResult(t), Options{}), []byte(`"endLine": 3,`), []byte(`"endLine": 1,`), 1)
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	msg, err = exec.Command(script, bad).CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "SARIF1007") {
		t.Errorf("broken SARIF passed validation: %v\n%s", err, msg)
	}

	// Several files in one run: each is judged on its own.
	msg, err = exec.Command(script, "--strict", out, bad).CombinedOutput()
	if err == nil || !strings.Contains(string(msg), out+": ok (0 errors, 0 warnings") ||
		!strings.Contains(string(msg), bad+": invalid SARIF (1 error") || !strings.Contains(string(msg), bad+"(") {
		t.Errorf("a good and a broken log validated together: %v\n%s", err, msg)
	}
}
