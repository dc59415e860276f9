package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"

	"github.com/djleak/djleak/analyzer"
)

// The gitlab format is a GitLab Code Quality report (a JSON array; GitLab
// shows it in merge requests when a job declares it as
// artifacts:reports:codequality):
//
//	[
//	  {
//	    "description": "SESSION_COOKIE_SECURE is False: …",
//	    "check_name": "DJL401",
//	    "fingerprint": "5e1f…",
//	    "severity": "critical",
//	    "location": {"path": "mysite/settings.py", "lines": {"begin": 4, "end": 4}},
//	    "categories": ["Security"],
//	    "type": "issue",
//	    "engine_name": "djleak"
//	  }
//	]
//
// location.path is relative to the repository root (Result.RepoPath), as
// GitLab resolves it against the checkout. severity is critical for errors, major for warnings and minor for notes;
// a suppressed finding (--include-suppressed) is info, with "[suppressed]"
// before its description. fingerprint is unique in the report and stable
// across runs (the finding's fingerprint, with an occurrence number when two
// findings share one). Findings in files built into djleak (nginx's stock
// proxy_params) are reported at the file that includes them when the finding
// has such a location, else left out, since GitLab cannot show them.

// GitLabIssue is one Code Quality issue.
type GitLabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    GitLabLocation `json:"location"`
	Categories  []string       `json:"categories"`
	Type        string         `json:"type"`
	EngineName  string         `json:"engine_name"`
}

// GitLabLocation is where an issue is.
type GitLabLocation struct {
	Path  string      `json:"path"`
	Lines GitLabLines `json:"lines"`
}

// GitLabLines is the issue's line range.
type GitLabLines struct {
	Begin int `json:"begin"`
	End   int `json:"end"`
}

func gitlabSeverity(f *analyzer.Finding) string {
	switch {
	case f.Suppressed != nil:
		return "info"
	case f.Severity == analyzer.Error:
		return "critical"
	case f.Severity == analyzer.Warning:
		return "major"
	}
	return "minor"
}

func writeGitLab(w io.Writer, res *analyzer.Result) error {
	out := make([]GitLabIssue, 0, len(res.Findings))
	seen := map[string]int{}
	for _, f := range res.Findings {
		loc := f.Location
		if isSynthetic(loc.Path) {
			found := false
			for _, r := range f.Related {
				if !isSynthetic(r.Location.Path) {
					loc, found = r.Location, true
					break
				}
			}
			if !found {
				continue
			}
		}
		desc := oneLine(f.Message)
		if f.Suppressed != nil {
			desc = suppressedMark + " " + desc
		}
		seen[f.Fingerprint]++
		fp := f.RuleID + ":" + loc.Path + ":" + f.Fingerprint
		if n := seen[f.Fingerprint]; n > 1 {
			fp += ":" + strconv.Itoa(n)
		}
		sum := sha256.Sum256([]byte(fp))
		out = append(out, GitLabIssue{
			Description: desc,
			CheckName:   f.RuleID,
			Fingerprint: hex.EncodeToString(sum[:16]),
			Severity:    gitlabSeverity(f),
			Location:    GitLabLocation{Path: res.RepoPath(loc.Path), Lines: GitLabLines{Begin: loc.Start.Line, End: max(loc.End.Line, loc.Start.Line)}},
			Categories:  []string{"Security"},
			Type:        "issue",
			EngineName:  analyzer.Name,
		})
	}
	return encodeIndented(w, out)
}
