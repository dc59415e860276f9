package driver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// dirWatch learns from the kernel which paths changed, so that a
// DiskState need not examine every directory and file of a large project
// on every load to find out that nothing did. It watches the directories
// the walk listed; a stamp confirmed by a stat while its directory was
// watched stays confirmed until an event names the path (or its
// directory, for a listing change), the watch ends, or the kernel drops
// events. Anything it does not cover (symbolic links, files with several
// links, directories on file systems whose changes may come from
// elsewhere, such as NFS or FUSE) is examined as before. A write through
// a shared memory map shows no event; editors and git do not write so.
//
// Time is a sequence number: every poll that finds events, and every new
// watch, moves it on. A confirmation records the number seen before its
// stat; it holds while no later event touched its path.
type dirWatch struct {
	mu  sync.Mutex
	sys watchSys
	// dirs maps each watched directory to its watch, byWD the reverse.
	dirs map[string]*watchedDir
	byWD map[int]string
	seq  uint64
	// changed holds the number of the last event naming each path; lost is
	// the number at which the kernel last dropped events, which every
	// confirmation before it loses.
	changed map[string]uint64
	lost    uint64
	broken  bool // reading events failed: nothing is trusted any more
}

type watchedDir struct {
	wd    int
	since uint64 // the sequence number when the watch began
}

// watchEvent is what an event says about the path it names.
type watchEvent uint8

const (
	evEntry    watchEvent = iota // a file's content or attributes changed
	evListing                    // an entry was created, deleted or renamed: its directory changed too
	evGone                       // the watch ended: the directory was deleted, moved or unmounted
	evOverflow                   // the kernel dropped events
)

// watchSys is the system's directory watching (inotify on Linux).
type watchSys interface {
	// add watches dir and returns the watch's descriptor; it fails for a
	// symbolic link or anything but a directory, and where changes may not
	// be reported (a remote or FUSE file system, no watches left).
	add(dir string) (int, error)
	// drain reads the events queued so far without blocking; name is ""
	// for an event about the watched directory itself.
	drain(fn func(wd int, name string, ev watchEvent)) error
	// remove ends a watch.
	remove(wd int)
	// budget is how many watches a state may hold.
	budget() int
	close() error
}

// maxWatches bounds the watches one state holds: watches are a per-user
// resource the editor's own watchers share, so a state also takes at most
// a quarter of the system's allowance (watchSys.budget). A variable so
// that a test can run out of watches.
var maxWatches = 1 << 16

// maxChanged bounds the paths remembered as changed; beyond it every
// confirmation is dropped at once, as after lost events.
const maxChanged = 1 << 17

// newDirWatch returns a watch, or nil where the system has none.
func newDirWatch() *dirWatch {
	sys := newWatchSys()
	if sys == nil {
		return nil
	}
	return &dirWatch{sys: sys, dirs: map[string]*watchedDir{}, byWD: map[int]string{}, changed: map[string]uint64{}, seq: 1}
}

// watchDirs starts watching the directories among paths not yet watched;
// a directory that cannot be watched is left to stats.
func (w *dirWatch) watchDirs(paths []string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken {
		return
	}
	for _, p := range paths {
		if w.dirs[p] != nil || len(w.dirs) >= min(maxWatches, w.sys.budget()) {
			continue
		}
		wd, err := w.sys.add(p)
		if err != nil {
			continue
		}
		if old, ok := w.byWD[wd]; ok && old != p {
			// The kernel gives a directory reached by two paths one
			// watch: keep the first path, leave the second to stats.
			continue
		}
		w.seq++
		w.dirs[p] = &watchedDir{wd: wd, since: w.seq}
		w.byWD[wd] = p
	}
}

// poll takes in the events queued so far and returns the sequence number
// a confirmation made after it records.
func (w *dirWatch) poll() uint64 { return w.locked(w.takeEvents) }

// locked runs f under the lock of a working watch; 0 (trust nothing)
// without one.
func (w *dirWatch) locked(f func() uint64) uint64 {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken {
		return 0
	}
	return f()
}

func (w *dirWatch) takeEvents() uint64 {
	next, any := w.seq+1, false
	mark := func(p string) {
		any = true
		w.changed[p] = next
	}
	err := w.sys.drain(func(wd int, name string, ev watchEvent) {
		if ev == evOverflow {
			any = true
			w.lost = next
			return
		}
		dir, ok := w.byWD[wd]
		if !ok {
			return
		}
		switch {
		case ev == evGone:
			// The directories under it moved or went with it: their
			// watches no longer stand for their paths.
			for p, d := range w.dirs {
				if p == dir || strings.HasPrefix(p, dir+string(filepath.Separator)) {
					mark(p)
					delete(w.dirs, p)
					delete(w.byWD, d.wd)
					// A moved directory keeps its watch in the kernel;
					// removing one that ended already does nothing.
					w.sys.remove(d.wd)
				}
			}
		case name == "":
			mark(dir)
		default:
			mark(filepath.Join(dir, name))
			if ev == evListing {
				mark(dir)
			}
		}
	})
	if err != nil {
		w.broken = true
		return 0
	}
	if any {
		w.seq = next
	}
	if len(w.changed) > maxChanged {
		w.changed = map[string]uint64{}
		w.lost = w.seq
	}
	return w.seq
}

// current is the sequence number of the last poll: a confirmation made
// now records it, and events not yet taken in count as later.
func (w *dirWatch) current() uint64 { return w.locked(func() uint64 { return w.seq }) }

// clean reports whether a stamp of path confirmed at sequence number seen
// (0: never) still holds: the watch covering it began before the
// confirmation and no event since named it. dir says whether path is a
// directory, covered by its own watch; a file is covered by its
// directory's.
func (w *dirWatch) clean(path string, dir bool, seen uint64) bool {
	if w == nil || seen == 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken || seen < w.lost || w.changed[path] > seen {
		return false
	}
	covering := path
	if !dir {
		covering = filepath.Dir(path)
	}
	d := w.dirs[covering]
	return d != nil && d.since <= seen
}

// coverable reports whether a watch can see every change to path: a
// directory, a regular file with one link, not reached through a symbolic
// link of its own, or nothing (its creation is an event in its directory).
func coverable(path string) bool {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	return err == nil && (info.IsDir() || info.Mode().IsRegular() && linkCount(info) == 1)
}

// close ends the watches.
func (w *dirWatch) close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sys.close() //nolint:errcheck // nothing to do about it
	w.broken = true
}
