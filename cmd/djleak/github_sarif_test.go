package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// ghSARIF is the part of a SARIF log GitHub code scanning reads.
type ghSARIF struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, SemanticVersion string
				Rules                          []struct {
					ID                   string
					ShortDescription     struct{ Text string }
					FullDescription      struct{ Text, Markdown string }
					Help                 struct{ Text, Markdown string }
					HelpURI              string
					DefaultConfiguration struct{ Level string }
					Properties           map[string]any
				}
			}
		}
		AutomationDetails *struct{ ID string } `json:"automationDetails"`
		Invocations       []struct {
			ExecutionSuccessful        bool
			ToolExecutionNotifications []struct {
				Level     string
				Message   struct{ Text string }
				Locations []ghLocation
			}
		}
		OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
		Results            []struct {
			RuleID              string
			RuleIndex           *int
			Level               string
			Message             struct{ Text string }
			Locations           []ghLocation
			PartialFingerprints map[string]string
			RelatedLocations    []ghLocation
			CodeFlows           []struct {
				ThreadFlows []struct {
					Locations []struct{ Location ghLocation }
				}
			}
		}
	}
}

type ghLocation struct {
	ID               int
	PhysicalLocation struct {
		ArtifactLocation struct{ URI, URIBaseID string }
		Region           *struct{ StartLine, StartColumn, EndLine, EndColumn int }
	}
	Message *struct{ Text string }
}

var (
	embeddedLink = regexp.MustCompile(`(?:^|[^\\])\[((?:[^\]\\]|\\.)*)\]\((\d+)\)`)
	lineHash     = regexp.MustCompile(`^[0-9a-f]{1,16}:[1-9][0-9]*$`)
	mdLinkTarget = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// checkGitHubSARIF checks a SARIF log against what GitHub documents for
// code scanning uploads ("SARIF support for code scanning"), item by item:
//
//  1. version is "2.1.0" and $schema names the 2.1.0 schema.
//  2. runs: at most 20 per file; tool.driver.name is set, and version or
//     semanticVersion identifies the tool's version.
//  3. rules: an id each, unique; shortDescription.text, fullDescription.text
//     and help.text set (GitHub shows them in the alert); helpUri and every
//     link in help.markdown absolute (GitHub shows help outside the
//     repository); defaultConfiguration.level one of error, warning, note,
//     none; at most 20 tags; precision one of very-high, high, medium, low;
//     problem.severity one of error, warning, recommendation.
//  4. security-severity: a string holding a number from 0.0 to 10.0, on the
//     rules tagged "security" and on no other (GitHub ranks only security
//     alerts by it); djleak's own trouble (DJL001-003, NGX001-003 and the
//     other xxx00N rules) is not a security rule.
//  5. results: at most 25,000 per run; ruleId set and ruleIndex pointing at
//     that rule; level one of error, warning, note, none; message.text set.
//  6. locations: exactly one per result (GitHub uses only the first), with
//     artifactLocation.uri relative to the checkout (through uriBaseId
//     %SRCROOT%, which originalUriBaseIds maps to the repository root) and
//     naming a file there; region.startLine ≥ 1 and, when given, columns ≥ 1
//     and the end not before the start.
//  7. partialFingerprints.primaryLocationLineHash set, as "<hex>:<n>", so
//     that alerts are tracked across commits even when lines move.
//  8. relatedLocations: at most 1,000, each with a unique id and a message;
//     the result's message links to them with "[text](id)", and every such
//     link names an existing id.
//  9. codeFlows: thread-flow locations at most 10,000 each, each with a
//     physical location.
//  10. automationDetails.id, when a category is given, is that category
//     ending with "/".
//  11. invocations[0].executionSuccessful is false exactly when a file could
//     not be parsed, with a toolExecutionNotifications entry per such file.
func checkGitHubSARIF(t *testing.T, data []byte, repo, category string) ghSARIF {
	t.Helper()
	var log ghSARIF
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	// 1, 2
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") {
		t.Errorf("version %q, $schema %q", log.Version, log.Schema)
	}
	if len(log.Runs) == 0 || len(log.Runs) > 20 {
		t.Fatalf("%d runs", len(log.Runs))
	}
	for _, run := range log.Runs {
		drv := run.Tool.Driver
		if drv.Name != "djleak" || (drv.Version == "" && drv.SemanticVersion == "") {
			t.Errorf("driver %q version %q/%q", drv.Name, drv.Version, drv.SemanticVersion)
		}
		// 3, 4
		ids := map[string]bool{}
		for _, r := range drv.Rules {
			if r.ID == "" || ids[r.ID] {
				t.Errorf("rule id %q missing or repeated", r.ID)
			}
			ids[r.ID] = true
			if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" {
				t.Errorf("%s: shortDescription, fullDescription or help text missing", r.ID)
			}
			for _, link := range append([]string{r.HelpURI}, targets(r.Help.Markdown+r.FullDescription.Markdown)...) {
				if u, err := url.Parse(link); err != nil || !u.IsAbs() || u.Host == "" {
					t.Errorf("%s: link %q is not absolute", r.ID, link)
				}
			}
			if !oneOf(r.DefaultConfiguration.Level, "error", "warning", "note", "none") {
				t.Errorf("%s: level %q", r.ID, r.DefaultConfiguration.Level)
			}
			tags, _ := r.Properties["tags"].([]any)
			security := false
			for _, tg := range tags {
				security = security || tg == "security"
			}
			if len(tags) > 20 {
				t.Errorf("%s: %d tags", r.ID, len(tags))
			}
			if p, _ := r.Properties["precision"].(string); !oneOf(p, "very-high", "high", "medium", "low") {
				t.Errorf("%s: precision %q", r.ID, p)
			}
			if p, _ := r.Properties["problem.severity"].(string); !oneOf(p, "error", "warning", "recommendation") {
				t.Errorf("%s: problem.severity %q", r.ID, p)
			}
			sev, has := r.Properties["security-severity"]
			if has != security {
				t.Errorf("%s: security-severity %v with tags %v", r.ID, sev, tags)
			}
			if has {
				s, ok := sev.(string)
				v, err := strconv.ParseFloat(s, 64)
				if !ok || err != nil || v < 0 || v > 10 {
					t.Errorf("%s: security-severity %#v is not a string number in 0-10", r.ID, sev)
				}
			}
			if toolRule := regexp.MustCompile(`^[A-Z]{3}00[0-9]$`).MatchString(r.ID); toolRule && security {
				t.Errorf("%s reports djleak's own trouble but is tagged security", r.ID)
			} else if !toolRule && !security {
				t.Errorf("%s finds a weakness but is not tagged security", r.ID)
			}
		}
		// 10
		if category != "" && (run.AutomationDetails == nil || run.AutomationDetails.ID != strings.TrimSuffix(category, "/")+"/") {
			t.Errorf("automationDetails = %+v, want id %q", run.AutomationDetails, category+"/")
		}
		if base := run.OriginalURIBaseIDs["%SRCROOT%"].URI; base != "file://"+filepath.ToSlash(repo)+"/" {
			t.Errorf("%%SRCROOT%% = %q, want the repository root %s", base, repo)
		}
		// 5-9
		if len(run.Results) > 25000 {
			t.Errorf("%d results", len(run.Results))
		}
		unparsed := map[string]bool{}
		for i, r := range run.Results {
			if r.RuleIndex == nil || *r.RuleIndex >= len(drv.Rules) || drv.Rules[*r.RuleIndex].ID != r.RuleID {
				t.Errorf("result %d: ruleIndex does not point at %s", i, r.RuleID)
			}
			if strings.HasSuffix(r.RuleID, "001") && len(r.Locations) > 0 { // DJL001, NGX001, …: syntax errors
				unparsed[r.Locations[0].PhysicalLocation.ArtifactLocation.URI] = true
			}
			if !oneOf(r.Level, "error", "warning", "note", "none") || r.Message.Text == "" {
				t.Errorf("result %d: level %q message %q", i, r.Level, r.Message.Text)
			}
			if len(r.Locations) != 1 {
				t.Errorf("result %d: %d locations", i, len(r.Locations))
				continue
			}
			checkLocation(t, repo, r.Locations[0], "result "+strconv.Itoa(i))
			if h := r.PartialFingerprints["primaryLocationLineHash"]; !lineHash.MatchString(h) {
				t.Errorf("result %d: primaryLocationLineHash %q", i, h)
			}
			if len(r.RelatedLocations) > 1000 {
				t.Errorf("result %d: %d related locations", i, len(r.RelatedLocations))
			}
			relIDs := map[int]bool{}
			for _, l := range r.RelatedLocations {
				if l.ID <= 0 || relIDs[l.ID] || l.Message == nil || l.Message.Text == "" {
					t.Errorf("result %d: related location id %d repeated or without message", i, l.ID)
				}
				relIDs[l.ID] = true
				checkLocation(t, repo, l, "related location")
			}
			linked := map[int]bool{}
			for _, m := range embeddedLink.FindAllStringSubmatch(r.Message.Text, -1) {
				id, _ := strconv.Atoi(m[2])
				if !relIDs[id] {
					t.Errorf("result %d: message links to related location %d, which does not exist: %q", i, id, r.Message.Text)
				}
				linked[id] = true
			}
			if len(linked) != len(relIDs) {
				t.Errorf("result %d: message links %d of %d related locations: %q", i, len(linked), len(relIDs), r.Message.Text)
			}
			for _, cf := range r.CodeFlows {
				for _, tf := range cf.ThreadFlows {
					if len(tf.Locations) > 10000 {
						t.Errorf("result %d: %d thread-flow locations", i, len(tf.Locations))
					}
					for _, l := range tf.Locations {
						checkLocation(t, repo, l.Location, "flow step")
					}
				}
			}
		}
		// 11
		inv := run.Invocations
		if len(inv) != 1 || inv[0].ExecutionSuccessful != (len(unparsed) == 0) || len(inv[0].ToolExecutionNotifications) != len(unparsed) {
			t.Errorf("invocations = %+v with %d files that did not parse", inv, len(unparsed))
		}
		for _, n := range inv[0].ToolExecutionNotifications {
			if n.Level != "error" || n.Message.Text == "" || len(n.Locations) != 1 {
				t.Errorf("notification = %+v", n)
			}
		}
	}
	return log
}

func checkLocation(t *testing.T, repo string, l ghLocation, what string) {
	t.Helper()
	al := l.PhysicalLocation.ArtifactLocation
	p, err := url.PathUnescape(al.URI)
	if err != nil || al.URIBaseID != "%SRCROOT%" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || strings.Contains(al.URI, "://") {
		t.Errorf("%s: uri %q (base %q) is not relative to the checkout", what, al.URI, al.URIBaseID)
		return
	}
	if _, err := os.Stat(filepath.Join(repo, filepath.FromSlash(p))); err != nil {
		t.Errorf("%s: %s is not a file of the checkout", what, p)
	}
	reg := l.PhysicalLocation.Region
	if reg == nil || reg.StartLine < 1 || (reg.EndLine != 0 && reg.EndLine < reg.StartLine) ||
		(reg.StartColumn != 0 && reg.StartColumn < 1) ||
		(reg.EndLine == reg.StartLine && reg.EndColumn != 0 && reg.EndColumn < reg.StartColumn) {
		t.Errorf("%s: region %+v", what, reg)
	}
}

func targets(md string) []string {
	var out []string
	for _, m := range mdLinkTarget.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// TestGitHubSARIFRequirements runs djleak as the composite action does and
// checks its SARIF against GitHub's documented requirements (see
// checkGitHubSARIF): on the seed, with a category, and on a monorepo
// project with a file that does not parse.
func TestGitHubSARIFRequirements(t *testing.T) {
	t.Run("seed", func(t *testing.T) {
		checkout, _ := filepath.Abs("../..")
		if real, err := filepath.EvalSymlinks(checkout); err == nil {
			checkout = real
		}
		t.Setenv("GITHUB_WORKSPACE", checkout)
		code, out, errs := runCLI(t, "check", "--format", "sarif", "--sarif-category", "djleak-seed", seed)
		if code != exitFindings {
			t.Fatalf("exit %d: %s", code, errs)
		}
		log := checkGitHubSARIF(t, []byte(out), checkout, "djleak-seed")
		if n := len(log.Runs[0].Results); n < 5 {
			t.Errorf("only %d results on the seed", n)
		}
		// The NGX201 result links its related locations, Django reads
		// included, from its message.
		found := false
		for _, r := range log.Runs[0].Results {
			if r.RuleID == "NGX201" {
				found = strings.Contains(r.Message.Text, "[testdata/seed/mysite/middleware.py:11](5)")
			}
		}
		if !found {
			t.Error("NGX201's message does not link the middleware's read")
		}
	})
	t.Run("parse error", func(t *testing.T) {
		// Two syntax errors in one file: one notification.
		repo := analyzertest.Write(t, monorepo+"-- backend/mysite/broken.py --\ndef f(:\n    pass\ndef g(:\n    pass\n")
		if real, err := filepath.EvalSymlinks(repo); err == nil {
			repo = real
		}
		t.Setenv("GITHUB_WORKSPACE", "")
		t.Chdir(filepath.Join(repo, "backend"))
		_, out, _ := runCLI(t, "check", "--format", "sarif")
		log := checkGitHubSARIF(t, []byte(out), repo, "")
		// Whichever rules run: with DJL001 off, the run still says the file
		// was not analysed fully.
		_, out, _ = runCLI(t, "check", "--format", "sarif", "--ignore", "DJL001")
		var quiet ghSARIF
		json.Unmarshal([]byte(out), &quiet)
		if inv := quiet.Runs[0].Invocations[0]; inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 {
			t.Errorf("with DJL001 ignored: invocation = %+v", inv)
		}
		inv := log.Runs[0].Invocations[0]
		if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 ||
			!strings.HasPrefix(inv.ToolExecutionNotifications[0].Message.Text, "backend/mysite/broken.py was not analysed fully: ") {
			t.Errorf("invocation = %+v, want unsuccessful with a notification for backend/mysite/broken.py", inv)
		}
	})
}
