package rules

import "sort"

func sortStrings(s []string) { sort.Strings(s) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
