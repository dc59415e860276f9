package lsp

import (
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// fileURI turns an absolute path into a file:// URI.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if runtime.GOOS == "windows" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// uriPath turns a file:// URI into an absolute, cleaned path; other
// schemes (untitled:, …) give "".
func uriPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	p := u.Path
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	if p == "" {
		return ""
	}
	return filepath.Clean(filepath.FromSlash(p))
}

// lineBounds returns the byte offsets of the start and end (before any
// "\r\n" or "\n") of 0-based line n, and whether the line exists.
func lineBounds(text []byte, n int) (start, end int, ok bool) {
	for i := 0; i < n; i++ {
		j := indexByte(text[start:], '\n')
		if j < 0 {
			return len(text), len(text), false
		}
		start += j + 1
	}
	end = start
	if j := indexByte(text[start:], '\n'); j >= 0 {
		end = start + j
	} else {
		end = len(text)
	}
	if end > start && text[end-1] == '\r' {
		end--
	}
	return start, end, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// utf16Len counts UTF-16 code units, the unit of LSP character offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}

// offsetOf converts an LSP position into a byte offset in text, clamping
// to the line's end and to the text.
func offsetOf(text []byte, p Position) int {
	start, end, ok := lineBounds(text, p.Line)
	if !ok {
		return len(text)
	}
	units := 0
	for i, r := range string(text[start:end]) {
		if units >= p.Character {
			return start + i
		}
		if r == utf8.RuneError {
			units++
		} else {
			units += utf16.RuneLen(r)
		}
	}
	return end
}

// applyChange applies one didChange content change.
func applyChange(text []byte, c TextDocumentContentChangeEvent) []byte {
	if c.Range == nil {
		return []byte(c.Text)
	}
	s, e := offsetOf(text, c.Range.Start), offsetOf(text, c.Range.End)
	if e < s {
		s, e = e, s
	}
	out := make([]byte, 0, len(text)-(e-s)+len(c.Text))
	out = append(out, text[:s]...)
	out = append(out, c.Text...)
	return append(out, text[e:]...)
}
