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
	for i := 0; i < 20000; i++ {
		get("k", []byte("gone "+strconv.Itoa(i)))
	}
	runtime.GC()
	for i := 0; i < 10000; i++ {
		get("k", []byte("also gone "+strconv.Itoa(i)))
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	if n := memo.Len(); n > 15000 {
		t.Errorf("after 30,000 contents, 20,000 of them collected, the memo keeps %d entries", n)
	}
}
