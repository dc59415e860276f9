// Package facts keeps per-file analysis facts keyed by the content of the
// file they describe, in memory and, for the command line, on disk.
//
// A fact is identified by its name, its version and a salt (the part of
// the configuration it depends on, such as configured token names); it is
// stored under the SHA-256 of the file's path and content. All facts of one content
// live in one bundle, read with one file access and written back, when
// something was added, atomically (a temporary file renamed into place),
// so that concurrent runs never see a half-written entry. A bundle that
// does not decode (truncated, corrupt, written by something else) counts
// as empty and is rewritten. The cache is an optimisation only: every
// failure to read or write it is a miss, never an error of the run.
package facts

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// Hash identifies a file's content: the SHA-256 of its project-relative
// path and its bytes. The path is part of it because facts hold locations
// (and resolve relative imports) in terms of it: a renamed file is a new
// file.
type Hash [sha256.Size]byte

// HashOf hashes a file.
func HashOf(path string, content []byte) Hash {
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(content)
	var out Hash
	h.Sum(out[:0])
	return out
}

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ID names one fact in a bundle: its name, version and salt.
func ID(name string, version int, salt string) string {
	id := fmt.Sprintf("%s@%d", name, version)
	if salt != "" {
		s := sha256.Sum256([]byte(salt))
		id += "#" + hex.EncodeToString(s[:8])
	}
	return id
}

// Store holds encoded facts by content hash and fact ID. Implementations
// are safe for concurrent use.
type Store interface {
	Get(content Hash, id string) ([]byte, bool)
	Put(content Hash, id string, value []byte)
}

// Encode serialises a fact value with encoding/gob. The zero value (most
// files have no suppression, no URL pattern, …) encodes as no bytes at
// all, which costs nothing to decode.
func Encode[T any](v T) ([]byte, error) {
	if reflect.ValueOf(&v).Elem().IsZero() {
		return []byte{}, nil
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(struct{ V T }{v}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode is the inverse of Encode.
func Decode[T any](data []byte) (T, error) {
	var w struct{ V T }
	if len(data) == 0 {
		return w.V, nil
	}
	err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w)
	return w.V, err
}

// Cache is a Store kept in memory and, when it has a directory, on disk.
type Cache struct {
	dir   string // "" keeps the cache in memory only
	limit int64  // bytes on disk before pruning

	mu      sync.Mutex
	bundles map[Hash]*bundle
	err     error // the first problem writing the directory
	stats   Stats
	// blobWG counts the blob writes in flight (PutBlob), which Flush
	// waits for; blobSem lets one run at a time.
	blobWG  sync.WaitGroup
	blobSem chan struct{}
}

// Stats count what a cache did.
type Stats struct {
	Hits, Misses int // fact lookups
	Loaded       int // bundles read from disk
	Written      int // bundles written to disk
	Pruned       int // bundles removed to keep the directory under its limit
	// BlobHits and BlobsWritten count the values kept on their own (Blob).
	BlobHits, BlobsWritten int
}

type bundle struct {
	once    sync.Once
	mu      sync.Mutex
	entries map[string][]byte
	dirty   bool
	used    bool // looked up since the last Sweep
}

// DefaultLimit bounds a cache directory's size.
const DefaultLimit = 256 << 20

// NewMemory returns a cache that lives in memory only (the language server
// keeps one per project for the session).
func NewMemory() *Cache { return &Cache{bundles: map[Hash]*bundle{}} }

// Open returns a cache in dir, created when missing. When the directory
// cannot be created the cache works in memory and Err says why.
func Open(dir string, limit int64) *Cache {
	c := &Cache{dir: dir, limit: limit, bundles: map[Hash]*bundle{}, blobSem: make(chan struct{}, 1)}
	if limit <= 0 {
		c.limit = DefaultLimit
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.err = err
		c.dir = ""
	}
	return c
}

// Dir is the cache directory, "" for a memory cache.
func (c *Cache) Dir() string { return c.dir }

// Err reports the first problem with the cache directory (it could not be
// created or written); the cache still works, with fewer hits.
func (c *Cache) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Stats returns the counters so far.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *Cache) bundle(h Hash) *bundle {
	c.mu.Lock()
	b := c.bundles[h]
	if b == nil {
		b = &bundle{}
		c.bundles[h] = b
	}
	c.mu.Unlock()
	b.once.Do(func() {
		b.entries = map[string][]byte{}
		if c.dir == "" {
			return
		}
		if entries, ok := readBundle(c.path(h), h); ok {
			b.entries = entries
			c.mu.Lock()
			c.stats.Loaded++
			c.mu.Unlock()
		}
	})
	return b
}

// Get returns the encoded fact id for content h.
func (c *Cache) Get(h Hash, id string) ([]byte, bool) {
	b := c.bundle(h)
	b.mu.Lock()
	v, ok := b.entries[id]
	b.used = true
	b.mu.Unlock()
	c.mu.Lock()
	if ok {
		c.stats.Hits++
	} else {
		c.stats.Misses++
	}
	c.mu.Unlock()
	return v, ok
}

// Put records the encoded fact id for content h; Flush writes it to disk.
func (c *Cache) Put(h Hash, id string, v []byte) {
	b := c.bundle(h)
	b.mu.Lock()
	if old, ok := b.entries[id]; !ok || !bytes.Equal(old, v) {
		b.entries[id] = v
		b.dirty = true
	}
	b.used = true
	b.mu.Unlock()
}

// KeepsBlobs reports whether the cache has a directory to keep blobs in.
func (c *Cache) KeepsBlobs() bool { return c.dir != "" }

// blobMagic starts a blob file; the content hash and a CRC-32 of the value
// follow it.
const blobMagic = "djleak-blob-1\n"

func (c *Cache) blobPath(h Hash, kind string) string { return c.path(h) + "." + kind }

// Blob returns the value of kind kept on its own for content h: a large
// value read once per run (an encoded syntax tree), which the cache does
// not hold in memory as it does a bundle. A damaged or foreign file is a
// miss.
func (c *Cache) Blob(h Hash, kind string) ([]byte, bool) {
	if c.dir == "" {
		return nil, false
	}
	var v []byte
	ok := readTouched(c.blobPath(h, kind), func(data []byte) bool {
		head := len(blobMagic) + len(h) + 4
		if len(data) < head || string(data[:len(blobMagic)]) != blobMagic ||
			!bytes.Equal(data[len(blobMagic):len(blobMagic)+len(h)], h[:]) ||
			binary.BigEndian.Uint32(data[head-4:head]) != crc32.ChecksumIEEE(data[head:]) {
			return false
		}
		v = data[head:]
		return true
	})
	if ok {
		c.mu.Lock()
		c.stats.BlobHits++
		c.mu.Unlock()
	}
	return v, ok
}

// PutBlob has the value of kind for content h written (see Blob) in the
// background, so that the caller does not wait for the disk; Flush waits
// for the writes. Problems are recorded in Err.
func (c *Cache) PutBlob(h Hash, kind string, v []byte) {
	if c.dir == "" {
		return
	}
	data := make([]byte, 0, len(blobMagic)+len(h)+4+len(v))
	data = append(append(data, blobMagic...), h[:]...)
	data = binary.BigEndian.AppendUint32(data, crc32.ChecksumIEEE(v))
	data = append(data, v...)
	if len(data) > maxReadBack {
		return // it would never be read back
	}
	// One write at a time, in whatever order the writers get their turn:
	// the disk is the bottleneck, not the callers.
	c.blobWG.Add(1)
	go func() {
		defer c.blobWG.Done()
		c.blobSem <- struct{}{}
		defer func() { <-c.blobSem }()
		if err := writeAtomic(c.blobPath(h, kind), data); err != nil {
			c.fail(err)
			return
		}
		c.mu.Lock()
		c.stats.BlobsWritten++
		c.mu.Unlock()
	}()
}

// Sweep forgets the bundles no lookup used since the previous Sweep, so a
// long-lived memory cache holds what the project has now, not every
// content a file ever had.
func (c *Cache) Sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, b := range c.bundles {
		b.mu.Lock()
		used := b.used
		b.used = false
		b.mu.Unlock()
		if !used {
			delete(c.bundles, h)
		}
	}
}

func (c *Cache) path(h Hash) string {
	s := h.String()
	return filepath.Join(c.dir, s[:2], s[2:])
}

// Flush writes the bundles that gained facts to disk, then prunes the
// directory when it has grown past its limit. Problems are recorded in Err.
func (c *Cache) Flush() {
	if c.dir == "" {
		return
	}
	c.blobWG.Wait()
	c.mu.Lock()
	var dirty []Hash
	for h, b := range c.bundles {
		if b.dirty {
			dirty = append(dirty, h)
		}
	}
	c.mu.Unlock()
	sort.Slice(dirty, func(i, j int) bool { return bytes.Compare(dirty[i][:], dirty[j][:]) < 0 })
	written := 0
	for _, h := range dirty {
		b := c.bundle(h)
		b.mu.Lock()
		data := encodeBundle(h, b.entries)
		b.dirty = false
		b.mu.Unlock()
		if err := writeAtomic(c.path(h), data); err != nil {
			c.fail(err)
			break
		}
		written++
	}
	c.mu.Lock()
	c.stats.Written += written
	blobs := c.stats.BlobsWritten
	c.mu.Unlock()
	if written > 0 || blobs > 0 {
		now := time.Now()
		if err := writeAtomic(filepath.Join(c.dir, usedMarker), nil); err == nil {
			_ = os.Chtimes(filepath.Join(c.dir, usedMarker), now, now)
		}
		c.prune()
		pruneVersions(c.dir, now)
	}
}

// usedMarker is touched in a version directory by every run that writes
// to it. A version directory no run wrote to for versionMaxAge goes (an
// upgraded djleak leaves its predecessor's behind), and so do all but the
// keepVersions most recently written besides the current one (a
// development build is a version of its own each time it is rebuilt).
const (
	usedMarker    = ".used"
	versionMaxAge = 30 * 24 * time.Hour
	keepVersions  = 3
)

// pruneVersions removes stale sibling version directories of dir.
func pruneVersions(dir string, now time.Time) {
	parent := filepath.Dir(dir)
	siblings, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	type version struct {
		path string
		used time.Time
	}
	var others []version
	for _, s := range siblings {
		p := filepath.Join(parent, s.Name())
		if !s.IsDir() || p == dir {
			continue
		}
		info, err := os.Stat(filepath.Join(p, usedMarker))
		if err != nil {
			if info, err = os.Stat(p); err != nil {
				continue
			}
		}
		others = append(others, version{p, info.ModTime()})
	}
	sort.Slice(others, func(i, j int) bool {
		if !others[i].used.Equal(others[j].used) {
			return others[i].used.After(others[j].used)
		}
		return others[i].path < others[j].path
	})
	for i, v := range others {
		if i >= keepVersions || now.Sub(v.used) > versionMaxAge {
			os.RemoveAll(v.path)
		}
	}
}

func (c *Cache) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

// Bundle file layout: magic, the content hash it describes, the SHA-256 of
// the body, the body's length, then the body: a count and, per fact, its
// ID and value, each length-prefixed (uvarint).
var magic = []byte("djleak-facts\x00\x01")

func encodeBundle(h Hash, entries map[string][]byte) []byte {
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(ids)))
	for _, id := range ids {
		body = binary.AppendUvarint(body, uint64(len(id)))
		body = append(body, id...)
		body = binary.AppendUvarint(body, uint64(len(entries[id])))
		body = append(body, entries[id]...)
	}
	sum := sha256.Sum256(body)
	out := append([]byte{}, magic...)
	out = append(out, h[:]...)
	out = append(out, sum[:]...)
	out = binary.BigEndian.AppendUint64(out, uint64(len(body)))
	return append(out, body...)
}

var errCorrupt = errors.New("corrupt fact bundle")

func decodeBundle(h Hash, data []byte) (map[string][]byte, error) {
	head := len(magic) + 2*sha256.Size + 8
	if len(data) < head || !bytes.Equal(data[:len(magic)], magic) || !bytes.Equal(data[len(magic):len(magic)+sha256.Size], h[:]) {
		return nil, errCorrupt
	}
	sum := data[len(magic)+sha256.Size : len(magic)+2*sha256.Size]
	n := binary.BigEndian.Uint64(data[head-8 : head])
	body := data[head:]
	if uint64(len(body)) != n {
		return nil, errCorrupt
	}
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return nil, errCorrupt
	}
	next := func() ([]byte, bool) {
		l, k := binary.Uvarint(body)
		if k <= 0 || l > uint64(len(body)-k) {
			return nil, false
		}
		v := body[k : k+int(l)]
		body = body[k+int(l):]
		return v, true
	}
	count, k := binary.Uvarint(body)
	if k <= 0 {
		return nil, errCorrupt
	}
	body = body[k:]
	out := map[string][]byte{}
	for i := uint64(0); i < count; i++ {
		id, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			return nil, errCorrupt
		}
		out[string(id)] = v
	}
	if len(body) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}

// touchAfter is how old a bundle's or blob's modification time may get
// before a hit refreshes it; pruning removes the least recently used
// files first.
const touchAfter = time.Hour

// maxReadBack bounds the size of a bundle or blob file that is read.
const maxReadBack = 64 << 20

// readTouched reads the regular file at path, at most maxReadBack bytes,
// and reports whether use accepted its content; an accepted file older
// than touchAfter has its modification time refreshed.
func readTouched(path string, use func([]byte) bool) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxReadBack {
		return false
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil || !use(data) {
		return false
	}
	if now := time.Now(); now.Sub(info.ModTime()) > touchAfter {
		_ = os.Chtimes(path, now, now)
	}
	return true
}

func readBundle(path string, h Hash) (map[string][]byte, bool) {
	var entries map[string][]byte
	ok := readTouched(path, func(data []byte) bool {
		var err error
		entries, err = decodeBundle(h, data)
		return err == nil
	})
	return entries, ok
}

// writeAtomic writes data to path through a temporary file in the same
// directory renamed into place.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// staleTemp is the age after which a temporary file is a leftover of a
// run that was killed, not one being written.
const staleTemp = 10 * time.Minute

// prune keeps the directory under its limit: when it holds more, the least
// recently used bundles go until it is at three quarters of the limit.
// Leftover temporary files go too.
func (c *Cache) prune() {
	type entry struct {
		path string
		size int64
		mod  time.Time
	}
	var all []entry
	var total int64
	now := time.Now()
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if d.Name() == usedMarker {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			if now.Sub(info.ModTime()) > staleTemp {
				os.Remove(p)
			}
			return nil
		}
		all = append(all, entry{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if total <= c.limit {
		return
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].mod.Equal(all[j].mod) {
			return all[i].mod.Before(all[j].mod)
		}
		return all[i].path < all[j].path
	})
	pruned := 0
	for _, e := range all {
		if total <= c.limit/4*3 {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
			pruned++
		}
	}
	c.mu.Lock()
	c.stats.Pruned += pruned
	c.mu.Unlock()
}

// Dir is the cache directory for an analysis version:
// $XDG_CACHE_HOME/djleak/<version>, else ~/.cache/djleak/<version>; ""
// when neither can be found. Characters outside [A-Za-z0-9._+-] in the
// version become '_'.
func Dir(version string) string {
	base := os.Getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(base) { // the XDG spec ignores relative values
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '+', r == '-':
			return r
		}
		return '_'
	}, version)
	return filepath.Join(base, "djleak", safe)
}
