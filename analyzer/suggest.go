package analyzer

import (
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns the candidate closest to word by edit distance (case
// folded), or "" when none is close enough to be a likely typo: at most a
// third of the word's length. Ties go to the candidate listed first.
func Suggest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestDist := "", 0
	limit := max(1, (len(w)+2)/3)
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(w, strings.ToLower(c))
		if d > limit {
			continue
		}
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean is " (did you mean X?)" for Suggest's answer, or "".
func DidYouMean(word string, candidates []string) string {
	if s := Suggest(word, candidates); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}
