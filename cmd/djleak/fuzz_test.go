package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/report"
	"github.com/djleak/djleak/rules"
)

const fuzzManage = `import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
`

// FuzzPipeline runs the whole pipeline on a small project made of fuzzed
// settings.py, views.py and nginx.conf: djleak check for its exit code,
// which must be 0 or 1 (never an internal error) and agree with the
// findings, then loading, every rule and every output format at 1 and 3
// workers, which must give the same bytes. The JSON and SARIF outputs must
// parse.
func FuzzPipeline(f *testing.F) {
	for _, s := range pipelineSeeds(f) {
		f.Add(s[0], s[1], s[2])
	}
	f.Add([]byte("DEBUG = True\nSECRET_KEY = f\"{SECRET_KEY}\"\n"), []byte("def v(request):\n    return request.GET['token']\n"), []byte("server { location / { proxy_pass http://10.0.0.1; } }"))
	f.Add([]byte(""), []byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, settings, views, conf []byte) {
		dir := t.TempDir()
		for name, data := range map[string][]byte{
			"manage.py":          []byte(fuzzManage),
			"mysite/__init__.py": nil,
			"mysite/settings.py": settings,
			"mysite/views.py":    views,
			"nginx/nginx.conf":   conf,
		} {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The command itself, for its exit code.
		code, out, errs := runCLI(t, "check", "--format", "json", "--color", "never", dir)
		if code != exitClean && code != exitFindings {
			t.Fatalf("exit %d\n%s", code, errs)
		}
		var r report.JSONReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("JSON output does not parse: %v\n%s", err, out)
		}
		if (code == exitFindings) != (len(r.Findings) > 0) {
			t.Fatalf("exit %d with %d findings", code, len(r.Findings))
		}
		// Every format, from the same pipeline, at 1 and 3 workers.
		one, secrets := pipelineOutputs(t, dir, 1)
		three, _ := pipelineOutputs(t, dir, 3)
		for _, format := range report.Formats {
			if one[format] != three[format] {
				t.Fatalf("--format %s differs between 1 and 3 workers:\n--- 1 ---\n%s\n--- 3 ---\n%s", format, one[format], three[format])
			}
		}
		var s struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(one["sarif"]), &s); err != nil {
			t.Fatalf("SARIF output does not parse: %v\n%s", err, one["sarif"])
		}
		if s.Version != "2.1.0" || len(s.Runs) != 1 {
			t.Fatalf("SARIF version %q with %d runs", s.Version, len(s.Runs))
		}
		if err := json.Unmarshal([]byte(one["json"]), &r); err != nil {
			t.Fatalf("JSON output (suppressed findings included) does not parse: %v\n%s", err, one["json"])
		}
		// A literal secret a rule found is never shown in full (SARIF is
		// left out: its rule help quotes the documentation's examples).
		for _, format := range []string{"text", "concise", "json", "github"} {
			if leaked := analyzertest.Leaked(one[format], secrets); len(leaked) > 0 {
				t.Fatalf("--format %s shows the secrets %q:\n%s", format, leaked, one[format])
			}
		}
	})
}

// pipelineOutputs loads the project at dir, runs every rule the project
// enables with the given worker count and renders every format, with
// suppressed findings included. It also returns the literal secrets the
// rules found that are long enough to tell apart from their masked form.
func pipelineOutputs(t *testing.T, dir string, workers int) (map[string]string, []string) {
	t.Helper()
	proj, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, Workers: workers})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	enabled := rules.Select(proj.Config.Select, proj.Config.Ignore)
	findings, err := analyzer.RunWith(proj, enabled, analyzer.RunOptions{Workers: workers, ReportUnused: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	res := proj.Result(findings, enabled)
	out := map[string]string{}
	for _, format := range report.Formats {
		var b strings.Builder
		if err := report.Write(&b, format, res, report.Options{}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out[format] = b.String()
	}
	var secrets []string
	for _, s := range res.Secrets {
		if len([]rune(s)) > 4 {
			secrets = append(secrets, s)
		}
	}
	return out, secrets
}

// pipelineSeeds takes settings modules, views and nginx files from the
// seed example, the secrets project and the rule fixtures.
func pipelineSeeds(f *testing.F) [][3][]byte {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	seeds := [][3][]byte{{
		read(filepath.Join(seed, "mysite/settings.py")),
		read(filepath.Join(seed, "mysite/views.py")),
		read(filepath.Join(seed, "nginx/api.conf")),
	}}
	archives, _ := filepath.Glob("../../rules/testdata/fixtures/*.txtar")
	archives = append(archives, "../../testdata/secrets.txtar")
	for _, a := range archives {
		var s [3][]byte
		var other []byte // a Python file to stand in for views.py
		for _, file := range txtar.Parse(read(a)).Files {
			base := filepath.Base(file.Name)
			switch {
			case s[0] == nil && base == "settings.py":
				s[0] = file.Data
			case s[1] == nil && base == "views.py":
				s[1] = file.Data
			case other == nil && strings.HasSuffix(base, ".py") && base != "manage.py" && base != "__init__.py":
				other = file.Data
			case s[2] == nil && strings.HasSuffix(base, ".conf"):
				s[2] = file.Data
			}
		}
		if s[1] == nil {
			s[1] = other
		}
		if s[0] != nil || s[1] != nil || s[2] != nil {
			seeds = append(seeds, s)
		}
	}
	return seeds
}
