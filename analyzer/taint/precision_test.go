package taint_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/rules"
)

var updateLedger = flag.Bool("update", false, "rewrite the README's precision table from the ledger")

// ledgerPackage is one Debian package of real Django code in the
// precision ledger.
type ledgerPackage struct {
	Deb string // Debian package
	// Dir is its Python package under /usr/lib/python3/dist-packages, or,
	// for a Whole package, the name of its ledger.
	Dir  string
	Name string // the project, for the README
	// Target: the package counts towards the false-positive budget of
	// real Django apps (Django itself is the baseline).
	Target bool
	// Whole: the package's every file is scanned as one project, as it is
	// shipped — its app, settings, web-server configurations and systemd
	// units together. .ci/install-deps extracts it under wholeDebs (it is
	// not installed: that would start its services).
	Whole bool
}

// root is the directory scanned as the package's project.
func (p ledgerPackage) root() string {
	if p.Whole {
		return filepath.Join(wholeDebs, p.Deb)
	}
	return filepath.Join(distPackages, p.Dir)
}

var ledgerPackages = []ledgerPackage{
	{"python3-django", "django", "Django", false, false},
	{"python3-djangorestframework", "rest_framework", "Django REST framework", true, false},
	{"python3-django-allauth", "allauth", "django-allauth", true, false},
	{"python3-social-django", "social_django", "social-app-django", true, false},
	{"python3-django-channels", "channels", "Channels", true, false},
	{"python3-django-auth-ldap", "django_auth_ldap", "django-auth-ldap", true, false},
	{"python3-django-otp", "django_otp", "django-otp", true, false},
	{"python3-django-guardian", "guardian", "django-guardian", true, false},
	{"python3-django-debug-toolbar", "debug_toolbar", "django-debug-toolbar", true, false},
	{"python3-django-oauth-toolkit", "oauth2_provider", "django-oauth-toolkit", true, false},
	{"python3-django-cas-server", "cas_server", "django-cas-server", true, false},
	{"python3-django-invitations", "invitations", "django-invitations", true, false},
	{"python3-django-registration", "django_registration", "django-registration", true, false},
	{"python3-djangorestframework-api-key", "rest_framework_api_key", "djangorestframework-api-key", true, false},
	{"python3-django-impersonate", "impersonate", "django-impersonate", true, false},
	{"python3-django-anymail", "anymail", "django-anymail", true, false},
	{"python3-django-axes", "axes", "django-axes", true, false},
	{"python3-django-push-notifications", "push_notifications", "django-push-notifications", true, false},
	{"python3-django-session-security", "session_security", "django-session-security", true, false},
	{"python3-django-python3-ldap", "django_python3_ldap", "django-python3-ldap", true, false},
	{"python3-django-hyperkitty", "hyperkitty", "HyperKitty", true, false},
	{"python3-djangorestframework-simplejwt", "rest_framework_simplejwt", "djangorestframework-simplejwt", true, false},
	{"python3-django-casclient", "cas", "django-cas-client", true, false},
	{"python3-django-saml2", "djangosaml2", "djangosaml2", true, false},
	{"python3-django-postorius", "postorius", "Postorius", true, false},
	{"python3-django-tastypie", "tastypie", "django-tastypie", true, false},
	{"python3-django-mailman3", "django_mailman3", "django-mailman3", true, false},
	{"python3-django-organizations", "organizations", "django-organizations", true, false},
	{"python3-django-rest-hooks", "rest_hooks", "django-rest-hooks", true, false},
	{"python3-django-q", "django_q", "django-q", true, false},
	{"python3-django-extensions", "django_extensions", "django-extensions", true, false},
	{"python3-django-graphene", "graphene_django", "graphene-django", true, false},
	{"python3-django-rq", "django_rq", "django-rq", true, false},
	{"python3-django-horizon", "horizon", "Horizon", true, false},
	{"python3-django-horizon", "openstack_auth", "openstack_auth (Horizon)", true, false},
	{"python3-django-horizon", "openstack_dashboard", "OpenStack dashboard (Horizon)", true, false},
	{"python3-djoser", "djoser", "djoser", true, false},
	{"python3-django-cors-headers", "corsheaders", "django-cors-headers", true, false},
	{"python3-django-csp", "csp", "django-csp", true, false},
	{"python3-django-stronghold", "stronghold", "django-stronghold", true, false},
	{"python3-django-redis-sessions", "redis_sessions", "django-redis-sessions", true, false},
	{"python3-django-ldapdb", "ldapdb", "django-ldapdb", true, false},
	{"python3-djangorestframework-extensions", "rest_framework_extensions", "drf-extensions", true, false},
	{"graphite-web", "graphite", "Graphite-web", true, false},
	{"python3-djangorestframework-spectacular", "drf_spectacular", "drf-spectacular", true, false},
	{"python3-django-health-check", "health_check", "django-health-check", true, false},
	{"python3-django-prometheus", "django_prometheus", "django-prometheus", true, false},
	{"python3-django-maintenance-mode", "maintenance_mode", "django-maintenance-mode", true, false},
	{"python3-django-celery-results", "django_celery_results", "django-celery-results", true, false},
	{"python3-django-waffle", "waffle", "django-waffle", true, false},
	{"python3-django-downloadview", "django_downloadview", "django-downloadview", true, false},
	{"python3-django-constance", "constance", "django-constance", true, false},
	{"python3-django-captcha", "captcha", "django-simple-captcha", true, false},
	{"python3-django-xmlrpc", "django_xmlrpc", "django-xmlrpc", true, false},
	{"lava-server", "lava-server", "LAVA (app, Apache site, gunicorn unit)", true, true},
	{"mailman3-web", "mailman3-web", "Mailman 3 web (settings, nginx and Apache sites, uwsgi)", true, true},
	{"dicoweb", "dicoweb", "Dicoweb (app and its settings in /etc)", true, true},
	{"wims-lti", "wims-lti", "WIMS-LTI (app and settings)", true, true},
	{"autoradio", "autoradio", "autoradio (app, settings, WSGI script)", true, true},
}

const (
	distPackages = "/usr/lib/python3/dist-packages"
	// wholeDebs is where .ci/install-deps extracts the Whole packages, each
	// in a directory named by the package, with its version in
	// <package>.version beside it.
	wholeDebs  = "/var/lib/djleak/debs"
	ledgerDir  = "../../testdata/precision"
	readmePath = "../../README.md"
	// maxFPPer10k is the false-positive budget over the target packages.
	maxFPPer10k = 1.0
)

// ledgerEntry is one reviewed finding.
type ledgerEntry struct {
	TP     bool
	Reason string
}

// ledgerFile is a parsed testdata/precision/<dir>.txt.
type ledgerFile struct {
	Version string // upstream version reviewed
	Entries map[string]ledgerEntry
}

// ledgerStats is one package's line of the README table.
type ledgerStats struct {
	Pkg              ledgerPackage
	Version          string
	Lines, Files     int
	Findings, TP, FP int
}

// TestPrecisionLedger runs every rule over real Django code (Debian
// packages of Django and of popular Django apps) and compares each
// finding with the package's reviewed ledger, where every finding has a
// verdict: a new finding must be fixed (a false positive) or reviewed and
// listed; a listed finding that disappeared must be removed. The README's
// precision table must match the ledger, and false positives stay within
// the budget.
func TestPrecisionLedger(t *testing.T) {
	var stats []ledgerStats
	for _, pkg := range ledgerPackages {
		dir := pkg.root()
		if _, err := os.Stat(dir); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI (run .ci/install-deps): %v", pkg.Deb, err)
			}
			t.Skipf("%s is not installed (run .ci/install-deps)", pkg.Deb)
		}
		st, ok := checkLedger(t, pkg, dir)
		if ok {
			stats = append(stats, st)
		}
	}
	if t.Failed() {
		return
	}
	lines, fp := 0, 0
	for _, s := range stats {
		if s.Pkg.Target {
			lines += s.Lines
			fp += s.FP
		}
	}
	if rate := per10k(fp, lines); rate > maxFPPer10k {
		t.Errorf("%d false positives in %d lines of Django apps: %.2f per 10,000 lines, budget %.1f; fix the rules",
			fp, lines, rate, maxFPPer10k)
	}
	table := precisionTable(stats)
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- precision:begin -->\n", "<!-- precision:end -->"
	i, j := bytes.Index(readme, []byte(begin)), bytes.Index(readme, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q block", readmePath, strings.TrimSpace(begin), end)
	}
	if string(readme[i+len(begin):j]) == table {
		return
	}
	if *updateLedger {
		out := append(append(append([]byte{}, readme[:i+len(begin)]...), table...), readme[j:]...)
		if err := os.WriteFile(readmePath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's precision table is out of date; run: go test ./analyzer/taint -run TestPrecisionLedger -update\nwant:\n%s", table)
}

func per10k(n, lines int) float64 {
	if lines == 0 {
		return 0
	}
	return float64(n) * 10000 / float64(lines)
}

// checkLedger runs the rules over one package and compares the findings
// with its ledger.
func checkLedger(t *testing.T, pkg ledgerPackage, dir string) (ledgerStats, bool) {
	path := filepath.Join(ledgerDir, pkg.Dir+".txt")
	want, err := readLedger(path)
	if err != nil {
		t.Error(err)
		return ledgerStats{}, false
	}
	version, err := debVersion(pkg)
	if err != nil {
		t.Error(err)
		return ledgerStats{}, false
	}
	if version != want.Version {
		t.Errorf("%s was reviewed against %s %s but %s %s is installed; run the rules, review every finding and "+
			"update the list and its \"# version:\" line", path, pkg.Deb, want.Version, pkg.Deb, version)
		return ledgerStats{}, false
	}
	start := time.Now()
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Error(err)
		return ledgerStats{}, false
	}
	findings, err := analyzer.Run(p, rules.All(), 0)
	if err != nil {
		t.Error(err)
		return ledgerStats{}, false
	}
	st := ledgerStats{Pkg: pkg, Version: version, Files: len(p.Python), Findings: len(findings)}
	for _, m := range p.Python {
		st.Lines += bytes.Count(m.File.Content, []byte("\n"))
	}
	t.Logf("%s: %d Python files, %d lines, %d findings in %s", pkg.Deb, st.Files, st.Lines, len(findings), time.Since(start).Round(time.Millisecond))

	got := map[string]string{}
	for _, f := range findings {
		got[fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.Start.Line)] = f.Message
	}
	var added, missing []string
	for k, msg := range got {
		e, ok := want.Entries[k]
		if !ok {
			added = append(added, k+"  TP|FP: <review: "+msg+">")
			continue
		}
		if e.TP {
			st.TP++
		} else {
			st.FP++
		}
	}
	for k := range want.Entries {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(added)
	sort.Strings(missing)
	if len(added) > 0 {
		t.Errorf("new findings on %s: fix each false positive in the rules, or review it and add it to %s with its verdict:\n%s",
			pkg.Deb, path, strings.Join(added, "\n"))
	}
	if len(missing) > 0 {
		t.Errorf("findings listed in %s are no longer reported; remove them:\n%s", path, strings.Join(missing, "\n"))
	}
	return st, len(added) == 0 && len(missing) == 0
}

var debEpoch, debRevision = regexp.MustCompile(`^\d+:`), regexp.MustCompile(`-[^-]*$`)

// debVersion is the upstream version of a Debian package
// (without epoch and Debian revision, so security updates need no new
// review), installed or extracted (Whole).
func debVersion(pkg ledgerPackage) (string, error) {
	var out []byte
	var err error
	if pkg.Whole {
		out, err = os.ReadFile(filepath.Join(wholeDebs, pkg.Deb+".version"))
	} else {
		out, err = exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg.Deb).Output()
	}
	if err != nil {
		return "", fmt.Errorf("the version of %s: %v", pkg.Deb, err)
	}
	v := strings.TrimSpace(string(out))
	return debRevision.ReplaceAllString(debEpoch.ReplaceAllString(v, ""), ""), nil
}

// readLedger parses a ledger: "ID path:line  TP: reason" and
// "ID path:line  FP: reason" lines, '#' comments, and a "# version: X"
// header (the package's upstream version).
func readLedger(path string) (*ledgerFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lf := &ledgerFile{Entries: map[string]ledgerEntry{}}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "# version:"); ok {
			lf.Version = strings.TrimSpace(v)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "TP:" && f[2] != "FP:" || rules.Lookup(f[0]) == nil || !strings.Contains(f[1], ":") {
			return nil, fmt.Errorf("%s:%d: want \"ID path:line  TP: reason\" or \"… FP: reason\", got %q", path, i+1, line)
		}
		k := f[0] + " " + f[1]
		if _, dup := lf.Entries[k]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, i+1, k)
		}
		lf.Entries[k] = ledgerEntry{TP: f[2] == "TP:", Reason: strings.Join(f[3:], " ")}
	}
	if lf.Version == "" {
		return nil, fmt.Errorf("%s: missing the \"# version: X.Y.Z\" line", path)
	}
	return lf, nil
}

// precisionTable renders the README's table.
func precisionTable(stats []ledgerStats) string {
	var b strings.Builder
	b.WriteString("| project (Debian package) | version | lines | findings | true positives | false positives | FP per 10k lines |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|\n")
	lines, findings, tp, fp := 0, 0, 0, 0
	for _, s := range stats {
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %d | %d | %d | %d | %.2f |\n", s.Pkg.Name, s.Pkg.Deb, s.Version, s.Lines,
			s.Findings, s.TP, s.FP, per10k(s.FP, s.Lines))
		if s.Pkg.Target {
			lines += s.Lines
			findings += s.Findings
			tp += s.TP
			fp += s.FP
		}
	}
	fmt.Fprintf(&b, "| **Django apps above (all but Django)** | | %d | %d | %d | %d | %.2f |\n", lines, findings, tp, fp, per10k(fp, lines))
	return b.String()
}
