package python_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

type keyA struct{}
type keyB struct{}

// Memo keeps one value per key on a module: the first stored wins when
// first uses race, and another key or module has its own.
func TestModuleMemo(t *testing.T) {
	parse := func() *python.Module {
		m, err := python.Parse(source.NewFile("app/m.py", []byte("def f():\n    return 1\n")))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m, other := parse(), parse()
	var computed atomic.Int32
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = m.Memo(keyA{}, func() any { computed.Add(1); return new(int) })
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("first uses at once returned different values: %p and %p", got[i], got[0])
		}
	}
	if computed.Load() == 0 {
		t.Fatal("never computed")
	}
	if v := m.Memo(keyA{}, func() any { t.Error("computed again"); return nil }); v != got[0] {
		t.Errorf("a later use returned %v, want the first value", v)
	}
	if v := m.Memo(keyB{}, func() any { return "b" }); v != "b" {
		t.Errorf("another key returned %v", v)
	}
	if v := other.Memo(keyA{}, func() any { return "other" }); v != "other" {
		t.Errorf("another module returned %v", v)
	}
}
