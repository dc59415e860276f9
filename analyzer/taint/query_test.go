package taint

import (
	"math/rand"
	"regexp"
	"testing"
)

// TestQueryMatchers checks the hand-written matchers of a query
// parameter's end and an otpauth URI against the regular expressions they
// stand for, on random strings over the characters that matter.
func TestQueryMatchers(t *testing.T) {
	paramEnd := regexp.MustCompile(`[?&][A-Za-z0-9_.\-\[\]%]*=$`)
	provisioning := regexp.MustCompile(`^\s*otpauth(-migration)?://`)
	alphabet := []string{"?", "&", "=", "a", "Z", "5", "_", ".", "-", "[", "]", "%", " ", "\t", "\n", "\v", "/", ":", "\x00", "é", "otpauth", "-migration", "://"}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		s := ""
		for n := rng.Intn(8); n > 0; n-- {
			s += alphabet[rng.Intn(len(alphabet))]
		}
		if got, want := queryParamEnd(s), paramEnd.MatchString(s); got != want {
			t.Fatalf("queryParamEnd(%q) = %v, the regular expression says %v", s, got, want)
		}
		if got, want := provisioningURI(s), provisioning.MatchString(s); got != want {
			t.Fatalf("provisioningURI(%q) = %v, the regular expression says %v", s, got, want)
		}
	}
}
