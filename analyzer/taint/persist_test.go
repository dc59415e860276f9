package taint_test

import (
	"reflect"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/taint"
)

// The pass's result decodes from the cache as it was computed: the same
// hits in the same order with every exported field of the hit, its label
// and its source, and the same sharing of sources and labels between
// hits (GroupHits tells sources apart by identity), on every rule fixture
// and on the installed packages of the precision ledger.
func TestResultEncodingRoundTrips(t *testing.T) {
	shared := 0
	check := func(name string, p *analyzer.Project) {
		res := taint.Run(p)
		data, err := taint.EncodeResult(res)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := taint.DecodeResult(p, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(back.Hits) != len(res.Hits) {
			t.Fatalf("%s: %d hits decode as %d", name, len(res.Hits), len(back.Hits))
		}
		if !reflect.DeepEqual(back.Vocab, res.Vocab) {
			t.Errorf("%s: the vocabulary differs after decoding", name)
		}
		for i := range res.Hits {
			if got, want := exported(back.Hits[i]), exported(res.Hits[i]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: hit %d decodes as\n%v\nwant\n%v", name, i, got, want)
			}
			for j := range i {
				a, b := res.Hits[i].Label, res.Hits[j].Label
				x, y := back.Hits[i].Label, back.Hits[j].Label
				if (a.Src == b.Src) != (x.Src == y.Src) || (a == b) != (x == y) {
					t.Errorf("%s: hits %d and %d share their source or label in one result and not in the other", name, j, i)
				}
				if a.Src == b.Src {
					shared++
				}
			}
		}
	}
	eachFixtureArchive(t, func(name, archive string) { check(name, analyzertest.Load(t, archive)) })
	eachLedgerPackage(t, check)
	if shared == 0 {
		t.Fatal("no two hits share a source: the sharing is not tested")
	}
}

// exported is every exported field of a hit, its label and its source.
func exported(h taint.Hit) [3]map[string]any {
	l := *h.Label
	h.Label = nil
	src := *l.Src
	l.Src = nil
	return [3]map[string]any{fields(h), fields(l), fields(src)}
}

func fields(v any) map[string]any {
	rv := reflect.ValueOf(v)
	out := map[string]any{}
	for i := range rv.NumField() {
		if f := rv.Type().Field(i); f.IsExported() {
			out[f.Name] = rv.Field(i).Interface()
		}
	}
	return out
}
