package python

// FlatNodes parses src into the flat tree only, for the benchmarks of
// package python_test, and returns its node count.
func FlatNodes(src []byte) (int, error) {
	loadLanguage()
	nodes, err := parseFlat(src)
	return len(nodes), err
}
