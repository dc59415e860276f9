package source

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPositions(t *testing.T) {
	// "é" is 2 bytes, 1 code point, 1 UTF-16 unit; "😀" is 4 bytes,
	// 1 code point, 2 UTF-16 units.
	f := NewFile("a.py", []byte("x = 1\r\né😀 = token\nlast"))
	off := len("x = 1\r\n") + len("é😀 = ")
	p := f.Pos(off)
	if p.Line != 2 || p.Column != 6 || p.UTF16Col != 7 || p.Offset != off {
		t.Errorf("Pos = %+v, want line 2, column 6, UTF-16 column 7", p)
	}
	if got := f.Line(1); got != "x = 1" {
		t.Errorf("Line(1) = %q (CR must be dropped)", got)
	}
	if got := f.Line(3); got != "last" {
		t.Errorf("Line(3) = %q", got)
	}
	if f.LineCount() != 3 {
		t.Errorf("LineCount = %d", f.LineCount())
	}
	if n := NewFile("b", []byte("a\n")).LineCount(); n != 1 {
		t.Errorf("a trailing newline starts no line: %d", n)
	}
	loc := f.Span(off, off+len("token"))
	if loc.End.Column-loc.Start.Column != 5 || loc.Path != "a.py" {
		t.Errorf("Span = %+v", loc)
	}
	if p := f.Pos(-5); p.Line != 1 || p.Column != 1 {
		t.Errorf("negative offsets clamp: %+v", p)
	}
	if p := f.Pos(1 << 20); p.Line != 3 || p.Column != 5 {
		t.Errorf("large offsets clamp to the end: %+v", p)
	}
	if got := f.OffsetOf(2, 1); got != len("x = 1\r\n") {
		t.Errorf("OffsetOf(2,1) = %d", got)
	}
}

func TestLocationOrder(t *testing.T) {
	f := NewFile("a", []byte("ab\ncd\n"))
	g := NewFile("b", []byte("ab\n"))
	a, b, c := f.Span(0, 1), f.Span(3, 4), g.Span(0, 1)
	if !a.Less(b) || b.Less(a) || !b.Less(c) || a.Less(a) {
		t.Error("locations order by path, then line, then column")
	}
}

// naivePos computes a position by scanning from the start of the file.
func naivePos(content []byte, off int) Pos {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if content[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	seg := content[start:off]
	return Pos{Offset: off, Line: line, Column: utf8.RuneCount(seg) + 1, UTF16Col: utf16Len(seg) + 1}
}

// TestPosMatchesNaiveScan: the line index, the ASCII fast path and the
// checkpoints of long non-ASCII lines give the positions a scan from the
// start gives, at every offset (mid-rune and invalid bytes included).
func TestPosMatchesNaiveScan(t *testing.T) {
	pieces := []string{"a", "xyz ", "é", "😀", "日本", "\t", "\r\n", "\n", "\xff", "\xe2\x82", strings.Repeat("q", 700)}
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 40; round++ {
		var b bytes.Buffer
		for b.Len() < 6000 {
			p := pieces[rng.Intn(len(pieces))]
			if round%4 == 0 && (p == "\n" || p == "\r\n") {
				continue // some files are one long line
			}
			b.WriteString(p)
		}
		content := b.Bytes()
		f := NewFile("f", content)
		for off := 0; off <= len(content); off++ {
			if got, want := f.Pos(off), naivePos(content, off); got != want {
				t.Fatalf("round %d: Pos(%d) = %+v, want %+v", round, off, got, want)
			}
		}
	}
}

func BenchmarkPosLongLine(b *testing.B) {
	content := []byte(strings.Repeat("é = token; ", 20000))
	f := NewFile("f", content)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Pos((i * 7919) % len(content))
	}
}

// A lone CR ends a line, as it does for CPython and LSP clients; CRLF is
// one line end.
func TestLoneCRLineEnds(t *testing.T) {
	content := "a = 1\rb = 2\r\nc = 3\rtoken = x\r"
	f := NewFile("cr.py", []byte(content))
	off := strings.Index(content, "token")
	if p := f.Pos(off); p.Line != 4 || p.Column != 1 {
		t.Fatalf("token at %d:%d, want 4:1", p.Line, p.Column)
	}
	for i, want := range []string{"a = 1", "b = 2", "c = 3", "token = x"} {
		if got := f.Line(i + 1); got != want {
			t.Errorf("line %d = %q, want %q", i+1, got, want)
		}
	}
	if n := f.LineCount(); n != 4 {
		t.Errorf("LineCount = %d, want 4", n)
	}
}
