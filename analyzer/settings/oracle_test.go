package settings_test

// The Django oracle: every settings fixture of the rule tests
// (rules/testdata/fixtures/settings_*.txtar) is turned into a runnable Django
// project and checked with Django's own `manage.py check --deploy`, using
// Debian's python3-django under /usr/bin/python3. For every settings module
// djleak judges, djleak's verdict must equal Django's for each mapped check,
// and the values djleak resolves must equal the values Django loads.
//
// Fixture header lines the oracle reads (the rule tests ignore them):
//
//	oracle-env: NAME=value NAME=value   run once more with these variables set
//	oracle-diverge: DJL405 reason       djleak deliberately disagrees here
//
// djleak reports the environment with every variable unset, so verdicts are
// compared with Django's run without the variables. Each oracle-env run
// compares resolved values (settings.Resolve with that environment) and
// checks that a finding whose check that environment fixes names one of the
// variables.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/rules"
)

const systemPython = "/usr/bin/python3"

// oracleMap pairs djleak rules with the Django checks that say the same.
var oracleMap = []struct {
	rule   string
	checks []string
}{
	{"DJL401", []string{"security.W010", "security.W011", "security.W012"}},
	{"DJL402", []string{"security.W016"}},
	{"DJL403", []string{"security.W013", "security.W014", "security.W015"}},
	{"DJL405", []string{"security.W008"}},
	{"DJL406", []string{"security.W004"}},
	{"DJL220", []string{"security.W018"}},
	{"DJL224", []string{"security.W001"}},
	{"DJL409", []string{"security.W009"}},
}

// oracleValues are the settings whose resolved values are compared.
var oracleValues = []string{
	"DEBUG", "DEBUG_PROPAGATE_EXCEPTIONS", "SECRET_KEY", "INSTALLED_APPS", "MIDDLEWARE",
	"SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
	"CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "CSRF_USE_SESSIONS",
	"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER",
}

func requireDjango(t *testing.T) {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", "import django; print(django.get_version())").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("%s cannot import django (install Debian's python3-django): %v\n%s", systemPython, err, out)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

type oracleHeader struct {
	envs    []map[string]string
	diverge map[string]string
}

func parseOracleHeader(comment []byte) (oracleHeader, error) {
	h := oracleHeader{diverge: map[string]string{}}
	for _, line := range strings.Split(string(comment), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "oracle-env:"):
			env := map[string]string{}
			for _, kv := range strings.Fields(strings.TrimPrefix(line, "oracle-env:")) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return h, fmt.Errorf("bad oracle-env %q", kv)
				}
				env[k] = v
			}
			h.envs = append(h.envs, env)
		case strings.HasPrefix(line, "oracle-diverge:"):
			f := strings.Fields(strings.TrimPrefix(line, "oracle-diverge:"))
			if len(f) < 2 {
				return h, fmt.Errorf("bad oracle-diverge %q: want a rule and a reason", line)
			}
			h.diverge[f[0]] = strings.Join(f[1:], " ")
		}
	}
	return h, nil
}

const oracleManage = `import os
import sys

if __name__ == "__main__":
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
`

const oracleValuesScript = `import json
import sys

import django
from django.conf import settings

django.setup()
out = {}
for name in sys.argv[1:]:
    value = getattr(settings, name, None)
    def plain(v):
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        return repr(v)
    out[name] = plain(value)
print(json.dumps(out))
`

// wrapper makes a settings module runnable without changing any setting the
// oracle compares: it fills in what Django needs to start.
func wrapper(module string) string {
	return fmt.Sprintf(`from %s import *  # noqa

if not globals().get("SECRET_KEY"):
    SECRET_KEY = "djleak-oracle-djleak-oracle-djleak-oracle-djleak-oracle"
if "ALLOWED_HOSTS" not in globals():
    ALLOWED_HOSTS = ["example.com"]
ROOT_URLCONF = "djleak_oracle_urls"
`, module)
}

var checkID = regexp.MustCompile(`\((security\.[WE][0-9]+)\)`)

type djangoRun struct {
	checks map[string]bool
	values map[string]any
	output string
}

// runDjango runs check --deploy and the value dump for one settings module.
func runDjango(t *testing.T, dir, settingsModule string, env map[string]string) (*djangoRun, string) {
	t.Helper()
	base := []string{"PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1", "LANG=C.UTF-8",
		"DJANGO_SETTINGS_MODULE=" + settingsModule}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		base = append(base, k+"="+env[k])
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(systemPython, args...)
		cmd.Dir = dir
		cmd.Env = base
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	out, err := run("djleak_manage.py", "check", "--deploy")
	r := &djangoRun{checks: map[string]bool{}, output: out}
	for _, m := range checkID.FindAllStringSubmatch(out, -1) {
		r.checks[m[1]] = true
	}
	if err != nil && len(r.checks) == 0 {
		if mm := regexp.MustCompile(`No module named '([^']+)'`).FindStringSubmatch(out); mm != nil && !strings.HasPrefix(mm[1], "django") && !strings.HasPrefix(mm[1], "djleak") {
			return nil, fmt.Sprintf("%s cannot import %s (Debian: python3-django-environ, python3-decouple, python3-django-split-settings)", systemPython, mm[1])
		}
		t.Fatalf("manage.py check --deploy failed for %s: %v\n%s", settingsModule, err, out)
	}
	vout, err := run(append([]string{"djleak_oracle_values.py"}, oracleValues...)...)
	if err != nil {
		t.Fatalf("value dump failed for %s: %v\n%s", settingsModule, err, vout)
	}
	if err := json.Unmarshal([]byte(lastLine(vout)), &r.values); err != nil {
		t.Fatalf("value dump for %s: %v\n%s", settingsModule, err, vout)
	}
	return r, ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// plain turns a djleak value into what the JSON dump of Python's gives.
func plain(v python.Value) any {
	switch v.Kind {
	case python.Str:
		return v.Str
	case python.Int:
		return float64(v.Int)
	case python.Float:
		return v.Float
	case python.Bool:
		return v.Bool
	case python.None:
		return nil
	case python.List, python.Tuple, python.Set:
		out := []any{}
		for _, e := range v.Elems {
			out = append(out, plain(e))
		}
		return out
	case python.Dict:
		out := map[string]any{}
		for i, k := range v.Keys {
			out[fmt.Sprint(plain(k))] = plain(v.Elems[i])
		}
		return out
	}
	return nil
}

// compareValues checks every value djleak claims to know against Django's.
func compareValues(t *testing.T, what string, m *settings.Module, django map[string]any) int {
	t.Helper()
	n := 0
	for _, name := range oracleValues {
		s := m.Get(name)
		if s == nil || !s.Known || s.Undecided {
			continue
		}
		n++
		got, want := plain(s.Value), django[name]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s resolves %s to %#v (%s), Django loads %#v", what, m.Name, name, got, s.Describe(), want)
		}
	}
	return n
}

func TestDjangoOracle(t *testing.T) {
	requireDjango(t)
	files, _ := filepath.Glob("../../rules/testdata/fixtures/settings_*.txtar")
	if len(files) == 0 {
		t.Fatal("no settings fixtures")
	}
	var mapped []*analyzer.Rule
	for _, r := range rules.All() {
		if strings.HasPrefix(r.ID, "DJL4") || strings.HasPrefix(r.ID, "DJL2") {
			mapped = append(mapped, r)
		}
	}
	for _, file := range files {
		file := file
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			hdr, err := parseOracleHeader(txtar.Parse(data).Comment)
			if err != nil {
				t.Fatal(err)
			}
			dir := analyzertest.Write(t, string(data))
			p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
			if err != nil {
				t.Fatal(err)
			}
			findings, err := analyzer.Run(p, mapped, 1)
			if err != nil {
				t.Fatal(err)
			}
			for name, content := range map[string]string{
				"djleak_manage.py": oracleManage, "djleak_oracle_urls.py": "urlpatterns = []\n",
				"djleak_oracle_values.py": oracleValuesScript,
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			unset := analyzer.Fact(p, settings.Pass)
			judged := unset.Judged()
			if len(judged) == 0 {
				t.Fatal("djleak judges no settings module in this fixture")
			}
			for i, m := range judged {
				wrap := fmt.Sprintf("djleak_oracle_settings_%d", i)
				if err := os.WriteFile(filepath.Join(dir, wrap+".py"), []byte(wrapper(m.Name)), 0o644); err != nil {
					t.Fatal(err)
				}
				django, skip := runDjango(t, dir, wrap, nil)
				if skip != "" {
					t.Skip(skip)
				}
				mine := func(rule string) []*analyzer.Finding {
					var out []*analyzer.Finding
					for _, f := range findings {
						if f.RuleID == rule && strings.HasPrefix(f.Key, m.Name+" ") {
							out = append(out, f)
						}
					}
					return out
				}
				var both []string
				for _, pair := range oracleMap {
					dj := false
					var ids []string
					for _, c := range pair.checks {
						if django.checks[c] {
							dj = true
							ids = append(ids, c)
						}
					}
					djl := len(mine(pair.rule)) > 0
					if reason, ok := hdr.diverge[pair.rule]; ok {
						if dj == djl {
							t.Errorf("%s: %s and Django %v were expected to disagree (%s) but both say %v", m.Name, pair.rule, pair.checks, reason, dj)
						} else {
							t.Logf("%s: %s=%v, Django %v=%v: expected divergence: %s", m.Name, pair.rule, djl, pair.checks, dj, reason)
						}
						continue
					}
					if dj && djl {
						both = append(both, pair.rule+"="+strings.Join(ids, ","))
					}
					if dj != djl {
						t.Errorf("%s: djleak %s reports %v but Django reports %v (%v)\n djleak: %s\n Django:\n%s",
							m.Name, pair.rule, djl, pair.checks, ids, analyzertest.Brief(mine(pair.rule)), django.output)
					}
				}
				n := compareValues(t, "unset environment", m, django.values)
				t.Logf("%s: verdicts compared for %d checks (both report: %v), %d values compared", m.Name, len(oracleMap), both, n)
				for _, env := range hdr.envs {
					set, skip := runDjango(t, dir, wrap, env)
					if skip != "" {
						t.Skip(skip)
					}
					resolved := settings.Resolve(p, env).ByName(m.Name)
					if resolved == nil {
						t.Fatalf("%s vanished with environment %v", m.Name, env)
					}
					compareValues(t, fmt.Sprintf("environment %v", env), resolved, set.values)
					// A check the environment fixes must be reported by a
					// finding that names one of its variables.
					for _, pair := range oracleMap {
						before, after := false, false
						for _, c := range pair.checks {
							before = before || django.checks[c]
							after = after || set.checks[c]
						}
						if !before || after || hdr.diverge[pair.rule] != "" {
							continue
						}
						named := false
						for _, f := range mine(pair.rule) {
							for k := range env {
								named = named || strings.Contains(f.Message, k)
							}
						}
						if !named {
							t.Errorf("%s: setting %v fixes %v in Django, but djleak's %s finding does not name the variable:\n%s",
								m.Name, env, pair.checks, pair.rule, analyzertest.Brief(mine(pair.rule)))
						}
					}
				}
			}
		})
	}
}
