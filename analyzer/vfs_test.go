package analyzer_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

// A project held in memory loads as it would from disk: discovery walks
// it and honours .gitignore and the configuration's excludes, the
// configuration is read from it, and nginx includes resolve in it; its
// root exists nowhere on disk.
func TestLoadFromMemory(t *testing.T) {
	root := "/nowhere/djleak-memory"
	if _, err := os.Stat(root); err == nil {
		t.Skip(root + " exists on this machine")
	}
	files := map[string][]byte{
		".djleak.toml":          []byte("exclude = [\"vendor/\"]\n"),
		".gitignore":            []byte("build/\n"),
		"app/views.py":          []byte("def f(request):\n    return request.GET['token']\n"),
		"build/gen.py":          []byte("x = 1\n"),
		"vendor/lib.py":         []byte("y = 2\n"),
		"nginx/site.conf":       []byte("server {\n    listen 80;\n    include snippets/*.inc;\n}\n"),
		"nginx/snippets/a.inc":  []byte("location / { proxy_pass http://app:8000; }\n"),
		"templates/index.html":  []byte("<a href=\"/x\">x</a>\n"),
		"notes/readme.markdown": []byte("nothing to check\n"),
	}
	abs := map[string][]byte{}
	for rel, data := range files {
		abs[filepath.Join(root, filepath.FromSlash(rel))] = data
	}
	p, err := driver.Load(driver.Options{FS: analyzer.NewMemFS(abs), Root: root, Paths: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Path)
	}
	want := []string{"app/views.py", "nginx/site.conf", "templates/index.html"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v (build/ is ignored, vendor/ excluded)", got, want)
	}
	if p.Config.Source != ".djleak.toml" {
		t.Errorf("configuration from %q, want .djleak.toml", p.Config.Source)
	}
	if p.Nginx == nil || p.Nginx.Files["nginx/snippets/a.inc"] == nil {
		t.Errorf("the include was not resolved in memory: %+v", p.Nginx)
	}
	if len(p.Python) != 1 || p.Module("app/views.py") == nil {
		t.Errorf("python modules %v", p.Python)
	}
}

func TestMemFS(t *testing.T) {
	m := analyzer.NewMemFS(map[string][]byte{
		"/r/a/x.conf": []byte("1"), "/r/a/y.txt": []byte("22"), "/r/b/c/z.conf": nil, "/r/top": []byte("3"),
	})
	var walked []string
	err := analyzer.WalkFS(m, "/r", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, p)
		if p == "/r/b" {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/r", "/r/a", "/r/a/x.conf", "/r/a/y.txt", "/r/b", "/r/top"}; !reflect.DeepEqual(walked, want) {
		t.Errorf("walk %v, want %v", walked, want)
	}
	if got, want := analyzer.Glob(m, "/r/*/*.conf"), []string{"/r/a/x.conf"}; !reflect.DeepEqual(got, want) {
		t.Errorf("glob %v, want %v", got, want)
	}
	if got, want := analyzer.Glob(m, "/r/b/*/z.conf"), []string{"/r/b/c/z.conf"}; !reflect.DeepEqual(got, want) {
		t.Errorf("glob %v, want %v", got, want)
	}
	if info, err := m.Stat("/r/a/y.txt"); err != nil || info.Size() != 2 || info.IsDir() {
		t.Errorf("stat = %v, %v", info, err)
	}
	if _, _, err := m.OpenRegular("/r/a"); err == nil {
		t.Error("a directory opened as a regular file")
	}
	if _, err := m.Stat("/r/missing"); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
	data, err := fs.ReadFile(analyzer.Rooted(m, "/r"), "a/x.conf")
	if err != nil || string(data) != "1" {
		t.Errorf("rooted read = %q, %v", data, err)
	}
	if _, err := fs.Stat(analyzer.Rooted(m, "/r"), "../etc/passwd"); err == nil {
		t.Error("a rooted file system let a name leave its root")
	}
}
