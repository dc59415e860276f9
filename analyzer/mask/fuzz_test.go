package mask

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask checks, for any text, that masking does not panic, that Map
// and Text agree, that Map's columns are one per rune plus one and never
// decrease, and that the spans are sorted, disjoint and inside the text.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		`SECRET_KEY = "django-insecure-9x!k2m"`,
		`headers={"Authorization": "Bearer abcdef123456", "Cookie": "a=b; Path=/"}`,
		`proxy_set_header Cookie "sessionid=abc; Path=/";`,
		`if "x" == token: f(token, "y", default="z")`,
		`url = "https://u:p@h/?token=abc&x=1"  # password=hunter2`,
		"KEY = \"-----BEGIN PRIVATE KEY-----\\nMIIE\"\n    MIIEowIBAAKCAQEA75oRJx3bYtDqZPX0Ty1Ytq7HJdqJXc6O1N3rGDuk2E8hYr9q",
		`x = '\`, `"""`, `f'{'`, `= "`, `, "a"`, `("`, "\xff\xfe'\"",
	} {
		f.Add(s, "sk_live_4eC39HqLyjWDarjtT1zdp7dc")
	}
	f.Fuzz(func(t *testing.T, text, known string) {
		m := New([]string{known}, []string{"otp"})
		spans := m.Spans(text)
		end := 0
		for _, sp := range spans {
			if sp.Start < end || sp.End <= sp.Start || sp.End > len(text) {
				t.Fatalf("spans %v of a %d-byte text", spans, len(text))
			}
			end = sp.End
		}
		masked, cols := m.Map(text)
		if len(cols) != utf8.RuneCountInString(text)+1 {
			t.Fatalf("%d columns for %d runes", len(cols), utf8.RuneCountInString(text))
		}
		for i := 1; i < len(cols); i++ {
			if cols[i] < cols[i-1] {
				t.Fatalf("columns decrease: %v", cols)
			}
		}
		if cols[len(cols)-1] != utf8.RuneCountInString(masked) {
			t.Fatalf("last column %d, masked text has %d runes", cols[len(cols)-1], utf8.RuneCountInString(masked))
		}
		if utf8.ValidString(text) && masked != m.Text(text) {
			t.Fatalf("Map %q, Text %q", masked, m.Text(text))
		}
		if len([]rune(known)) > 4 && !strings.Contains(known, "\n") && strings.Contains(m.Text(text), known) {
			t.Fatalf("known secret %q shown in %q", known, m.Text(text))
		}
	})
}
