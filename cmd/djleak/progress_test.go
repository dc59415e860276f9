package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
)

// openPTY opens a pseudo-terminal pair: writes to the second end arrive at
// the first, and isatty holds for the second.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestProgressEnabled: the progress line is for terminals only, and off
// with -q and -v.
func TestProgressEnabled(t *testing.T) {
	_, tty := openPTY(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, tc := range []struct {
		name           string
		quiet, verbose bool
		out            io.Writer
		want           bool
	}{
		{"terminal", false, false, tty, true},
		{"terminal -q", true, false, tty, false},
		{"terminal -v", false, true, tty, false},
		{"pipe", false, false, w, false},
		{"buffer", false, false, &bytes.Buffer{}, false},
	} {
		if got := progressEnabled(tc.out, tc.quiet, tc.verbose); got != tc.want {
			t.Errorf("%s: progressEnabled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// waitFor polls until s() contains want; the deadline only bounds a hang.
func waitFor(t *testing.T, s func() string, want string) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !strings.Contains(s(), want); {
		if time.Now().After(end) {
			t.Fatalf("never saw %q in %q", want, s())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestProgressLine: once shown, the line names the stage, is rewritten in
// place and erased on stop; a run that stops first prints nothing.
func TestProgressLine(t *testing.T) {
	var out frontendtest.LogBuf
	p := startProgress(&out, true, 0)
	p.set("parsing 12 files")
	waitFor(t, out.String, "\rdjleak: parsing 12 files… (")
	p.set("running 48 rules on 12 files")
	waitFor(t, out.String, "\rdjleak: running 48 rules on 12 files… (")
	p.stop()
	p.stop() // twice is fine
	got := out.String()
	if !strings.HasSuffix(got, "\r\x1b[K") || strings.Contains(got, "\n") {
		t.Errorf("line not erased in place: %q", got)
	}
	var quick frontendtest.LogBuf
	q := startProgress(&quick, true, time.Hour)
	q.set("parsing")
	q.stop()
	if quick.String() != "" {
		t.Errorf("a run shorter than the delay printed %q", quick.String())
	}
	var off frontendtest.LogBuf
	o := startProgress(&off, false, 0)
	o.set("parsing")
	o.stop()
	if off.String() != "" {
		t.Errorf("disabled progress printed %q", off.String())
	}
}

// TestProgressOnTerminal drives the progress line through a real
// pseudo-terminal and reads what the terminal received.
func TestProgressOnTerminal(t *testing.T) {
	master, tty := openPTY(t)
	p := startProgress(tty, progressEnabled(tty, false, false), 0)
	p.set("finding files")
	buf := make([]byte, 256)
	var got []byte
	for !bytes.Contains(got, []byte("djleak: finding files…")) {
		n, err := master.Read(buf)
		if err != nil {
			t.Fatalf("reading the terminal: %v (got %q)", err, got)
		}
		got = append(got, buf[:n]...)
	}
	p.stop()
}
