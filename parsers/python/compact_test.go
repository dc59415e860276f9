package python

import (
	"math/rand"
	"testing"
)

// TestCompactSpan checks that compactSpan, which extends the compacted
// text of an earlier span with the same start, gives compact's result for
// every span, in any order, including spans that end inside a string, a
// comment or on a backslash, after which the text cannot be extended.
func TestCompactSpan(t *testing.T) {
	srcs := []string{
		"token.strip().replace(\"a\", \"b\").lower( ).split( ',' )",
		"x . f( \"\"\"a\"b # c\"\"\" ) . g( 'it''s' ) # note\n . h ( )",
		"obj.call(a, \\\n  b)  .next(\"\\\" x\" )\t.last # end",
		"f(x)\r\n  .g('#not a comment', y) \\\r\n .h()",
	}
	rng := rand.New(rand.NewSource(1))
	for _, src := range srcs {
		for round := 0; round < 3; round++ {
			b := &builder{src: src}
			ends := rng.Perm(len(src) + 1)
			if round == 0 {
				for i := range ends {
					ends[i] = i
				}
			}
			for _, e := range ends {
				for _, s := range []int{0, 1} {
					if s > e {
						continue
					}
					if got, want := b.compactSpan(uint32(s), uint32(e)), compact(src[s:e]); got != want {
						t.Fatalf("compactSpan(%d, %d) of %q = %q, want %q", s, e, src, got, want)
					}
				}
			}
		}
	}
}
