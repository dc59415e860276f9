package driver

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/internal/fileio"
)

// DiskState remembers what a load found on disk so that the next load of
// the same project, as an editor session reloads it on every change,
// neither walks the tree again nor reads files again when nothing changed
// there. A file is known unchanged while its size, modification and
// change times, inode and mode are those it had when it was read; the walk
// is reused while every directory it listed, every ignore file it read and
// every file whose content decided its kind keeps its stamp and the
// configuration's exclude list is the same. Changed reports paths a file
// watcher saw change, for changes a stamp cannot show.
//
// A file modified less than racyWindow before it was read (or a directory
// before it was listed) is not trusted: the file system's clock may not
// tick between two writes, so it is read (or walked) again next time, as
// git does with racily clean index entries. A DiskState is for one project
// root; it is safe for concurrent use.
//
// Where the system can watch directories (inotify on Linux, on local file
// systems), a state watches the directories it walked: a stamp a stat
// confirmed under a watch is not examined again until an event names its
// path, so a load of an unchanged tree makes no system calls for it.
type DiskState struct {
	mu    sync.Mutex
	walk  *cachedWalk
	files map[string]*cachedRead // by absolute path
	walks int
	reads int
	watch *dirWatch // nil: every load examines every stamp
	// examined counts the stamps examined by a system call.
	examined atomic.Int64
}

// racyWindow is how recent a modification must be for its stamp not to be
// trusted.
var racyWindow = 2 * time.Second

type cachedWalk struct {
	root, key string
	found     discovery
	// stamps are the directories, ignore files, sniffed files and followed
	// symbolic links the walk depended on.
	stamps []pathStamp
}

type pathStamp struct {
	path  string // absolute
	stamp fileStamp
	seen  atomic.Uint64 // see confirm
}

type cachedRead struct {
	stamp fileStamp
	limit int64
	data  []byte
	seen  atomic.Uint64 // see confirm
}

// holds reports whether stamp, path's stamp, is known to hold without a
// stat: it was confirmed under a watch (seen) and nothing has changed it
// since.
func (d *DiskState) holds(path string, stamp fileStamp, seen *atomic.Uint64) bool {
	return d.watch.clean(path, stamp.mode.IsDir(), seen.Load())
}

// confirm examines path's stamp and reports whether it is still want; if
// so and a watch can see every change to path, it records in seen the
// dirWatch sequence number seq, read before the stat, so that later loads
// trust the stamp (0: examine it every time).
func (d *DiskState) confirm(path string, want fileStamp, seen *atomic.Uint64, seq uint64) bool {
	d.examined.Add(1)
	if stampOf(path) != want {
		return false
	}
	if seq != 0 {
		// Examined after the stat: a change in between shows as an event
		// later than seq.
		if coverable(path) {
			seen.Store(seq)
		} else {
			seen.Store(0)
		}
	}
	return true
}

// fileStamp is what os.Stat says about a path; the zero value means it did
// not exist (or could not be examined).
type fileStamp struct {
	exists       bool
	size         int64
	mode         os.FileMode
	mtime, ctime int64 // nanoseconds
	dev, ino     uint64
}

func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return stampInfo(info)
}

func stampInfo(info os.FileInfo) fileStamp {
	s := fileStamp{exists: true, size: info.Size(), mode: info.Mode(), mtime: info.ModTime().UnixNano()}
	s.dev, s.ino, s.ctime = sysStamp(info)
	return s
}

// trusted reports whether a stamp taken at t can vouch for the content
// seen then: the last modification is older than racyWindow.
func (s fileStamp) trusted(t time.Time) bool {
	last := max(s.mtime, s.ctime)
	return last < t.Add(-racyWindow).UnixNano()
}

// NewDiskState returns an empty state, watching directories where the
// system can.
func NewDiskState() *DiskState {
	return &DiskState{files: map[string]*cachedRead{}, watch: newDirWatch()}
}

// Close stops the state's directory watches; it keeps working, examining
// every stamp.
func (d *DiskState) Close() { d.watch.close() }

// Examined reports how many stamps the state has examined by a system
// call so far.
func (d *DiskState) Examined() int64 { return d.examined.Load() }

// Changed tells the state that the files at these absolute paths changed,
// were created or were deleted (a client's file watcher said so): they are
// read again, and the next load walks the project again.
func (d *DiskState) Changed(paths ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range paths {
		delete(d.files, filepath.Clean(p))
	}
	if len(paths) > 0 {
		d.walk = nil
	}
}

// Stats reports how many times the state walked the project and read a
// file from disk.
func (d *DiskState) Stats() (walks, reads int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.walks, d.reads
}

// discover is discoverContext through the state: the last walk of root when
// nothing it depended on changed, else a new walk, remembered.
func (d *DiskState) discover(ctx context.Context, root string, exclude []string, excluded func(string, bool) bool) (discovery, error) {
	key := strings.Join(exclude, "\x00")
	// The events so far are taken in before anything is trusted, the
	// reads of this load included (read).
	seq := d.watch.poll()
	d.mu.Lock()
	w := d.walk
	d.mu.Unlock()
	if w != nil && w.root == root && w.key == key && d.unchanged(w.stamps, seq) {
		return w.found.clone(), nil
	}
	start := time.Now()
	stamps := map[string]fileStamp{}
	var mu sync.Mutex
	found, err := walkProject(ctx, analyzer.OS, root, excluded, func(path string, info os.FileInfo) {
		s := fileStamp{}
		if info != nil {
			s = stampInfo(info)
		} else {
			s = stampOf(path)
		}
		if s.exists && !s.trusted(start) {
			s.mtime = -1 // too recent to vouch for the walk: walk again next time
		}
		mu.Lock()
		stamps[path] = s
		mu.Unlock()
	})
	if err != nil {
		return discovery{}, err
	}
	list := make([]pathStamp, len(stamps))
	dirs := make([]string, 0, len(stamps))
	i := 0
	for p, s := range stamps {
		list[i].path, list[i].stamp = p, s
		i++
		if s.exists && s.mode.IsDir() {
			dirs = append(dirs, p)
		}
	}
	sort.Strings(dirs)
	d.watch.watchDirs(dirs)
	d.mu.Lock()
	d.walk = &cachedWalk{root: root, key: key, found: found.clone(), stamps: list}
	d.walks++
	d.mu.Unlock()
	return found, nil
}

// unchanged reports whether every path still has its stamp. The paths a
// watch vouches for are not examined; the stats of the others run on
// GOMAXPROCS goroutines, a chunk at a time, and stop at the first
// difference: a large tree has thousands of directories to examine on
// every load, and the system calls are what costs.
func (d *DiskState) unchanged(stamps []pathStamp, seq uint64) bool {
	const chunk = 64
	var next atomic.Int64
	var changed atomic.Bool
	var wg sync.WaitGroup
	for w := min(runtime.GOMAXPROCS(0), (len(stamps)+chunk-1)/chunk); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !changed.Load() {
				i := int(next.Add(chunk)) - chunk
				if i >= len(stamps) {
					return
				}
				for j := i; j < min(i+chunk, len(stamps)); j++ {
					ps := &stamps[j]
					if !d.holds(ps.path, ps.stamp, &ps.seen) && !d.confirm(ps.path, ps.stamp, &ps.seen, seq) {
						changed.Store(true)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return !changed.Load()
}

func (w discovery) clone() discovery {
	return discovery{
		files: append([]analyzer.SourceFile(nil), w.files...),
		bad:   append([]analyzer.NotAnalysed(nil), w.bad...),
		notes: append([]string(nil), w.notes...),
	}
}

// read is readLimited through the state: the content read last time while
// the file keeps the stamp it had then, else the file read again. The
// load's discover has taken in the watch's events.
func (d *DiskState) read(full string, limit int64) ([]byte, error) {
	d.mu.Lock()
	e := d.files[full]
	d.mu.Unlock()
	if e != nil && e.limit == limit {
		if d.holds(full, e.stamp, &e.seen) {
			return e.data, nil
		}
		if d.confirm(full, e.stamp, &e.seen, d.watch.current()) {
			return e.data, nil
		}
	}
	start := time.Now()
	data, info, err := fileio.ReadLimitedInfo(analyzer.OS, full, limit)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reads++
	if err != nil || !stampInfo(info).trusted(start) {
		delete(d.files, full)
		return data, err
	}
	d.files[full] = &cachedRead{stamp: stampInfo(info), limit: limit, data: data}
	return data, nil
}

// retain forgets the content of files that are no longer in the project.
func (d *DiskState) retain(root string, files []analyzer.SourceFile) {
	keep := map[string]bool{}
	for _, f := range files {
		keep[filepath.Join(root, filepath.FromSlash(f.Path))] = true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for p := range d.files {
		if !keep[p] {
			delete(d.files, p)
		}
	}
}
