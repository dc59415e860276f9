package facts

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type sample struct {
	Name  string
	Spans []int
}

func TestRoundTripThroughDisk(t *testing.T) {
	dir := t.TempDir()
	h := HashOf("app/views.py", []byte("X = 1\n"))
	id := ID("sample", 1, "salt")
	c := Open(dir, 0)
	if _, ok := c.Get(h, id); ok {
		t.Fatal("hit in an empty cache")
	}
	data, err := Encode(sample{"a", []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	c.Put(h, id, data)
	c.Flush()
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	c2 := Open(dir, 0)
	got, ok := c2.Get(h, id)
	if !ok {
		t.Fatal("a second cache on the directory misses")
	}
	v, err := Decode[sample](got)
	if err != nil || v.Name != "a" || len(v.Spans) != 2 || v.Spans[1] != 2 {
		t.Fatalf("decoded %+v, %v", v, err)
	}
	if _, ok := c2.Get(h, ID("sample", 2, "salt")); ok {
		t.Error("another version hits")
	}
	if _, ok := c2.Get(h, ID("sample", 1, "other")); ok {
		t.Error("another salt hits")
	}
	if _, ok := c2.Get(HashOf("app/other.py", []byte("X = 1\n")), id); ok {
		t.Error("the same content at another path hits")
	}
	if st := c2.Stats(); st.Loaded != 1 || st.Hits != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A truncated, corrupted or foreign bundle is a miss, and the next flush
// rewrites it.
func TestCorruptBundleIsAMissAndRewritten(t *testing.T) {
	h := HashOf("a.py", []byte("pass\n"))
	id := ID("sample", 1, "")
	for name, damage := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)-3] },
		"flipped":   func(b []byte) []byte { b[len(b)-1] ^= 0xFF; return b },
		"empty":     func([]byte) []byte { return nil },
		"foreign": func([]byte) []byte {
			return []byte("not a bundle at all, but long enough to have a header of sorts......")
		},
		"longer": func(b []byte) []byte { return append(b, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c := Open(dir, 0)
			c.Put(h, id, []byte("value"))
			c.Flush()
			path := c.path(h)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(data), 0o644); err != nil {
				t.Fatal(err)
			}
			c2 := Open(dir, 0)
			if _, ok := c2.Get(h, id); ok {
				t.Fatal("a damaged bundle hits")
			}
			c2.Put(h, id, []byte("value"))
			c2.Flush()
			if v, ok := Open(dir, 0).Get(h, id); !ok || string(v) != "value" {
				t.Fatalf("not rewritten: %q %v", v, ok)
			}
		})
	}
}

// A directory that cannot be written is no error: the cache works in
// memory and Err says why.
func TestUnwritableDirectory(t *testing.T) {
	parent := t.TempDir()
	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := Open(filepath.Join(file, "djleak"), 0) // below a regular file
	h := HashOf("a.py", nil)
	c.Put(h, "x@1", []byte("v"))
	if v, ok := c.Get(h, "x@1"); !ok || string(v) != "v" {
		t.Fatal("the memory layer lost the fact")
	}
	c.Flush()
	if c.Err() == nil || c.Dir() != "" {
		t.Fatalf("Err %v, Dir %q", c.Err(), c.Dir())
	}

	// Writable at open, unwritable later (a read-only bind mount, a full
	// disk): the flush fails quietly into Err.
	dir := t.TempDir()
	c = Open(dir, 0)
	c.Put(h, "x@1", []byte("v"))
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if os.Getuid() == 0 {
		t.Skip("root writes read-only directories")
	}
	c.Flush()
	if c.Err() == nil {
		t.Error("no error recorded")
	}
}

// Runs that share a directory never see a half-written bundle: every
// reader either misses or decodes a complete value.
func TestConcurrentRuns(t *testing.T) {
	dir := t.TempDir()
	h := HashOf("a.py", []byte("x"))
	want := strings.Repeat("v", 1<<16)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				c := Open(dir, 0)
				if v, ok := c.Get(h, "x@1"); ok && string(v) != want {
					errs <- "a reader saw a partial value"
					return
				}
				c.Put(h, "x@1", []byte(want))
				c.Flush()
				if err := c.Err(); err != nil {
					errs <- err.Error()
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// The directory stays under its limit: least recently used bundles go
// first, and version directories no run wrote to for a month go too.
func TestPruning(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "v2")
	limit := int64(40 << 10)
	c := Open(dir, 0) // the default limit: nothing pruned yet
	old := time.Now().Add(-48 * time.Hour)
	var first Hash
	for i := 0; i < 10; i++ {
		h := HashOf("f.py", []byte{byte(i)})
		if i == 0 {
			first = h
		}
		c.Put(h, "x@1", make([]byte, 8<<10))
	}
	stale := filepath.Join(root, "v1")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	ancient := time.Now().Add(-60 * 24 * time.Hour)
	os.Chtimes(stale, ancient, ancient)
	c.Flush()
	// Make the first bundle the most recently used, the others old.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, old, old)
		}
		return nil
	})
	now := time.Now()
	os.Chtimes(Open(dir, limit).path(first), now, now)
	c2 := Open(dir, limit)
	c2.Put(HashOf("g.py", nil), "x@1", make([]byte, 8<<10))
	c2.Flush()
	var total int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			total += info.Size()
		}
		return nil
	})
	if total > limit {
		t.Errorf("%d bytes after pruning, limit %d", total, limit)
	}
	if c2.Stats().Pruned == 0 {
		t.Error("nothing pruned")
	}
	if _, ok := Open(dir, limit).Get(first, "x@1"); !ok {
		t.Error("the most recently used bundle was pruned")
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a version directory unused for 60 days is kept")
	}

	// Of the other versions, the most recently written few stay.
	for i := 0; i < keepVersions+2; i++ {
		v := filepath.Join(root, "old"+strconv.Itoa(i))
		if err := os.MkdirAll(v, 0o755); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-time.Duration(i+1) * time.Hour)
		os.Chtimes(v, when, when)
	}
	c3 := Open(dir, limit)
	c3.Put(HashOf("h.py", nil), "x@1", []byte("v"))
	c3.Flush()
	for i := 0; i < keepVersions+2; i++ {
		_, err := os.Stat(filepath.Join(root, "old"+strconv.Itoa(i)))
		if kept := err == nil; kept != (i < keepVersions) {
			t.Errorf("version old%d: kept %v", i, kept)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Error("the current version was removed")
	}
}

func TestDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got := Dir("1.2.3-abc/def"); got != "/xdg/djleak/1.2.3-abc_def" {
		t.Errorf("Dir = %q", got)
	}
	t.Setenv("XDG_CACHE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if got := Dir("1"); got != "/home/u/.cache/djleak/1" {
		t.Errorf("relative XDG_CACHE_HOME: Dir = %q", got)
	}
}

func TestZeroValueIsEmpty(t *testing.T) {
	data, err := Encode([]sample(nil))
	if err != nil || len(data) != 0 {
		t.Fatalf("Encode(nil) = %q, %v", data, err)
	}
	v, err := Decode[[]sample](data)
	if err != nil || v != nil {
		t.Fatalf("Decode(empty) = %v, %v", v, err)
	}
	data, _ = Encode(sample{Name: "x"})
	if w, err := Decode[sample](data); err != nil || w.Name != "x" {
		t.Fatalf("non-zero value: %+v, %v", w, err)
	}
}

// A blob is written in the background, on disk once Flush returns, read
// back by the next cache on the directory, and a miss when its file is
// damaged or holds another content's value; a memory cache keeps none.
func TestBlobs(t *testing.T) {
	dir := t.TempDir()
	h := HashOf("app/views.py", []byte("X = 1\n"))
	other := HashOf("app/other.py", []byte("X = 1\n"))
	c := Open(dir, 0)
	if !c.KeepsBlobs() {
		t.Fatal("a directory cache keeps no blobs")
	}
	if _, ok := c.Blob(h, "tree1"); ok {
		t.Fatal("hit in an empty cache")
	}
	value := bytes.Repeat([]byte("tree "), 1000)
	c.PutBlob(h, "tree1", value)
	c.PutBlob(other, "tree1", []byte("other"))
	c.Flush()
	if st := c.Stats(); st.BlobsWritten != 2 || c.Err() != nil {
		t.Fatalf("after Flush: %+v, %v", st, c.Err())
	}
	c2 := Open(dir, 0)
	if got, ok := c2.Blob(h, "tree1"); !ok || !bytes.Equal(got, value) {
		t.Fatalf("read back %d bytes, %v", len(got), ok)
	}
	if _, ok := c2.Blob(h, "tree2"); ok {
		t.Error("another kind hits")
	}
	if st := c2.Stats(); st.BlobHits != 1 {
		t.Errorf("stats %+v", st)
	}
	path := c2.blobPath(h, "tree1")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	otherFile, err := os.ReadFile(c2.blobPath(other, "tree1"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"truncated":         good[:len(good)-1],
		"a byte changed":    append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1),
		"too short":         good[:10],
		"another content's": otherFile,
	} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := Open(dir, 0).Blob(h, "tree1"); ok {
			t.Errorf("%s blob: a hit", name)
		}
	}
	m := NewMemory()
	m.PutBlob(h, "tree1", value)
	m.Flush()
	if _, ok := m.Blob(h, "tree1"); ok || m.KeepsBlobs() {
		t.Error("a memory cache keeps blobs")
	}
}
