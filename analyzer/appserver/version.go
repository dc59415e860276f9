package appserver

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// Requirements are the files that pin the project's Python packages:
// requirements*.txt (and *.in), constraints*.txt, pyproject.toml and
// Pipfile, when they name gunicorn.
var Requirements = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "python-requirements",
	Match: matchRequirements,
	Parse: func(f *source.File) any { return f },
})

func matchRequirements(rel string, content func() []byte) bool {
	b := strings.ToLower(path.Base(rel))
	ok := b == "pyproject.toml" || b == "pipfile" ||
		(strings.HasPrefix(b, "requirements") || strings.HasPrefix(b, "constraints")) && (strings.HasSuffix(b, ".txt") || strings.HasSuffix(b, ".in"))
	if !ok && strings.Contains(path.Dir(rel), "requirements") {
		ok = strings.HasSuffix(b, ".txt") || strings.HasSuffix(b, ".in")
	}
	if !ok {
		return false
	}
	c := content()
	return c != nil && strings.Contains(strings.ToLower(string(c)), "gunicorn")
}

// Version is the gunicorn release a project installs, as pinned.
type Version struct {
	Op     string // "==", ">=", "~=", "^", "<", … as written ("==" for a bare poetry version)
	Number string // "20.1.0"
	At     source.Location
}

// Major is the version's first number.
func (v *Version) Major() int {
	n, _ := strconv.Atoi(strings.SplitN(v.Number, ".", 2)[0])
	return n
}

// Release decides whether the pinned gunicorn is at least major: 1 yes,
// -1 no, 0 when the pin allows both (or there is none).
func (v *Version) Release(major int) int {
	if v == nil {
		return 0
	}
	m := v.Major()
	switch v.Op {
	case "==", "===", "~=", "~", "^", "":
		if m >= major {
			return 1
		}
		return -1
	case ">=", ">":
		if m >= major {
			return 1
		}
	case "<", "<=":
		if m < major || v.Op == "<" && v.Number == strconv.Itoa(major) {
			return -1
		}
	}
	return 0
}

func (v *Version) String() string { return v.Op + v.Number }

var gunicornPin = regexp.MustCompile(`(?i)\bgunicorn\b(?:\[[^\]]*\])?["']?\s*(?:=\s*\{\s*version\s*=\s*)?(?:=\s*)?["']?\s*(===|==|>=|<=|~=|\^|~|<|>)?\s*(\d+(?:\.\d+)*)`)

// gunicornVersion is the first gunicorn pin of the project's requirement
// files and Dockerfile pip lines, in path order; nil when none pins one.
func gunicornVersion(p *analyzer.Project) *Version {
	var files []*source.File
	for _, c := range p.Configs(Requirements) {
		files = append(files, c.File)
	}
	for _, c := range p.Configs(Commands) {
		if isDockerfile(c.File.Path) {
			files = append(files, c.File)
		}
	}
	var best *Version
	for _, f := range files {
		docker := isDockerfile(f.Path)
		for ln := 1; ln <= f.LineCount(); ln++ {
			line := f.Line(ln)
			if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") || docker && !installLine.MatchString(line) {
				continue
			}
			m := gunicornPin.FindStringSubmatchIndex(line)
			if m == nil {
				continue
			}
			start := f.LineStart(ln)
			v := &Version{Number: line[m[4]:m[5]], At: f.Span(start+m[0], start+m[1])}
			if m[2] >= 0 {
				v.Op = line[m[2]:m[3]]
			} else {
				v.Op = "=="
			}
			if best == nil || v.At.Less(best.At) {
				best = v
			}
		}
	}
	return best
}
