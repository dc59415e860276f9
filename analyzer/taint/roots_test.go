package taint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/taint"
)

// renderHits is every field of the hits a rule can show, flows included.
func renderHits(res *taint.Result) string {
	var b strings.Builder
	for _, h := range res.Hits {
		fmt.Fprintf(&b, "%d %v %v|%s|%s|%s|%v%v%v%v%v|%s|%v %s %d %v\n", h.Sink, h.Loc, h.Call, h.Desc, h.Where, h.Func,
			h.Error, h.EmailLink, h.Path, h.Debug, h.Validation, h.Via, h.Label.Src.Loc, h.Label.Src.What, h.Label.Bits, h.Label.InURL)
		for _, s := range h.Label.Steps {
			fmt.Fprintf(&b, "  %v %s\n", s.Location, s.Message)
		}
	}
	return b.String()
}

func hitsBothWays(t *testing.T, p *analyzer.Project) (roots, every string) {
	t.Helper()
	defer func() { *taint.EveryFunction = false }()
	*taint.EveryFunction = false
	roots = renderHits(taint.Run(p))
	*taint.EveryFunction = true
	every = renderHits(taint.Run(p))
	return roots, every
}

// eachFixture calls check with the project of every rule fixture that has
// files, named by its file.
func eachFixture(t *testing.T, check func(name string, p *analyzer.Project)) {
	t.Helper()
	eachFixtureArchive(t, func(name, archive string) { check(name, analyzertest.Load(t, archive)) })
}

// eachFixtureArchive calls check with the archive of every rule fixture
// that has files, named by its file.
func eachFixtureArchive(t *testing.T, check func(name, archive string)) {
	t.Helper()
	files, _ := filepath.Glob("../../rules/testdata/fixtures/*.txtar")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(txtar.Parse(data).Files) == 0 {
			continue
		}
		check(filepath.Base(file), string(data))
	}
}

// eachLedgerPackage calls check with the project of every Debian package
// of the precision ledger that is installed (Django left out under
// -short), named by the package; under CI one not installed is an error.
func eachLedgerPackage(t *testing.T, check func(deb string, p *analyzer.Project)) {
	t.Helper()
	for _, pkg := range ledgerPackages {
		if testing.Short() && pkg.Dir == "django" {
			continue
		}
		dir := pkg.root()
		if _, err := os.Stat(dir); err != nil {
			if os.Getenv("CI") != "" {
				t.Errorf("%s is not installed (run .ci/install-deps)", pkg.Deb)
			}
			continue
		}
		p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		check(pkg.Deb, p)
	}
}

// The reporting round analyses only the roots and what they call, and
// finds every hit that analysing every function finds, with the same
// flows: on every rule fixture and on the Debian packages of the precision
// ledger that are installed.
func TestRootsLoseNoHit(t *testing.T) {
	eachFixture(t, func(name string, p *analyzer.Project) {
		if roots, every := hitsBothWays(t, p); roots != every {
			t.Errorf("%s: analysing the roots finds\n%s\nanalysing every function finds\n%s", name, roots, every)
		}
	})
	eachLedgerPackage(t, func(deb string, p *analyzer.Project) {
		roots, every := hitsBothWays(t, p)
		if roots != every {
			t.Errorf("%s: analysing the roots and analysing every function differ", deb)
		}
		t.Logf("%s: %d hit lines", deb, strings.Count(roots, "\n"))
	})
}

// A module-level secret bound inside a branch still makes the functions
// that use it under another name roots (carriers reads every binding of
// the module's environment, in its own writes and in frozen layers).
func TestRootsSeeModuleSecretsBoundInBranches(t *testing.T) {
	p := analyzertest.Load(t, `-- conf.py --
import os

if os.environ.get("PROD"):
    api_key = os.environ["SERVICE_API_KEY"]
else:
    api_key = os.environ.get("DEV_API_KEY", "")
-- views.py --
import logging
from conf import api_key as k

log = logging.getLogger(__name__)


def ping(request):
    log.info("calling with %s", k)
`)
	roots, every := hitsBothWays(t, p)
	if every == "" {
		t.Fatal("analysing every function finds no hit: the fixture no longer leaks")
	}
	if roots != every {
		t.Errorf("analysing the roots finds\n%s\nanalysing every function finds\n%s", roots, every)
	}
}

// Every source function of the tables makes the function that calls it a
// root, however the module is imported: by its module, under an alias of
// the module, or by the function's own name under an alias. (The function
// takes no request: that word alone would make it a root.)
func TestRootsSeeEverySourceCall(t *testing.T) {
	for _, q := range taint.SourceCalls() {
		dot := strings.LastIndexByte(q, '.')
		mod, fn := q[:dot], q[dot+1:]
		args := ""
		if strings.HasPrefix(q, "jwt.") || strings.HasPrefix(q, "django.") {
			args = "{}"
		}
		for _, form := range []struct{ imp, call string }{
			{"import " + mod, q},
			{"import " + mod + " as m", "m." + fn},
			{"from " + mod + " import " + fn + " as f", "f"},
		} {
			p := analyzertest.Load(t, `-- views.py --
import logging
`+form.imp+`

log = logging.getLogger(__name__)


def ping():
    log.info("value %s", `+form.call+`(`+args+`))
`)
			roots, every := hitsBothWays(t, p)
			if every == "" {
				t.Errorf("%s (%s): analysing every function finds no hit", q, form.imp)
			} else if roots != every {
				t.Errorf("%s (%s): analysing the roots finds\n%s\nanalysing every function finds\n%s", q, form.imp, roots, every)
			}
		}
	}
}

// The hits, flows included, do not depend on the order the modules are
// analysed in, on every rule fixture and on the Debian packages of the
// precision ledger that are installed. Summaries are memoised across
// functions, and one met again inside its own recursion is partial at
// that point, so the order could matter inside recursion cycles; this
// holds the analysis to it not mattering where the fixtures and the
// ledger's code recurse, which is what computing summaries in another
// order (per module, in parallel, incrementally) needs.
func TestHitsIndependentOfModuleOrder(t *testing.T) {
	both := func(p *analyzer.Project) (forward, reverse string) {
		defer func() { *taint.ReverseModules = false }()
		forward = renderHits(taint.Run(p))
		*taint.ReverseModules = true
		reverse = renderHits(taint.Run(p))
		return forward, reverse
	}
	eachFixture(t, func(name string, p *analyzer.Project) {
		if f, r := both(p); f != r {
			t.Errorf("%s: in path order the hits are\n%s\nin reverse order\n%s", name, f, r)
		}
	})
	eachLedgerPackage(t, func(deb string, p *analyzer.Project) {
		if f, r := both(p); f != r {
			t.Errorf("%s: the hits differ between path order and reverse order", deb)
		}
	})
}

// In a recursion cycle, a caller sees what the cycle's head returns
// whichever function the analysis enters the cycle by: g logs what f
// returns, a query-string token, though f returns through g too. Entered
// at f (path order), g was once summarised while f was still partial.
func TestRecursionCycleEntryIndependent(t *testing.T) {
	p := analyzertest.Load(t, `-- app/a.py --
from app.b import g


def f(x, request):
    if x:
        return g(x - 1, request)
    return request.GET["token"]
-- app/b.py --
import logging
from app.a import f

log = logging.getLogger(__name__)


def g(x, request):
    v = f(x, request)
    log.info("%s", v)
    return v
`)
	defer func() { *taint.ReverseModules = false }()
	forward := renderHits(taint.Run(p))
	*taint.ReverseModules = true
	reverse := renderHits(taint.Run(p))
	if !strings.Contains(forward, "app.b.g") || !strings.Contains(forward, "reaches `log.info`") {
		t.Errorf("entered at f, g's log.info of f's token is missed:\n%s", forward)
	}
	if forward != reverse {
		t.Errorf("entered at f:\n%s\nentered at g:\n%s", forward, reverse)
	}
}
