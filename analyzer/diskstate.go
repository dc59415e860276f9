package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
type DiskState struct {
	mu    sync.Mutex
	walk  *cachedWalk
	files map[string]*cachedRead // by absolute path
	walks int
	reads int
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
}

type cachedRead struct {
	stamp fileStamp
	limit int64
	data  []byte
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

// NewDiskState returns an empty state.
func NewDiskState() *DiskState { return &DiskState{files: map[string]*cachedRead{}} }

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
	d.mu.Lock()
	w := d.walk
	d.mu.Unlock()
	if w != nil && w.root == root && w.key == key && unchanged(w.stamps) {
		return w.found.clone(), nil
	}
	start := time.Now()
	stamps := map[string]fileStamp{}
	var mu sync.Mutex
	found, err := walkProject(ctx, OS, root, excluded, func(path string, info os.FileInfo) {
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
	d.mu.Lock()
	list := make([]pathStamp, 0, len(stamps))
	for p, s := range stamps {
		list = append(list, pathStamp{p, s})
	}
	d.walk = &cachedWalk{root: root, key: key, found: found.clone(), stamps: list}
	d.walks++
	d.mu.Unlock()
	return found, nil
}

// unchanged reports whether every path still has its stamp. The stats run
// on GOMAXPROCS goroutines, a chunk at a time, and stop at the first
// difference: a large tree has thousands of directories to examine on
// every load, and the system calls are what costs.
func unchanged(stamps []pathStamp) bool {
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
				for _, ps := range stamps[i:min(i+chunk, len(stamps))] {
					if stampOf(ps.path) != ps.stamp {
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
		files: append([]SourceFile(nil), w.files...),
		bad:   append([]NotAnalysed(nil), w.bad...),
		notes: append([]string(nil), w.notes...),
	}
}

// read is readLimited through the state: the content read last time while
// the file keeps the stamp it had then, else the file read again.
func (d *DiskState) read(full string, limit int64) ([]byte, error) {
	d.mu.Lock()
	e := d.files[full]
	d.mu.Unlock()
	if e != nil && e.limit == limit && stampOf(full) == e.stamp {
		return e.data, nil
	}
	start := time.Now()
	data, info, err := readLimitedInfo(OS, full, limit)
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
func (d *DiskState) retain(root string, files []SourceFile) {
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
