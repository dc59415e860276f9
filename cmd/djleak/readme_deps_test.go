package main

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestReadmeListsInstallDeps keeps the README's list of what `make test`
// installs equal to what .ci/install-deps installs: its Debian packages,
// the npm packages of .ci/package.json and the Go modules it downloads.
func TestReadmeListsInstallDeps(t *testing.T) {
	readme := readFile(t, "../../README.md")
	const begin, end = "<!-- deps:begin -->", "<!-- deps:end -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the deps markers")
	}
	block := readme[i:j]
	script := readFile(t, "../../.ci/install-deps")

	// Debian: every need_apt+=(…) of the script, and the packages it
	// extracts (extract_debs=(…)).
	var apt []string
	for _, m := range regexp.MustCompile(`(?:need_apt\+|extract_debs)=\(([^)]*)\)`).FindAllStringSubmatch(script, -1) {
		apt = append(apt, strings.Fields(m[1])...)
	}
	var listed []string
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(line, "- Debian packages:") {
			for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(line, -1) {
				listed = append(listed, m[1])
			}
		}
	}
	sort.Strings(apt)
	sort.Strings(listed)
	if strings.Join(apt, " ") != strings.Join(listed, " ") {
		t.Errorf("README lists Debian packages %v; .ci/install-deps installs %v", listed, apt)
	}

	// npm: the dependencies of .ci/package.json, which `npm ci` installs.
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal([]byte(readFile(t, "../../.ci/package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script, "npm ci") {
		t.Error(".ci/install-deps no longer runs npm ci")
	}
	for name := range pkg.Dependencies {
		if !strings.Contains(block, "`"+name+"`") {
			t.Errorf("README does not list the npm package %s", name)
		}
	}

	// Go: the modules downloaded by path.
	for _, m := range regexp.MustCompile(`go mod download "?([a-z0-9./-]+)@`).FindAllStringSubmatch(script, -1) {
		if !strings.Contains(block, "`"+m[1]+"`") {
			t.Errorf("README does not list the Go module %s", m[1])
		}
	}
}
