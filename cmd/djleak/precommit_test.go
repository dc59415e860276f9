package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// TestPreCommitHook installs djleak's hook with the real pre-commit into a
// throwaway repository, checks that a commit of a vulnerable Django+nginx
// project is rejected with djleak's findings, that the fixed project
// commits, and that a later commit is judged only on its changed files
// while cross-file context still comes from the whole project.
//
// pre-commit builds the hook from a commit of this checkout's working tree
// (untracked, non-ignored files included), made without touching the
// checkout's index or branches.
func TestPreCommitHook(t *testing.T) {
	// Mostly waiting on builds and child processes: runs beside the
	// package's other long tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("builds djleak through pre-commit")
	}
	if _, err := exec.LookPath("pre-commit"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pre-commit missing in CI; .ci/install-deps installs it")
		}
		t.Skip("pre-commit not installed; run .ci/install-deps")
	}
	checkout, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(checkout, ".git")); err != nil {
		t.Skip("not a git checkout")
	}
	if out, err := exec.Command("pre-commit", "validate-manifest", filepath.Join(checkout, ".pre-commit-hooks.yaml")).CombinedOutput(); err != nil {
		t.Fatalf("pre-commit rejects .pre-commit-hooks.yaml: %v\n%s", err, out)
	}
	rev := snapshotCommit(t, checkout)

	repo := analyzertest.Write(t, `
-- manage.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
-- mysite/__init__.py --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
-- mysite/middleware.py --
def client_dn(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY", "") == "SUCCESS":
        return request.META.get("HTTP_X_CLIENT_DN")
    return None
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/ca.pem;
    proxy_set_header X-Client-Verify $ssl_client_verify;
    proxy_set_header X-Client-DN $ssl_client_s_dn;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
    }
}
`)
	// The README's snippet, pointed at this checkout.
	cfg := readmeSnippet(t, "pre-commit")
	cfg = regexp.MustCompile(`repo: \S+`).ReplaceAllString(cfg, "repo: "+checkout)
	cfg = regexp.MustCompile(`rev: \S+`).ReplaceAllString(cfg, "rev: "+rev)
	writeFile(t, filepath.Join(repo, ".pre-commit-config.yaml"), cfg)
	home := t.TempDir()
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(home, "pre-commit"),
		"GOMODCACHE="+goEnv(t, "GOMODCACHE"), // reuse downloaded modules
		"PATH="+os.Getenv("PATH")+string(os.PathListSeparator)+"/usr/local/go/bin",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	)
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) {
		if out, err := run(name, args...); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	must("git", "init", "-q")
	must("pre-commit", "install")
	must("git", "add", "-A")
	out, err := run("git", "commit", "-qm", "vulnerable")
	if err == nil {
		t.Fatalf("the vulnerable commit was accepted:\n%s", out)
	}
	if !strings.Contains(out, "nginx/api.conf:7:5: NGX201") {
		t.Fatalf("commit rejected without djleak's NGX201 finding:\n%s", out)
	}

	// Fix the shadowed headers: repeat them in the location.
	fixed := strings.Replace(readFile(t, filepath.Join(repo, "nginx/api.conf")),
		"        proxy_set_header Host $host;\n",
		"        proxy_set_header Host $host;\n        proxy_set_header X-Client-Verify $ssl_client_verify;\n        proxy_set_header X-Client-DN $ssl_client_s_dn;\n", 1)
	writeFile(t, filepath.Join(repo, "nginx/api.conf"), fixed)
	must("git", "add", "-A")
	if out, err := run("git", "commit", "-qm", "fixed"); err != nil {
		t.Fatalf("the fixed commit was rejected: %v\n%s", err, out)
	}

	// Only the changed file is reported: break the middleware's guard.
	guarded := readFile(t, filepath.Join(repo, "mysite/middleware.py"))
	writeFile(t, filepath.Join(repo, "mysite/middleware.py"),
		"def client_dn(request):\n    if request.META.get(\"HTTP_X_CLIENT_VERIFY\"):\n        return request.META.get(\"HTTP_X_CLIENT_DN\")\n    return None\n")
	must("git", "add", "-A")
	out, err = run("git", "commit", "-qm", "truthy guard")
	if err == nil || !strings.Contains(out, "mysite/middleware.py:3:16: DJL302") {
		t.Fatalf("want the commit rejected with DJL302 in the changed file: %v\n%s", err, out)
	}
	if strings.Contains(out, "nginx/api.conf:") || strings.Contains(out, "settings.py:") {
		t.Errorf("findings outside the changed files were reported:\n%s", out)
	}

	// A cross-file finding blocks the commit of its Django side: a new
	// middleware reads HTTP_X_CLIENT_FINGERPRINT, which the nginx location
	// neither sets nor clears. The finding sits in nginx/api.conf (where the
	// fix goes), a file this commit does not touch; its related location is
	// the committed file.
	writeFile(t, filepath.Join(repo, "mysite/middleware.py"), guarded)
	writeFile(t, filepath.Join(repo, "mysite/fingerprint.py"),
		"def fingerprint_middleware(get_response):\n    def middleware(request):\n        request.client_fingerprint = request.META.get(\"HTTP_X_CLIENT_FINGERPRINT\")\n        return get_response(request)\n    return middleware\n")
	must("git", "add", "-A")
	if st, _ := run("git", "diff", "--cached", "--name-only"); strings.TrimSpace(st) != "mysite/fingerprint.py" {
		t.Fatalf("the commit should change only mysite/fingerprint.py, it changes:\n%s", st)
	}
	out, err = run("git", "commit", "-qm", "fingerprint middleware")
	if err == nil {
		t.Fatalf("the commit of an unguarded read that nginx lets clients forge was accepted:\n%s", out)
	}
	for _, want := range []string{"nginx/api.conf:7:5: NGX202", "related: mysite/fingerprint.py:3:"} {
		if !strings.Contains(out, want) {
			t.Errorf("commit rejected without %q:\n%s", want, out)
		}
	}

	// pre-commit names every changed file, excluded ones too: the hook
	// passes --force-exclude, so the configuration's exclude still holds.
	os.Remove(filepath.Join(repo, "mysite/fingerprint.py"))
	writeFile(t, filepath.Join(repo, ".djleak.toml"), "exclude = [\"legacy/\"]\n")
	os.MkdirAll(filepath.Join(repo, "legacy"), 0o755)
	writeFile(t, filepath.Join(repo, "legacy/views.py"),
		"def client_dn(request):\n    if request.META.get(\"HTTP_X_CLIENT_VERIFY\"):\n        return request.META.get(\"HTTP_X_CLIENT_DN\")\n    return None\n")
	must("git", "add", "-A")
	if out, err := run("git", "commit", "-qm", "excluded legacy code"); err != nil {
		t.Fatalf("a commit of excluded files was rejected: %v\n%s", err, out)
	}
}

// snapshotCommit records the working tree as a dangling commit, through a
// temporary index, and returns its hash.
func snapshotCommit(t *testing.T, checkout string) string {
	t.Helper()
	index := filepath.Join(t.TempDir(), "index")
	env := []string{"GIT_INDEX_FILE=" + index, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	gitOut(t, checkout, env, "add", "-A")
	tree := strings.TrimSpace(gitOut(t, checkout, env, "write-tree"))
	args := []string{"commit-tree", tree, "-m", "djleak working tree snapshot"}
	if head, err := exec.Command("git", "-C", checkout, "rev-parse", "-q", "--verify", "HEAD").Output(); err == nil {
		args = append(args, "-p", strings.TrimSpace(string(head)))
	}
	return strings.TrimSpace(gitOut(t, checkout, env, args...))
}

func gitOut(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

func goEnv(t *testing.T, key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
