package driver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
)

func fileText(p *analyzer.Project, rel string) string {
	if f := p.File(rel); f != nil {
		return string(f.Content)
	}
	return "<absent>"
}

// A DiskState neither walks nor reads again while nothing on disk changed,
// and notices every change: new content of the same size and time, a file
// replaced by another (a new inode), files created and deleted, and paths
// a watcher reports.
func TestDiskStateTracksFiles(t *testing.T) { eachDiskState(t, testDiskStateTracksFiles) }

func testDiskStateTracksFiles(t *testing.T, newState func() *driver.DiskState) {
	defer driver.SetRacyWindow(0)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n-- app/util.py --\nB = 2\n-- app/templates/t.html --\n<p>{{ x }}</p>\n")
	d := newState()
	p := analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	walks, reads := d.Stats()
	if walks != 1 || reads != 3 {
		t.Fatalf("first load: %d walks, %d reads; want 1 and 3", walks, reads)
	}
	p = analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if w, r := d.Stats(); w != walks || r != reads {
		t.Errorf("an unchanged project was walked %d and read %d more times; want none", w-walks, r-reads)
	}
	if fileText(p, "app/util.py") != "B = 2\n" || len(p.Python) != 2 || len(p.Templates) != 1 {
		t.Fatalf("reused state lost files: %v", p.Files)
	}

	util := filepath.Join(dir, "app", "util.py")
	info, err := os.Stat(util)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, want string
		change     func()
	}{
		{"same size, same modification time", "B = 3\n", func() {
			must(t, os.WriteFile(util, []byte("B = 3\n"), 0o644))
			must(t, os.Chtimes(util, info.ModTime(), info.ModTime()))
		}},
		{"replaced by a new file of the same size and time", "B = 4\n", func() {
			tmp := util + ".new"
			must(t, os.WriteFile(tmp, []byte("B = 4\n"), 0o644))
			must(t, os.Chtimes(tmp, info.ModTime(), info.ModTime()))
			must(t, os.Rename(tmp, util))
		}},
	}
	for _, s := range steps {
		s.change()
		_, before := d.Stats()
		p = analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
		if got := fileText(p, "app/util.py"); got != s.want {
			t.Errorf("%s: content %q, want %q", s.name, got, s.want)
		}
		if _, r := d.Stats(); r != before+1 {
			t.Errorf("%s: %d files read, want 1", s.name, r-before)
		}
	}

	// Created and deleted files change their directory: a new walk.
	fresh := filepath.Join(dir, "app", "fresh.py")
	must(t, os.WriteFile(fresh, []byte("C = 3\n"), 0o644))
	w0, _ := d.Stats()
	if p = analyzertest.LoadDir(t, dir, driver.Options{Disk: d}); fileText(p, "app/fresh.py") != "C = 3\n" {
		t.Errorf("a created file is missing: %v", p.Files)
	}
	must(t, os.Remove(fresh))
	if p = analyzertest.LoadDir(t, dir, driver.Options{Disk: d}); p.File("app/fresh.py") != nil {
		t.Errorf("a deleted file is still there: %v", p.Files)
	}
	if w, _ := d.Stats(); w != w0+2 {
		t.Errorf("creating and deleting a file walked %d times, want 2", w-w0)
	}

	// A path a watcher reports is read again, and the tree walked again.
	w0, r0 := d.Stats()
	d.Changed(util)
	analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if w, r := d.Stats(); w != w0+1 || r != r0+1 {
		t.Errorf("after Changed: %d walks and %d reads, want 1 and 1", w-w0, r-r0)
	}
}

// Ignore files are tracked where none existed: a .gitignore created in a
// subdirectory changes the directory's stamp, and one edited or deleted
// changes its own or the directory's.
func TestDiskStateIgnoreFiles(t *testing.T) { eachDiskState(t, testDiskStateIgnoreFiles) }

func testDiskStateIgnoreFiles(t *testing.T, newState func() *driver.DiskState) {
	defer driver.SetRacyWindow(0)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n-- app/local.py --\nB = 2\n")
	ignore := filepath.Join(dir, "app", ".gitignore")
	d := newState()
	present := func(step string, want ...string) {
		t.Helper()
		p := analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
		var got []string
		for _, m := range p.Python {
			got = append(got, m.File.Path)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: loaded %v, want %v", step, got, want)
		}
	}
	// Each change comes a clock tick after the last load's stamps: a file
	// system's timestamps are as coarse as the kernel's tick, and the
	// racy window (off here) is what covers changes within one.
	tick := func() { time.Sleep(20 * time.Millisecond) }
	present("first load", "app/local.py", "app/views.py")
	tick()
	must(t, os.WriteFile(ignore, []byte("local.py\n"), 0o644))
	present("after creating app/.gitignore", "app/views.py")
	tick()
	must(t, os.WriteFile(ignore, []byte("views.py\n"), 0o644))
	present("after editing it", "app/local.py")
	tick()
	must(t, os.Remove(ignore))
	present("after deleting it", "app/local.py", "app/views.py")
}

// A file modified just before it was read is read again next time: its
// stamp cannot vouch for a write in the same clock tick.
func TestDiskStateRacyFiles(t *testing.T) {
	defer driver.SetRacyWindow(time.Hour)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n")
	d := driver.NewDiskState()
	analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if w, r := d.Stats(); w != 2 || r != 2 {
		t.Errorf("two loads of a just-written project: %d walks, %d reads; want 2 and 2", w, r)
	}
}

// eachDiskState runs test with a state that watches directories (where
// the system can) and with one that examines every stamp.
func eachDiskState(t *testing.T, test func(*testing.T, func() *driver.DiskState)) {
	for _, c := range []struct {
		name string
		new  func() *driver.DiskState
	}{{"watching", driver.NewDiskState}, {"stats", driver.NewUnwatchedDiskState}} {
		t.Run(c.name, func(t *testing.T) {
			test(t, func() *driver.DiskState {
				d := c.new()
				t.Cleanup(d.Close)
				return d
			})
		})
	}
}

// watchingState returns a state that watches directories, or skips the
// test where the system cannot.
func watchingState(t *testing.T) *driver.DiskState {
	t.Helper()
	d := driver.NewDiskState()
	t.Cleanup(d.Close)
	if !d.Watching() {
		t.Skip("no directory watching on this system or file system")
	}
	return d
}

// With directory watches, a load of an unchanged tree examines nothing a
// watch covers: the second load confirms each stamp once by a stat, and later loads
// trust them until an event names the path. A file written in place is
// the one path examined again; a file created in a new directory makes a
// new walk.
func TestDiskStateWatchedLoadsExamineNothing(t *testing.T) {
	defer driver.SetRacyWindow(0)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n-- app/util.py --\nB = 2\n-- app/sub/deep.py --\nC = 3\n-- app/templates/t.html --\n<p>{{ x }}</p>\n")
	d := watchingState(t)
	examined := func() int64 {
		before := d.Examined()
		analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
		return d.Examined() - before
	}
	examined()
	second := examined()
	if second < 8 {
		t.Fatalf("the second load examined %d stamps; it confirms each directory and file", second)
	}
	// One path no watch covers stays: .git/info/exclude, in a directory
	// that does not exist.
	base := examined()
	if base != 1 {
		t.Errorf("a third load of an unchanged tree examined %d stamps, want 1", base)
	}
	util := filepath.Join(dir, "app", "util.py")
	must(t, os.WriteFile(util, []byte("B = 9\n"), 0o644))
	before := d.Examined()
	p := analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if got := fileText(p, "app/util.py"); got != "B = 9\n" {
		t.Errorf("after writing util.py: %q", got)
	}
	if n := d.Examined() - before; n != base+1 {
		t.Errorf("writing one file: %d stamps examined, want %d", n, base+1)
	}
	walks, _ := d.Stats()
	must(t, os.MkdirAll(filepath.Join(dir, "app", "new", "pkg"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "app", "new", "pkg", "m.py"), []byte("D = 4\n"), 0o644))
	if p = analyzertest.LoadDir(t, dir, driver.Options{Disk: d}); fileText(p, "app/new/pkg/m.py") != "D = 4\n" {
		t.Errorf("a file in a new directory is missing: %v", p.Files)
	}
	if w, _ := d.Stats(); w != walks+1 {
		t.Errorf("a new directory: %d walks, want 1", w-walks)
	}
}

// A directory moved away and made again between two loads, with a file
// of the same name, is read afresh: the watches of the old directory's
// subdirectories no longer stand for their paths.
func TestDiskStateWatchedDirectoryReplaced(t *testing.T) {
	defer driver.SetRacyWindow(0)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n-- app/sub/inner/x.py --\nX = 1\n")
	d := watchingState(t)
	for range 3 {
		analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	}
	sub := filepath.Join(dir, "app", "sub")
	must(t, os.Rename(sub, filepath.Join(dir, "sub.old")))
	must(t, os.MkdirAll(filepath.Join(sub, "inner"), 0o755))
	must(t, os.WriteFile(filepath.Join(sub, "inner", "x.py"), []byte("X = 2\n"), 0o644))
	if got := fileText(analyzertest.LoadDir(t, dir, driver.Options{Disk: d}), "app/sub/inner/x.py"); got != "X = 2\n" {
		t.Errorf("after replacing app/sub: %q, want the new content", got)
	}
	// And an edit in the moved directory changes nothing here.
	must(t, os.WriteFile(filepath.Join(dir, "sub.old", "inner", "x.py"), []byte("X = 3\n"), 0o644))
	if got := fileText(analyzertest.LoadDir(t, dir, driver.Options{Disk: d}), "app/sub/inner/x.py"); got != "X = 2\n" {
		t.Errorf("after editing the moved copy: %q", got)
	}
}

// A file reached through a symbolic link, or with a second hard link, is
// examined on every load: an edit through the other path shows no event
// in the project's directories.
func TestDiskStateWatchedLinksAreExamined(t *testing.T) {
	defer driver.SetRacyWindow(0)()
	dir := analyzertest.Write(t, "-- app/views.py --\nA = 1\n")
	outside := t.TempDir()
	target := filepath.Join(outside, "linked.py")
	must(t, os.WriteFile(target, []byte("L = 1\n"), 0o644))
	must(t, os.Symlink(target, filepath.Join(dir, "app", "linked.py")))
	hard := filepath.Join(outside, "hard.py")
	must(t, os.WriteFile(hard, []byte("H = 1\n"), 0o644))
	must(t, os.Link(hard, filepath.Join(dir, "app", "hard.py")))
	d := watchingState(t)
	for range 3 {
		analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	}
	must(t, os.WriteFile(target, []byte("L = 2\n"), 0o644))
	must(t, os.WriteFile(hard, []byte("H = 2\n"), 0o644))
	p := analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if got := fileText(p, "app/linked.py"); got != "L = 2\n" {
		t.Errorf("symbolic link: %q, want the edit made through its target", got)
	}
	if got := fileText(p, "app/hard.py"); got != "H = 2\n" {
		t.Errorf("hard link: %q, want the edit made through the other link", got)
	}
}

// Out of watches, a state watches the directories it could and examines
// the rest on every load, and still notices every change.
func TestDiskStateOutOfWatches(t *testing.T) {
	defer driver.SetRacyWindow(0)()
	defer driver.SetMaxWatches(1)()
	dir := analyzertest.Write(t, "-- a.py --\nA = 1\n-- app/views.py --\nV = 1\n-- app/sub/deep.py --\nD = 1\n")
	d := watchingState(t)
	for range 2 {
		analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	}
	before := d.Examined()
	analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	// The root is the one directory watched (the first in order): a.py is
	// trusted; app, app/sub and the files in them are examined.
	if n := d.Examined() - before; n < 4 {
		t.Errorf("with one watch: %d stamps examined, want the unwatched directories and files", n)
	}
	must(t, os.WriteFile(filepath.Join(dir, "app", "sub", "deep.py"), []byte("D = 22\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "a.py"), []byte("A = 22\n"), 0o644))
	p := analyzertest.LoadDir(t, dir, driver.Options{Disk: d})
	if got := fileText(p, "app/sub/deep.py") + fileText(p, "a.py"); got != "D = 22\nA = 22\n" {
		t.Errorf("edits under and outside the watch: %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
