package taint_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/taint"
)

// only is res with the hits of kind k.
func only(res *taint.Result, k taint.SinkKind) *taint.Result {
	out := &taint.Result{Vocab: res.Vocab}
	for _, h := range res.Hits {
		if h.Sink == k {
			out.Hits = append(out.Hits, h)
		}
	}
	return out
}

// sinkKindsDiffer returns the kinds whose hits differ between a run that
// records every kind and one that records that kind alone.
func sinkKindsDiffer(p *analyzer.Project) []string {
	full := taint.Run(p) // outside a run: every kind
	var bad []string
	for _, k := range taint.SinkKinds() {
		if renderHits(taint.RunSinks(p, k)) != renderHits(only(full, k)) {
			bad = append(bad, k.String())
		}
	}
	return bad
}

// The hits of one sink kind are the same, flows included, whichever other
// kinds are recorded with them: on every rule fixture and on the Debian
// packages of the precision ledger that are installed. So a run of some
// rules reports what a run of all of them reports for those rules.
func TestSinkKindsIndependent(t *testing.T) {
	kinds := map[taint.SinkKind]bool{}
	eachFixture(t, func(name string, p *analyzer.Project) {
		for _, h := range taint.Run(p).Hits {
			kinds[h.Sink] = true
		}
		if bad := sinkKindsDiffer(p); bad != nil {
			t.Errorf("%s: the hits of %s differ when recorded alone", name, strings.Join(bad, ", "))
		}
	})
	for _, k := range taint.SinkKinds() {
		if !kinds[k] {
			t.Errorf("no fixture has a hit of kind %s, so its independence is not tested", k)
		}
	}
	eachLedgerPackage(t, func(deb string, p *analyzer.Project) {
		if bad := sinkKindsDiffer(p); bad != nil {
			t.Errorf("%s: the hits of %s differ when recorded alone", deb, strings.Join(bad, ", "))
		}
	})
}

const logAndURL = `-- app/views.py --
import logging
from urllib.parse import urlencode

log = logging.getLogger(__name__)


def ping(request):
    token = request.GET["token"]
    log.info("token %s", token)
    return "https://example.com/?" + urlencode({"token": token})
`

// sinkRule is a rule that declares the kinds in declared and reports the
// hits of the kinds in read.
func sinkRule(id string, declared, read []taint.SinkKind) *analyzer.Rule {
	return &analyzer.Rule{ID: id, Requires: taint.Sinks(declared...), Run: func(ctx *analyzer.Context) {
		for _, h := range taint.For(ctx.Project, read...).Hits {
			ctx.Report(analyzer.Finding{Location: h.Loc, Message: h.Sink.String()})
		}
	}}
}

// messages is the findings' messages, sorted, joined by spaces.
func messages(fs []*analyzer.Finding) string {
	var got []string
	for _, f := range fs {
		got = append(got, f.Message)
	}
	sort.Strings(got)
	return strings.Join(got, " ")
}

// A run records the kinds its rules declare, and no other; a rule that
// reads a kind it did not declare fails naming the kind.
func TestSinksDeclared(t *testing.T) {
	kinds := func(rules ...*analyzer.Rule) string {
		t.Helper()
		p := analyzertest.Load(t, logAndURL)
		fs, err := analyzer.Run(p, rules, 1)
		if err != nil {
			t.Fatal(err)
		}
		return messages(fs)
	}
	logs := sinkRule("DJL901", []taint.SinkKind{taint.SinkLog}, []taint.SinkKind{taint.SinkLog})
	urls := sinkRule("DJL902", []taint.SinkKind{taint.SinkURL}, []taint.SinkKind{taint.SinkURL})
	if got := kinds(logs); got != "log" {
		t.Errorf("a run declaring log sinks records %q, want only the log hit", got)
	}
	if got := kinds(urls); got != "url" {
		t.Errorf("a run declaring URL sinks records %q, want only the URL hit", got)
	}
	if got := kinds(logs, urls); got != "log log url url" {
		t.Errorf("a run of both rules reports %q, want each rule to see both kinds", got)
	}

	p := analyzertest.Load(t, logAndURL)
	undeclared := sinkRule("DJL903", []taint.SinkKind{taint.SinkLog}, []taint.SinkKind{taint.SinkURL})
	_, err := analyzer.Run(p, []*analyzer.Rule{undeclared}, 1)
	if err == nil || !strings.Contains(err.Error(), "kind url") || !strings.Contains(err.Error(), "taint.Sinks") {
		t.Errorf("a rule reading undeclared URL hits: err = %v, want an internal error naming the kind", err)
	}
}

// A load given the previous project takes taint's result from it only for
// the same sink kinds.
func TestSinksVariantReuse(t *testing.T) {
	fsys, root := analyzertest.Memory(t, logAndURL)
	load := func(prev *analyzer.Project) *analyzer.Project {
		p, err := driver.Load(driver.Options{FS: fsys, Root: root, Paths: []string{root}, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	logs := sinkRule("DJL901", []taint.SinkKind{taint.SinkLog}, []taint.SinkKind{taint.SinkLog})
	both := sinkRule("DJL902", []taint.SinkKind{taint.SinkLog, taint.SinkURL}, []taint.SinkKind{taint.SinkURL})
	first := load(nil)
	if _, err := analyzer.Run(first, []*analyzer.Rule{logs}, 1); err != nil {
		t.Fatal(err)
	}
	second := load(first)
	fs, err := analyzer.Run(second, []*analyzer.Rule{both}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := messages(fs); got != "log url" {
		t.Errorf("after a load that recorded log sinks only, a run wanting log and URL sinks records %q, want \"log url\"", got)
	}
	third := load(second)
	if _, err := analyzer.Run(third, []*analyzer.Rule{both}, 1); err != nil {
		t.Fatal(err)
	}
	if got := third.ReusedPasses(); !strings.Contains(strings.Join(got, " "), "taint") {
		t.Errorf("a load with the same sink kinds reuses %v, want taint among them", got)
	}
}
