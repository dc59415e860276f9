package analyzer_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/djleak/djleak/analyzer"
)

// A ContentMemo computes once per key and content, tells apart equal
// content in two slices and two keys of one content, and keeps no entry
// for content that is gone.
func TestContentMemo(t *testing.T) {
	var memo analyzer.ContentMemo[string]
	calls := 0
	get := func(key string, content []byte) string {
		return memo.Get(key, content, func() string { calls++; return key + ":" + string(content) })
	}
	a, b := []byte("same"), []byte("same")
	for round := 0; round < 2; round++ {
		if get("k", a) != "k:same" || get("k", b) != "k:same" || get("j", a) != "j:same" {
			t.Fatal("wrong values")
		}
	}
	if calls != 3 {
		t.Errorf("3 distinct (key, content) pairs asked twice each: %d computations, want 3", calls)
	}
	// Contents of 32 bytes or more: smaller ones may share a tiny
	// allocation block with live objects and outlive their last use.
	content := func(what string, i int) []byte {
		return []byte(what + " content, number " + strconv.Itoa(100000+i))
	}
	for i := 0; i < 20000; i++ {
		get("k", content("gone", i))
	}
	runtime.GC() // the 20,000 contents are collected
	// The memo sweeps once it has doubled since its last sweep: within
	// 2×30,000+4,096 more entries, whatever the collector did before.
	before := memo.Len()
	for i := 0; ; i++ {
		if i == 100000 {
			t.Fatalf("no sweep in 100,000 more contents: the memo keeps %d entries", memo.Len())
		}
		get("k", content("also gone", i))
		if n := memo.Len(); n < before+i+1 {
			// Left: the 3 live entries and at most the i+1 added since.
			if n > i+1+3 {
				t.Errorf("after a sweep the memo keeps %d entries, of which at most %d have content left", n, i+1+3)
			}
			break
		}
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}
