package analyzer

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	gitignore "github.com/sabhiram/go-gitignore"
)

// Kind is what djleak treats a file as.
type Kind int

const (
	KindUnknown Kind = iota
	KindPython
	KindNginx
	KindTemplate
)

func (k Kind) String() string {
	switch k {
	case KindPython:
		return "python"
	case KindNginx:
		return "nginx"
	case KindTemplate:
		return "template"
	}
	if l := languageOf(k); l != nil {
		return l.Name
	}
	return "unknown"
}

// defaultExcludes are directory names never walked into.
var defaultExcludes = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".bzr": true,
	"node_modules": true, "__pycache__": true, "__pypackages__": true,
	".venv": true, "venv": true, ".tox": true, ".nox": true, ".eggs": true,
	".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true,
	"site-packages": true, ".direnv": true,
}

// nginxDirs are directory names whose *.conf files are nginx configs.
var nginxDirs = map[string]bool{
	"nginx": true, "sites-available": true, "sites-enabled": true,
	"conf.d": true, "snippets": true,
}

// nginxSniff recognises nginx configuration text: a top-level-looking
// http/server/location/upstream block.
var nginxSniff = regexp.MustCompile(`(?m)^\s*(http|server|upstream|location\s+[^{;\n]+)\s*\{`)

// LooksLikeNginx reports whether content parses as nginx with blocks that
// matter to djleak.
func LooksLikeNginx(content []byte) bool {
	return nginxSniff.Match(content)
}

// Classify decides a file's kind from its project-relative path and, where
// the name is not enough, its content (read lazily).
func Classify(rel string, content func() []byte) Kind {
	base := path.Base(rel)
	dirs := strings.Split(path.Dir(rel), "/")
	switch {
	case strings.HasSuffix(base, ".py"):
		return KindPython
	case base == "nginx.conf":
		return KindNginx
	}
	inNginxDir := false
	inTemplates := false
	for _, d := range dirs {
		if nginxDirs[d] {
			inNginxDir = true
		}
		if d == "templates" {
			inTemplates = true
		}
	}
	if inTemplates && (strings.HasSuffix(base, ".html") || strings.HasSuffix(base, ".txt")) {
		return KindTemplate
	}
	if k := classifyLanguage(rel, content); k != KindUnknown {
		return k
	}
	if strings.HasSuffix(base, ".conf") && inNginxDir {
		return KindNginx
	}
	if strings.HasSuffix(base, ".conf") || strings.HasSuffix(base, ".conf.template") ||
		(inNginxDir && !strings.Contains(base, ".")) {
		if c := content(); c != nil && LooksLikeNginx(c) {
			return KindNginx
		}
	}
	return KindUnknown
}

// SourceFile is one discovered file.
type SourceFile struct {
	Path string // project-relative, slash-separated
	Kind Kind
}

type ignoreLayer struct {
	dir string // project-relative directory the .gitignore lives in ("" for root)
	gi  *gitignore.GitIgnore
}

// discover walks root and returns the files djleak analyses, sorted.
// excluded reports extra paths to skip (configuration).
func discover(root string, excluded func(rel string) bool) ([]SourceFile, error) {
	var out []SourceFile
	var layers []ignoreLayer
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		// Drop ignore layers that do not apply any more.
		for len(layers) > 0 {
			top := layers[len(layers)-1]
			if top.dir == "" || rel == top.dir || strings.HasPrefix(rel, top.dir+"/") {
				break
			}
			layers = layers[:len(layers)-1]
		}
		if d.IsDir() {
			if rel != "" {
				if defaultExcludes[d.Name()] || isIgnored(layers, rel, true) || (excluded != nil && excluded(rel)) {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(p, "pyvenv.cfg")); err == nil {
					return filepath.SkipDir // a virtualenv under another name
				}
			}
			if data, err := os.ReadFile(filepath.Join(p, ".gitignore")); err == nil {
				lines := strings.Split(string(data), "\n")
				layers = append(layers, ignoreLayer{dir: rel, gi: gitignore.CompileIgnoreLines(lines...)})
			}
			return nil
		}
		if !d.Type().IsRegular() || isIgnored(layers, rel, false) || (excluded != nil && excluded(rel)) {
			return nil
		}
		kind := Classify(rel, func() []byte { return readHead(p) })
		if kind != KindUnknown {
			out = append(out, SourceFile{Path: rel, Kind: kind})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func isIgnored(layers []ignoreLayer, rel string, dir bool) bool {
	for _, l := range layers {
		sub := rel
		if l.dir != "" {
			sub = strings.TrimPrefix(rel, l.dir+"/")
		}
		if l.gi.MatchesPath(sub) || (dir && l.gi.MatchesPath(sub+"/")) {
			return true
		}
	}
	return false
}

// readHead returns up to 64 KiB of a file for sniffing.
func readHead(p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, _ := f.Read(buf)
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 {
		return nil // binary
	}
	return buf
}

// rootMarkers, in priority order, make a directory a project root.
func hasConfigMarker(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, ".djleak.toml")); err == nil {
		return true
	}
	data, err := os.ReadFile(filepath.Join(dir, "pyproject.toml"))
	return err == nil && bytes.Contains(data, []byte("[tool.djleak"))
}

// FindRoot picks the project root for the given absolute start directory:
// the nearest ancestor with djleak configuration (.djleak.toml or a
// pyproject.toml with [tool.djleak]); else the top of the git work tree;
// else the nearest directory with manage.py; else start itself.
func FindRoot(start string) string {
	manage := ""
	for dir := start; ; dir = filepath.Dir(dir) {
		if hasConfigMarker(dir) {
			return dir
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		if manage == "" {
			if _, err := os.Stat(filepath.Join(dir, "manage.py")); err == nil {
				manage = dir
			}
		}
		if parent := filepath.Dir(dir); parent == dir {
			break
		}
	}
	if manage != "" {
		return manage
	}
	return start
}
