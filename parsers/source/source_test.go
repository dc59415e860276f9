package source

import "testing"

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
