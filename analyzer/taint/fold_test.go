package taint

import (
	"strings"
	"testing"
)

// containsFold agrees with lower-casing then searching, on ASCII and on
// bytes outside it.
func TestContainsFold(t *testing.T) {
	for _, s := range []string{"", "csrf", "CSRF", "get_CsRf_token", "csr", "xcsrx", "csrF", "c s r f",
		"django.middleware.csrf.get_token", "\xc3\xa9csrf", "cs\x00rf", "CSR\x46", "csr\x66x", "@SRF"} {
		if got, want := containsFold(s, "csrf"), strings.Contains(strings.ToLower(s), "csrf"); got != want {
			t.Errorf("containsFold(%q) = %v, want %v", s, got, want)
		}
	}
}
