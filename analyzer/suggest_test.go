package analyzer

import "testing"

func TestSuggest(t *testing.T) {
	cands := []string{"select", "ignore", "exclude", "per-file-ignores", "nginx-roots"}
	for word, want := range map[string]string{
		"selcet":          "select",
		"SELECT":          "select",
		"ignroe":          "ignore",
		"per-file-ignore": "per-file-ignores",
		"nginx-root":      "nginx-roots",
		"colour":          "",
		"x":               "",
	} {
		if got := Suggest(word, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := DidYouMean("exlude", cands); got != " (did you mean exclude?)" {
		t.Errorf("DidYouMean = %q", got)
	}
}
