package report

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// directLineHashes computes GitHub's line hashes from their definition,
// without a rolling window: the normalised stream (blanks dropped, CR LF and
// CR turned into LF, then the EOF sentinel and zero padding) and, for each
// line, the polynomial Σ c[i]·37^(99-i) over the 100 units starting at the
// line's first unit, modulo 2^64.
func directLineHashes(content string) []string {
	var units []uint64
	var starts []int
	lineStart, prevCR := true, false
	push := func(c uint64) {
		if c == ' ' || c == '\t' || (prevCR && c == '\n') {
			prevCR = false
			return
		}
		prevCR = c == '\r'
		if c == '\r' {
			c = '\n'
		}
		if lineStart {
			starts = append(starts, len(units))
			lineStart = false
		}
		lineStart = c == '\n'
		units = append(units, c)
	}
	for _, u := range utf16.Encode([]rune(content)) {
		push(uint64(u))
	}
	push(lineHashEOF)
	out := []string{""}
	counts := map[string]int{}
	for _, s := range starts {
		var h uint64
		for i := 0; i < lineHashWindow; i++ {
			c := uint64(0)
			if s+i < len(units) {
				c = units[s+i]
			}
			h = h*lineHashMod + c
		}
		hex := strconv.FormatUint(h, 16)
		counts[hex]++
		out = append(out, hex+":"+strconv.Itoa(counts[hex]))
	}
	return out
}

func TestLineHashesMatchDefinition(t *testing.T) {
	for _, content := range []string{
		"",
		"x",
		"import os\n",
		"a\n\n\tb = 1  \r\nc\rd\n",
		settingsPy,
		appConf,
		strings.Repeat("SECRET = 'abc'\n", 5),
		"# 👋 émoji: two UTF-16 units\nkey = '🔑'\n" + strings.Repeat("long line ", 40) + "\nend",
	} {
		got, want := lineHashes([]byte(content)), directLineHashes(content)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q:\n got %v\nwant %v", content, got, want)
		}
	}
}

// TestLineHashStable: a line's hash depends on its text and the text after
// it (up to 100 characters), not on its number, its indentation, trailing
// blanks or the line-ending style.
func TestLineHashStable(t *testing.T) {
	tail := "SESSION_COOKIE_SECURE = False\nCSRF_COOKIE_SECURE = True\n" + strings.Repeat("X = 1\n", 30)
	base := lineHashes([]byte("import os\n\n" + tail))
	moved := lineHashes([]byte("import os\nimport sys\n\n# a comment added above\n\n" + tail))
	if base[3] != moved[6] || base[3] == "" {
		t.Errorf("hash of SESSION_COOKIE_SECURE changed when lines were added above: %s → %s", base[3], moved[6])
	}
	reindented := lineHashes([]byte("import os\n\n" + strings.ReplaceAll(tail, "\n", "   \r\n")))
	if base[3] != reindented[3] {
		t.Errorf("trailing blanks and CRLF changed the hash: %s → %s", base[3], reindented[3])
	}
	edited := lineHashes([]byte("import os\n\n" + strings.Replace(tail, "False", "True", 1)))
	if base[3] == edited[3] {
		t.Error("editing the line did not change its hash")
	}
	// Identical lines with identical text after them share the hash and
	// are told apart by the counter: with 40 lines "Y = 2" (4 units each
	// once blanks go), the first 16 windows hold the same 100 units.
	rep := lineHashes([]byte(strings.Repeat("Y = 2\n", 40)))
	h, _, _ := strings.Cut(rep[1], ":")
	for n := 1; n <= 16; n++ {
		if want := h + ":" + strconv.Itoa(n); rep[n] != want {
			t.Errorf("line %d hash %s, want %s", n, rep[n], want)
		}
	}
	if strings.HasPrefix(rep[17], h+":") {
		t.Errorf("line 17's window reaches the end of the file but has the same hash %s", rep[17])
	}
}
