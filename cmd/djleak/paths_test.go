package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// monorepo is a repository whose Django project and djleak configuration
// live in backend/.
const monorepo = `
-- .git/HEAD --
ref: refs/heads/main
-- README.md --
-- backend/pyproject.toml --
[tool.djleak]
-- backend/manage.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
-- backend/mysite/__init__.py --
-- backend/mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = True
-- backend/mysite/middleware.py --
def fingerprint(request):
    return request.META.get("HTTP_X_CLIENT_FINGERPRINT")
-- backend/nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`

// TestMonorepoPaths: text, concise and JSON print paths relative to the
// working directory; SARIF URIs and github annotations are relative to the
// repository root (the git top level, or GITHUB_WORKSPACE), never to the
// pyproject.toml in backend/, wherever djleak runs from.
func TestMonorepoPaths(t *testing.T) {
	repo := analyzertest.Write(t, monorepo)
	for _, tc := range []struct {
		cwd, arg string
		// the settings finding and the nginx one, as the working directory sees them
		settings, nginx string
	}{
		{".", "backend", "backend/mysite/settings.py", "backend/nginx/api.conf"},
		{"backend", ".", "mysite/settings.py", "nginx/api.conf"},
		{"backend/mysite", ".", "settings.py", "../nginx/api.conf"},
	} {
		for _, workspace := range []string{"", repo} {
			t.Run(tc.cwd+"/workspace="+workspace, func(t *testing.T) {
				t.Setenv("GITHUB_WORKSPACE", workspace)
				t.Chdir(filepath.Join(repo, tc.cwd))

				_, concise, errs := runCLI(t, "check", "--format", "concise", tc.arg)
				for _, want := range []string{tc.settings + ":2:", tc.nginx + ":5:5: NGX202"} {
					if !hasLinePrefix(concise, want) {
						t.Errorf("concise: no line starting %q:\n%s%s", want, concise, errs)
					}
				}
				_, text, _ := runCLI(t, "check", "--color", "never", tc.arg)
				if !hasLinePrefix(text, tc.nginx+":5:5: NGX202") || !strings.Contains(text, "related: "+strings.TrimSuffix(tc.settings, "settings.py")+"middleware.py:2:") {
					t.Errorf("text paths are not relative to %s:\n%s", tc.cwd, text)
				}
				_, js, _ := runCLI(t, "check", "--format", "json", tc.arg)
				var rep struct {
					Findings []struct {
						Path    string
						Related []struct{ Path string }
					}
				}
				if err := json.Unmarshal([]byte(js), &rep); err != nil {
					t.Fatal(err)
				}
				paths := map[string]bool{}
				for _, f := range rep.Findings {
					paths[f.Path] = true
					for _, r := range f.Related {
						paths[r.Path] = true
					}
				}
				if !paths[tc.settings] || !paths[tc.nginx] {
					t.Errorf("json paths %v, want %s and %s", paths, tc.settings, tc.nginx)
				}

				_, gh, _ := runCLI(t, "check", "--format", "github", tc.arg)
				if !strings.Contains(gh, "file=backend/nginx/api.conf,line=5,") || !strings.Contains(gh, "file=backend/mysite/settings.py,line=2,") {
					t.Errorf("github annotations are not relative to the repository root:\n%s", gh)
				}
				_, sarif, _ := runCLI(t, "check", "--format", "sarif", tc.arg)
				var log struct {
					Runs []struct {
						OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
						Results            []struct {
							Locations []struct {
								PhysicalLocation struct {
									ArtifactLocation struct{ URI string }
								}
							}
						}
					}
				}
				if err := json.Unmarshal([]byte(sarif), &log); err != nil {
					t.Fatal(err)
				}
				run := log.Runs[0]
				if got, want := run.OriginalURIBaseIDs["%SRCROOT%"].URI, "file://"+filepath.ToSlash(repo)+"/"; got != want {
					t.Errorf("%%SRCROOT%% = %s, want the repository root %s", got, want)
				}
				uris := map[string]bool{}
				for _, r := range run.Results {
					uris[r.Locations[0].PhysicalLocation.ArtifactLocation.URI] = true
				}
				if !uris["backend/nginx/api.conf"] || !uris["backend/mysite/settings.py"] {
					t.Errorf("SARIF URIs %v are not relative to the repository root", uris)
				}
			})
		}
	}
}

// TestMonorepoNamedFile: pre-commit runs from the repository root and names
// the changed files; the project is still backend/ (its [tool.djleak]), and
// the nginx finding the committed middleware causes is reported.
func TestMonorepoNamedFile(t *testing.T) {
	repo := analyzertest.Write(t, monorepo)
	t.Setenv("GITHUB_WORKSPACE", "")
	t.Chdir(repo)
	code, out, errs := runCLI(t, "check", "--format", "concise", "backend/mysite/middleware.py")
	if code != exitFindings || !hasLinePrefix(out, "backend/nginx/api.conf:5:5: NGX202") {
		t.Errorf("exit %d, want the nginx finding of the named middleware:\n%s%s", code, out, errs)
	}
	if strings.Contains(out, "settings.py") {
		t.Errorf("a finding unrelated to the named file:\n%s", out)
	}
	_, gh, _ := runCLI(t, "check", "--format", "github", "backend/mysite/middleware.py")
	if !strings.Contains(gh, "file=backend/nginx/api.conf,") {
		t.Errorf("github annotation not relative to the repository root:\n%s", gh)
	}
}

func hasLinePrefix(out, prefix string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// TestStdinOutsideProject: a buffer with no project above it is checked on
// its own, with its directory as the root, and djleak says so; it never
// takes a marker in the temporary directory or / for a project.
func TestStdinOutsideProject(t *testing.T) {
	// A stray manage.py directly in the temporary directory makes no
	// project of everything below it.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	writeFile(t, filepath.Join(tmp, "manage.py"), "")
	dir := filepath.Join(tmp, "work")
	file := filepath.Join(dir, "scratch", "views.py")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"check", "--format", "json", "--stdin-filename", file, "-"},
		strings.NewReader("def v(request):\n    return request.META['HTTP_X_CLIENT_DN']\n"), &out, &errb)
	if code != exitFindings {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	real, _ := filepath.EvalSymlinks(dir)
	wantRoot := filepath.Join(real, "scratch")
	if !strings.Contains(errb.String(), "is in no project") || !strings.Contains(errb.String(), wantRoot+" as the project root") {
		t.Errorf("stderr does not say the file's directory is the root:\n%s", errb.String())
	}
	var rep struct {
		Summary struct{ Files int }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Summary.Files != 1 {
		t.Errorf("want the buffer checked alone (1 file): %v\n%s", err, out.String())
	}
}
