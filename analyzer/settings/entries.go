package settings

import (
	"io"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// EntryKind says what an entry point naming a settings module is for.
type EntryKind int

const (
	// EntryDeploy: what a deployment runs (wsgi.py, asgi.py, Procfile,
	// Dockerfile, docker-compose files, production .env files).
	EntryDeploy EntryKind = iota
	// EntryManage: a default that does not say what it is for (manage.py,
	// a plain .env file).
	EntryManage
	// EntryTest: test configuration (pytest.ini, setup.cfg [tool:pytest],
	// pyproject.toml [tool.pytest.ini_options], conftest.py).
	EntryTest
	// EntryDev: development configuration (docker-compose.dev.yml,
	// .env.local, Procfile.dev).
	EntryDev
)

func (k EntryKind) String() string {
	return [...]string{"deployment", "default", "test", "development"}[k]
}

// Entry is one place that names a settings module in DJANGO_SETTINGS_MODULE.
type Entry struct {
	Module string // dotted name as written
	Kind   EntryKind
	Path   string          // project-relative file
	Loc    source.Location // the value
	Via    string          // "os.environ.setdefault", "[pytest]", "Procfile", …
	// Configured marks the configuration's settings-module; Path and Loc
	// are then its line in the configuration file, when there is one.
	Configured bool
}

// findEntries collects DJANGO_SETTINGS_MODULE from Python code
// (os.environ.setdefault, os.environ[...] = …) and from the configuration
// files at the project root and one directory below.
func findEntries(p *analyzer.Project) []Entry {
	var out []Entry
	for _, m := range p.Python {
		out = append(out, analyzer.FileFactOf(p, entriesFact, m.File)...)
	}
	fsys := p.FS()
	for _, rel := range configFiles(fsys, p.Root) {
		out = append(out, fileEntries(fsys, p.Root, rel)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Loc.Start.Offset < out[j].Loc.Start.Offset
	})
	return out
}

// entriesFact is the DJANGO_SETTINGS_MODULE values one module sets.
var entriesFact = analyzer.NewFileFact("settings-entries", 2, nil, func(p *analyzer.Project, f *source.File) []Entry {
	if m := p.Module(f.Path); m != nil {
		return moduleEntries(m)
	}
	return nil
})

func moduleEntries(m *python.Module) []Entry {
	var out []Entry
	kind := pythonEntryKind(m.File.Path)
	for _, c := range m.Calls {
		if !strings.HasSuffix(c.Func, "environ.setdefault") || len(c.Args()) < 2 {
			continue
		}
		if k, ok := c.Args()[0].Const(); !ok || k.Kind != python.Str || k.Str != "DJANGO_SETTINGS_MODULE" {
			continue
		}
		if v, ok := c.Args()[1].Const(); ok && v.Kind == python.Str && v.Str != "" {
			out = append(out, Entry{Module: v.Str, Kind: kind, Path: m.File.Path, Loc: c.Args()[1].Loc(), Via: "os.environ.setdefault"})
		}
	}
	for _, a := range m.Assigns {
		t := strings.ReplaceAll(a.Target, `"`, "'")
		if t != "os.environ['DJANGO_SETTINGS_MODULE']" && t != "environ['DJANGO_SETTINGS_MODULE']" {
			continue
		}
		if v, ok := a.Value.Const(); ok && v.Kind == python.Str && v.Str != "" {
			out = append(out, Entry{Module: v.Str, Kind: kind, Path: m.File.Path, Loc: a.Value.Loc(), Via: "os.environ"})
		}
	}
	return out
}

func pythonEntryKind(rel string) EntryKind {
	// A test project's wsgi.py (tests/project/wsgi.py) is what the tests
	// run, not a deployment.
	for _, part := range strings.Split(path.Dir(rel), "/") {
		if part == "tests" || part == "test" {
			return EntryTest
		}
	}
	base := path.Base(rel)
	switch {
	case base == "wsgi.py" || base == "asgi.py" || base == "celery.py" || strings.HasPrefix(base, "gunicorn"):
		return EntryDeploy
	case base == "conftest.py" || strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py"):
		return EntryTest
	}
	return EntryManage
}

// skipDirs are directories never searched for configuration files.
var skipDirs = map[string]bool{"node_modules": true, "venv": true, "env": true, "__pycache__": true, "site-packages": true}

// configFiles lists the known configuration files at root and one level
// below, project-relative. Unreadable directories are skipped.
func configFiles(fsys analyzer.FS, root string) []string {
	var out []string
	top, err := fsys.ReadDir(root)
	if err != nil {
		return nil
	}
	for _, e := range top {
		name := e.Name()
		if e.IsDir() {
			if strings.HasPrefix(name, ".") || skipDirs[name] {
				continue
			}
			if _, err := fsys.Stat(filepath.Join(root, name, "pyvenv.cfg")); err == nil {
				continue
			}
			sub, err := fsys.ReadDir(filepath.Join(root, name))
			if err != nil {
				continue
			}
			for _, f := range sub {
				if !f.IsDir() && configKind(f.Name()) != "" {
					out = append(out, name+"/"+f.Name())
				}
			}
			continue
		}
		if configKind(name) != "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// configKind classifies a file name: "pytest", "pyproject", "procfile",
// "compose", "dockerfile", "dotenv" or "".
func configKind(name string) string {
	l := strings.ToLower(name)
	switch {
	case l == "pytest.ini" || l == "tox.ini" || l == "setup.cfg":
		return "pytest"
	case l == "pyproject.toml":
		return "pyproject"
	case name == "Procfile" || strings.HasPrefix(name, "Procfile."):
		return "procfile"
	case (strings.HasPrefix(l, "docker-compose") || strings.HasPrefix(l, "compose")) && (strings.HasSuffix(l, ".yml") || strings.HasSuffix(l, ".yaml")):
		return "compose"
	case l == "dockerfile" || strings.HasPrefix(l, "dockerfile.") || strings.HasSuffix(l, ".dockerfile") || l == "containerfile":
		return "dockerfile"
	case l == ".env" || strings.HasPrefix(l, ".env.") || strings.HasSuffix(l, ".env"):
		return "dotenv"
	}
	return ""
}

var (
	dsmValue   = regexp.MustCompile(`DJANGO_SETTINGS_MODULE["']?\s*(?:=|:|\s)\s*["']?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`)
	dsmDefault = regexp.MustCompile(`\$\{DJANGO_SETTINGS_MODULE:?-([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}`)
	settingsOp = regexp.MustCompile(`--(?:settings|ds)[= ]["']?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`)
	prodFile   = regexp.MustCompile(`(^|[._-])(prod|production|live|staging|stage|deploy|release)([._-]|$)`)
	devFile    = regexp.MustCompile(`(^|[._-])(dev|development|local|override|debug)([._-]|$)`)
	testFile   = regexp.MustCompile(`(^|[._-])(test|tests|testing|ci)([._-]|$)`)
	sampleFile = regexp.MustCompile(`(^|[._-])(example|sample|template|dist|defaults?)([._-]|$)`)
)

const maxConfigSize = 1 << 20

// readSmall reads a configuration file (never a FIFO or a device) of at
// most maxConfigSize bytes.
func readSmall(fsys analyzer.FS, full string) ([]byte, bool) {
	f, _, err := fsys.OpenRegular(full)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize))
	if err != nil {
		return nil, false
	}
	return b, true
}

// kindByName classifies a configuration file by its name, with def for
// names that say nothing.
func kindByName(name string, def EntryKind) EntryKind {
	l := strings.ToLower(name)
	switch {
	case sampleFile.MatchString(l):
		return EntryManage
	case testFile.MatchString(l):
		return EntryTest
	case devFile.MatchString(l):
		return EntryDev
	case prodFile.MatchString(l):
		return EntryDeploy
	}
	return def
}

func fileEntries(fsys analyzer.FS, root, rel string) (out []Entry) {
	data, ok := readSmall(fsys, filepath.Join(root, filepath.FromSlash(rel)))
	if !ok {
		return nil
	}
	f := source.NewFile(rel, data)
	base := path.Base(rel)
	kind := configKind(base)
	var entryKind EntryKind
	switch kind {
	case "pytest", "pyproject":
		entryKind = EntryTest
	case "procfile", "compose", "dockerfile":
		entryKind = kindByName(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(base), "procfile"), "dockerfile"), EntryDeploy)
	case "dotenv":
		entryKind = kindByName(strings.TrimPrefix(strings.ToLower(base), ".env"), EntryManage)
	}
	section := ""
	off := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		start := off
		off += len(line)
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		if (kind == "pytest" || kind == "pyproject") && strings.HasPrefix(trimmed, "[") {
			section = strings.Trim(trimmed, "[] \t\r")
			continue
		}
		via := base
		if kind == "pytest" || kind == "pyproject" {
			want := map[string]string{"pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest", "pyproject.toml": "tool.pytest.ini_options"}[strings.ToLower(base)]
			if section != want {
				continue
			}
			via = base + " [" + section + "]"
		}
		var matches [][]int
		for _, re := range []*regexp.Regexp{dsmValue, dsmDefault, settingsOp} {
			matches = append(matches, re.FindAllStringSubmatchIndex(line, -1)...)
		}
		for _, mm := range matches {
			if len(mm) < 4 || mm[2] < 0 {
				continue
			}
			val := line[mm[2]:mm[3]]
			if strings.HasPrefix(val, "DJANGO_SETTINGS_MODULE") {
				continue
			}
			out = append(out, Entry{Module: val, Kind: entryKind, Path: rel, Loc: f.Span(start+mm[2], start+mm[3]), Via: via})
		}
	}
	return out
}

// configKeyAt is the project-relative path of the configuration file and
// the location of key's line in it, or zero values when the value does not
// come from a file of the project.
func configKeyAt(p *analyzer.Project, key string) (string, source.Location) {
	line := p.Config.KeyLine(key)
	if line == 0 || p.Config.Source == "" {
		return "", source.Location{}
	}
	// Found in the root (".djleak.toml"), or named by --config, absolute
	// or relative to the working directory.
	var candidates []string
	if filepath.IsAbs(p.Config.Source) {
		candidates = []string{p.Config.Source}
	} else if abs, err := filepath.Abs(p.Config.Source); err == nil {
		candidates = []string{filepath.Join(p.Root, p.Config.Source), abs}
	}
	for _, full := range candidates {
		rel, err := filepath.Rel(p.Root, full)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		data, ok := readSmall(p.FS(), full)
		if !ok {
			continue
		}
		f := source.NewFile(filepath.ToSlash(rel), data)
		if line > f.LineCount() {
			break
		}
		return f.Path, f.LineSpan(line)
	}
	return "", source.Location{}
}
