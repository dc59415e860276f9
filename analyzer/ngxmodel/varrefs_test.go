package ngxmodel

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
)

// varRefPattern is the regular expression varRefs scans for without one.
var varRefPattern = regexp.MustCompile(`\$\{?([A-Za-z0-9_]+)\}?`)

// varRefs finds what the pattern finds, on hand-picked values and on
// 20,000 random ones over the characters that matter ($ { } word
// characters, others, a multi-byte rune).
func TestVarRefsMatchPattern(t *testing.T) {
	values := []string{"", "$", "$$", "${", "${}", "$}", "${a", "$a}", "${a}b", "$$a", "$${a}",
		"a$b-$c_d.${e}f", "$ssl_client_s_dn", "${ssl_client_verify}x$http_x_client_dn",
		"$1$2", "$é", "${é}", "$a\u00e9b", "{$a}", "$_", "$-a"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"$", "{", "}", "a", "Z", "0", "_", "-", ".", " ", "é"}
	for range 20000 {
		n := rng.IntN(12)
		v := ""
		for range n {
			v += alphabet[rng.IntN(len(alphabet))]
		}
		values = append(values, v)
	}
	for _, v := range values {
		var want []string
		for _, m := range varRefPattern.FindAllStringSubmatch(v, -1) {
			want = append(want, m[1])
		}
		var got []string
		varRefs(v, func(name string) { got = append(got, name) })
		if !slices.Equal(got, want) {
			t.Fatalf("varRefs(%q) = %q, the pattern finds %q", v, got, want)
		}
	}
}
