package pysem_test

import (
	"testing"

	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// FuzzEval evaluates arbitrary expressions: no panic, a known value within
// the size cap, and the same answer twice.
func FuzzEval(f *testing.F) {
	for _, tc := range table {
		f.Add(tc.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		m, err := python.Parse(source.NewFile("v.py", []byte("v = "+src+"\n")))
		if err != nil || len(m.Errors) != 0 || len(m.Assigns) != 1 || m.Assigns[0].Value == nil {
			return
		}
		x := m.Assigns[0].Value
		sc := testScope()
		v := pysem.Eval(x, sc)
		if v.OK && !pysem.Fits(v.V) {
			t.Fatalf("%s: a value past the cap", src)
		}
		if again := pysem.Eval(x, sc); render(again) != render(v) {
			t.Fatalf("%s: %s, then %s", src, render(v), render(again))
		}
		pysem.TruthOf(x, sc)
	})
}
