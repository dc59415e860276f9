package report

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// primaryLocationLineHash is the partial fingerprint GitHub code scanning
// matches alerts by across commits. github/codeql-action's upload-sarif
// computes it for results that lack it; djleak computes it the same way,
// so that the alert identity is the same whether or not the upload adds
// it, and so that any SARIF consumer gets it:
//
//   - The file is read as UTF-16 code units (its UTF-8 decoded). Spaces and
//     tabs are skipped; a CR becomes an LF, and an LF directly after a CR
//     is skipped, so indentation, trailing blanks and CRLF line ends do not
//     matter. Every other unit, the line feeds included, is fed into a
//     rolling polynomial hash (multiplier 37, 64-bit wrap-around) over a
//     window of the last 100 units; after the last unit of the file a
//     sentinel 65535 is fed, then zeros.
//   - A line's hash is the window's value once the 100 units starting at
//     the line's first (non-blank) unit have been fed, written in lower-case
//     hexadecimal without leading zeros.
//   - Identical hashes are told apart by an occurrence counter, in file
//     order: "<hex>:1" for the first, "<hex>:2" for the second, …
//
// The hash of a line thus covers it and what follows it, up to 100
// characters, and does not depend on the line's number: inserting or
// deleting lines elsewhere leaves it unchanged.

const (
	lineHashWindow = 100
	lineHashMod    = 37
	lineHashEOF    = 65535
)

// lineHashes returns the primaryLocationLineHash of every line of content,
// indexed by 1-based line number (index 0 is unused). A line that holds
// only blanks gets the hash of the text that follows it.
func lineHashes(content []byte) []string {
	var out []string
	var window [lineHashWindow]uint64
	var lineAt [lineHashWindow]int // line starting at this window slot, or 0
	firstMod := uint64(1)
	for i := 0; i < lineHashWindow; i++ {
		firstMod *= lineHashMod
	}
	var hash uint64
	index, line := 0, 0
	lineStart, prevCR := true, false
	counts := map[string]int{}
	emit := func() {
		h := strconv.FormatUint(hash, 16)
		counts[h]++
		for len(out) <= lineAt[index] {
			out = append(out, "")
		}
		out[lineAt[index]] = h + ":" + strconv.Itoa(counts[h])
		lineAt[index] = 0
	}
	update := func(c uint64) {
		begin := window[index]
		window[index] = c
		hash = lineHashMod*hash + c - firstMod*begin
		index = (index + 1) % lineHashWindow
	}
	feed := func(c uint64) {
		if c == ' ' || c == '\t' || (prevCR && c == '\n') {
			prevCR = false
			return
		}
		if c == '\r' {
			c, prevCR = '\n', true
		} else {
			prevCR = false
		}
		if lineAt[index] != 0 {
			emit()
		}
		if lineStart {
			lineStart = false
			line++
			lineAt[index] = line
		}
		if c == '\n' {
			lineStart = true
		}
		update(c)
	}
	for s := content; len(s) > 0; {
		r, size := utf8.DecodeRune(s)
		s = s[size:]
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			feed(uint64(hi))
			feed(uint64(lo))
			continue
		}
		feed(uint64(r))
	}
	feed(lineHashEOF)
	for i := 0; i < lineHashWindow; i++ {
		if lineAt[index] != 0 {
			emit()
		}
		update(0)
	}
	return out
}
