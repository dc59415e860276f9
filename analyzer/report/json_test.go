package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
)

func TestJSONRoundTrip(t *testing.T) {
	res := sampleResult(t)
	data := render(t, "json", res, Options{})
	var got JSONReport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, NewJSONReport(res)) {
		t.Errorf("round trip differs:\n%+v", got)
	}
	if got.Version != 1 || got.Tool.Name != "djleak" || got.Tool.Version != "1.2.3" {
		t.Errorf("header = %+v %+v", got.Version, got.Tool)
	}
	if got.Summary != (JSONSummary{Files: 7, Findings: 4, BySeverity: JSONBySeverity{Error: 1, Warning: 2, Note: 1}}) {
		t.Errorf("summary = %+v", got.Summary)
	}
	tok := got.Findings[2]
	if tok.Rule != "DJL901" || tok.Name != "hardcoded-api-token" || tok.Severity != "error" ||
		tok.Path != "mysite/settings.py" || tok.Line != 3 || tok.Column != 32 || tok.EndLine != 3 || tok.EndColumn != 54 ||
		tok.Fingerprint != "0123456789abcdef" || !strings.Contains(tok.Message, "sk_l…") {
		t.Errorf("finding = %+v", tok)
	}
	ngx := got.Findings[1]
	if len(ngx.Related) != 3 || ngx.Related[1].Path != "<builtin>/proxy_params" || len(ngx.Flow) != 3 ||
		ngx.Flow[2] != (JSONLocation{Path: "app/views.py", Line: 2, Column: 12, EndLine: 2, EndColumn: 44, Message: "the application trusts HTTP_X_CLIENT_DN"}) {
		t.Errorf("related/flow = %+v / %+v", ngx.Related, ngx.Flow)
	}
	// Readable: no HTML escaping of <, >, &.
	if bytes.Contains(data, []byte(`\u003c`)) {
		t.Error("JSON escapes < as \\u003c")
	}
}

func TestJSONEmptyArrays(t *testing.T) {
	data := string(render(t, "json", &analyzer.Result{FilesScanned: 2}, Options{}))
	if !strings.Contains(data, `"findings": []`) || strings.Contains(data, "null") {
		t.Errorf("empty findings:\n%s", data)
	}
	if !strings.Contains(data, `"by_severity": {
      "error": 0,
      "warning": 0,
      "note": 0
    }`) {
		t.Errorf("by_severity must always have its three keys:\n%s", data)
	}
	data = string(render(t, "json", sampleResult(t), Options{}))
	if strings.Contains(data, "null") || !strings.Contains(data, `"related": []`) || !strings.Contains(data, `"flow": []`) {
		t.Errorf("findings without related locations or flow must have [] (not null)")
	}
	if !strings.HasPrefix(data, "{\n  \"version\": 1,\n") || !strings.HasSuffix(data, "}\n") {
		t.Errorf("not indented by two spaces:\n%.80s", data)
	}
}

func TestGitHubEscaping(t *testing.T) {
	if got := escapeData("100% done\r\nnext: a,b"); got != "100%25 done%0D%0Anext: a,b" {
		t.Errorf("escapeData = %q", got)
	}
	if got := escapeProperty("a:b,c%d\ne"); got != "a%3Ab%2Cc%25d%0Ae" {
		t.Errorf("escapeProperty = %q", got)
	}
	out := string(render(t, "github", sampleResult(t), Options{}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for i, prefix := range []string{"::warning file=", "::warning file=", "::error file=", "::notice file="} {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], prefix)
		}
	}
	if want := "::error file=mysite/settings.py,line=3,col=32,endLine=3,endColumn=54,title=DJL901 hardcoded-api-token::API_TOKEN is the literal sk_l…: anyone with the code can use it"; lines[2] != want {
		t.Errorf("got  %s\nwant %s", lines[2], want)
	}
	// A multi-line range has no columns; the message's % and newline are
	// escaped.
	if want := "::notice file=mysite/settings.py,line=5,endLine=10,title=DJL903 debug-enabled::ALLOWED_HOSTS lists 4 hosts; 100%25 of them: api, www, admin%0Asecond line"; lines[3] != want {
		t.Errorf("got  %s\nwant %s", lines[3], want)
	}
	// Property values are escaped too.
	res := sampleResult(t)
	res.Findings[0].Location.Path = "odd,name:x.conf"
	if out := string(render(t, "github", res, Options{})); !strings.Contains(out, "file=odd%2Cname%3Ax.conf,") {
		t.Errorf("path not escaped:\n%s", out)
	}
}

// Paths that are not valid UTF-8 are percent-encoded (and % itself), so the
// output names the file exactly; percent-decoding gives its bytes back.
func TestPortablePath(t *testing.T) {
	for in, want := range map[string]string{
		"app/views.py":       "app/views.py",
		"app/caf\u00e9.py":   "app/caf\u00e9.py",
		"app/latin\xe9.py":   "app/latin%E9.py",
		"app/100%.py":        "app/100%25.py",
		"a/\xff\xfe%41/b.py": "a/%FF%FE%2541/b.py",
	} {
		got := portablePath(in)
		if got != want {
			t.Errorf("portablePath(%q) = %q, want %q", in, got, want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != in {
			t.Errorf("unescaping %q gives %q, %v; want %q", got, back, err, in)
		}
	}
}
