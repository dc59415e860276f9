package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// The github format prints one GitHub Actions workflow command per finding,
// which the runner turns into an annotation on the file:
//
//	::error file=mysite/settings.py,line=4,col=25,endLine=4,endColumn=30,title=DJL401 session-cookie-not-secure::SESSION_COOKIE_SECURE is False…
//
// Errors use ::error, warnings ::warning and notes ::notice; a suppressed
// finding (--include-suppressed) is a ::notice titled "ID [suppressed] name". Columns count
// code points and endColumn is exclusive, as in the other formats; GitHub
// accepts columns only on single-line annotations, so a range over several
// lines gives line and endLine only. file= is relative to the repository
// root (Result.RepoPath), which is what the runner resolves it against.

func writeGitHub(w io.Writer, res *analyzer.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Findings {
		cmd := "notice"
		switch {
		case f.Suppressed != nil:
			// a suppressed finding is shown as a notice, whatever its level
		case f.Severity == analyzer.Error:
			cmd = "error"
		case f.Severity == analyzer.Warning:
			cmd = "warning"
		}
		l := f.Location
		props := []string{"file=" + escapeProperty(portablePath(res.RepoPath(l.Path))), "line=" + strconv.Itoa(l.Start.Line)}
		endLine := max(l.End.Line, l.Start.Line)
		if endLine == l.Start.Line {
			props = append(props, "col="+strconv.Itoa(l.Start.Column), "endLine="+strconv.Itoa(endLine),
				"endColumn="+strconv.Itoa(max(l.End.Column, l.Start.Column)))
		} else {
			props = append(props, "endLine="+strconv.Itoa(endLine))
		}
		title := marked(f)
		if name := ruleName(res, f.RuleID); name != "" {
			title += " " + name
		}
		props = append(props, "title="+escapeProperty(title))
		bw.WriteString("::" + cmd + " " + strings.Join(props, ",") + "::" + escapeData(f.Message) + "\n")
	}
	return bw.Flush()
}

// escapeData escapes a workflow command's message.
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a workflow command's property value.
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
