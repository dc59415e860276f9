// Package settings resolves a Django project's settings modules statically:
// which modules are settings, what each setting's final value is, and where
// it got that value.
package settings

import (
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Class says what a settings module is for.
type Class int

const (
	Unknown Class = iota
	Production
	Development
	Test
	Base // imported by other settings modules; judged through them
)

func (c Class) String() string {
	return [...]string{"unknown", "production", "development", "test", "base"}[c]
}

// Setting is one resolved setting.
type Setting struct {
	Name  string
	Expr  *python.Expr // the expression that gave the final value (nil if unknown)
	Value python.Value // constant value when Known
	Known bool
	// Env names the environment variable the value is read from, when it
	// is; Value then holds the default used when the variable is unset.
	Env string
	// Conditional is true when the final assignment sits under an if/try.
	Conditional bool
	Loc         source.Location // where the setting got its final value
}

// Describe renders the value for messages, e.g. "False" or
// "environment variable SECURE (default False)".
func (s *Setting) Describe() string {
	v := "an expression"
	if s.Known {
		v = s.Value.String()
	}
	if s.Env != "" {
		if s.Known {
			return "environment variable " + s.Env + " (default " + v + ")"
		}
		return "environment variable " + s.Env + " (no default)"
	}
	if !s.Known && s.Expr != nil {
		return "`" + s.Expr.Text + "`"
	}
	return v
}

// Module is one resolved settings module.
type Module struct {
	Mod    *python.Module
	Name   string // dotted
	Class  Class
	Values map[string]*Setting
	// Entry is true when a deployment entry point (wsgi.py, asgi.py,
	// manage.py) names this module in DJANGO_SETTINGS_MODULE.
	Entry bool
}

// Get returns a resolved setting, or nil when the module leaves it unset.
func (m *Module) Get(name string) *Setting { return m.Values[name] }

// Judged reports whether rules should hold this module to production
// standards: it is not a base, development or test module.
func (m *Module) Judged() bool {
	return m.Class == Production || m.Class == Unknown
}

// Settings is the project's resolved settings.
type Settings struct {
	Modules []*Module // sorted by path
}

// Judged returns the modules held to production standards.
func (s *Settings) Judged() []*Module {
	var out []*Module
	for _, m := range s.Modules {
		if m.Judged() {
			out = append(out, m)
		}
	}
	return out
}

// Pass computes the project's settings.
var Pass = &analyzer.Pass[*Settings]{Name: "settings", Run: resolve}

var settingsMarkers = map[string]bool{"INSTALLED_APPS": true, "MIDDLEWARE": true, "ROOT_URLCONF": true, "SECRET_KEY": true}

var (
	devName  = regexp.MustCompile(`(^|[._])(dev|develop|development|local|debug)([._]|$)`)
	testName = regexp.MustCompile(`(^|[._])(test|tests|testing|ci|pytest)([._]|$)|(^|\.)test_`)
	prodName = regexp.MustCompile(`(^|[._])(prod|production|live|deploy|staging|stage)([._]|$)`)
	baseName = regexp.MustCompile(`(^|[._])(base|common|defaults|shared)$`)
)

func resolve(p *analyzer.Project) *Settings {
	entries := entryModules(p)
	var candidates []*python.Module
	for _, m := range p.Python {
		name := analyzer.ModuleName(m.File.Path)
		if entries[name] || isSettingsModule(m, name) {
			candidates = append(candidates, m)
		}
	}
	r := &resolver{p: p, done: map[*python.Module]map[string]*Setting{}, active: map[*python.Module]bool{}}
	imported := map[*python.Module]bool{}
	for _, m := range candidates {
		for _, imp := range m.Imports {
			if imp.Star {
				if t := r.importTarget(m, imp); t != nil {
					imported[t] = true
				}
			}
		}
	}
	s := &Settings{}
	for _, m := range candidates {
		name := analyzer.ModuleName(m.File.Path)
		mod := &Module{Mod: m, Name: name, Values: r.values(m), Entry: entryMatch(entries, name)}
		mod.Class = classify(name, imported[m], mod.Entry)
		s.Modules = append(s.Modules, mod)
	}
	sort.Slice(s.Modules, func(i, j int) bool { return s.Modules[i].Mod.File.Path < s.Modules[j].Mod.File.Path })
	return s
}

func entryMatch(entries map[string]bool, name string) bool {
	for e := range entries {
		if name == e || strings.HasSuffix(name, "."+e) {
			return true
		}
	}
	return false
}

func classify(name string, imported, entry bool) Class {
	last := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		last = name[i+1:]
	}
	switch {
	case testName.MatchString(last):
		return Test
	case devName.MatchString(last):
		return Development
	case prodName.MatchString(last):
		return Production
	case entry:
		return Production
	case imported || baseName.MatchString(last):
		return Base
	}
	return Unknown
}

func isSettingsModule(m *python.Module, name string) bool {
	parts := strings.Split(name, ".")
	named := false
	for _, part := range parts {
		if part == "settings" || strings.HasSuffix(part, "_settings") {
			named = true
		}
	}
	upper := 0
	for _, a := range m.Assigns {
		if settingsMarkers[a.Target] {
			return true
		}
		if isSettingName(a.Target) {
			upper++
		}
	}
	if named && upper > 0 {
		return true
	}
	// A settings package's module that only star-imports others is one too.
	if named {
		for _, imp := range m.Imports {
			if imp.Star {
				return true
			}
		}
	}
	return false
}

func isSettingName(s string) bool {
	if s == "" || strings.Contains(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return s[0] != '_'
}

// entryModules collects DJANGO_SETTINGS_MODULE defaults from
// os.environ.setdefault(...) calls and assignments in the project.
func entryModules(p *analyzer.Project) map[string]bool {
	out := map[string]bool{}
	for _, m := range p.Python {
		for _, c := range m.Calls {
			if !strings.HasSuffix(c.Func, "environ.setdefault") || len(c.Args) < 2 {
				continue
			}
			if k, ok := c.Args[0].Const(); !ok || k.Str != "DJANGO_SETTINGS_MODULE" {
				continue
			}
			if v, ok := c.Args[1].Const(); ok && v.Kind == python.Str && v.Str != "" {
				out[v.Str] = true
			}
		}
	}
	return out
}

type resolver struct {
	p      *analyzer.Project
	done   map[*python.Module]map[string]*Setting
	active map[*python.Module]bool
}

func (r *resolver) importTarget(m *python.Module, imp *python.Import) *python.Module {
	name := imp.Module
	if imp.Level > 0 {
		name = analyzer.ResolveRelative(m.File.Path, imp.Level, imp.Module)
	}
	if name == "" {
		return nil
	}
	t := r.p.ModuleByName(name)
	if t == m {
		return nil
	}
	return t
}

// values evaluates a module's top-level statements in order.
func (r *resolver) values(m *python.Module) map[string]*Setting {
	if v, ok := r.done[m]; ok {
		return v
	}
	out := map[string]*Setting{}
	if r.active[m] {
		return out // import cycle
	}
	r.active[m] = true
	defer delete(r.active, m)

	type stmt struct {
		off    int
		imp    *python.Import
		assign *python.Assign
	}
	var stmts []stmt
	for _, imp := range m.Imports {
		stmts = append(stmts, stmt{off: imp.Loc.Start.Offset, imp: imp})
	}
	for _, a := range m.Assigns {
		stmts = append(stmts, stmt{off: a.Loc.Start.Offset, assign: a})
	}
	sort.SliceStable(stmts, func(i, j int) bool { return stmts[i].off < stmts[j].off })
	for _, s := range stmts {
		switch {
		case s.imp != nil:
			t := r.importTarget(m, s.imp)
			if t == nil {
				continue
			}
			src := r.values(t)
			if s.imp.Star {
				for k, v := range src {
					out[k] = v
				}
				continue
			}
			for _, n := range s.imp.Names {
				if v, ok := src[n.Name]; ok {
					alias := n.Name
					if n.Alias != "" {
						alias = n.Alias
					}
					out[alias] = v
				}
			}
		case s.assign != nil:
			a := s.assign
			if !isSettingName(a.Target) || a.Value == nil {
				continue
			}
			out[a.Target] = evalSetting(a, out[a.Target])
		}
	}
	r.done[m] = out
	return out
}

func evalSetting(a *python.Assign, prev *Setting) *Setting {
	s := &Setting{Name: a.Target, Expr: a.Value, Loc: a.Loc, Conditional: a.Conditional}
	if a.Op != "=" && a.Op != ":" {
		// Augmented assignment: fold list/tuple concatenation when both sides are known.
		if prev != nil && prev.Known && (a.Op == "+=") {
			if v, ok := a.Value.Const(); ok && (v.Kind == python.List || v.Kind == python.Tuple) {
				s.Value = prev.Value
				s.Value.Elems = append(append([]python.Value{}, prev.Value.Elems...), v.Elems...)
				s.Known = true
			}
		}
		return s
	}
	if v, ok := a.Value.Const(); ok {
		s.Value, s.Known = v, true
		return s
	}
	if env, def, ok := EnvRead(a.Value); ok {
		s.Env = env
		if def != nil {
			if v, ok := def.Const(); ok {
				s.Value, s.Known = coerceEnvDefault(a.Value, v), true
			}
		}
	}
	return s
}

// EnvRead recognises an environment read with an optional default:
// os.environ.get('X', d), os.getenv('X', d), os.environ['X'],
// env('X', default=d), env.bool('X', default=d) (django-environ) and
// config('X', default=d, cast=bool) (python-decouple). Comparisons such as
// os.environ.get('X') == 'true' are also environment reads; their default is
// unknown.
func EnvRead(e *python.Expr) (name string, def *python.Expr, ok bool) {
	if e == nil {
		return "", nil, false
	}
	if e.Kind == python.Subscript && len(e.Elems) == 2 && strings.HasSuffix(e.Elems[0].Name, "environ") {
		if k, ok := e.Elems[1].Const(); ok && k.Kind == python.Str {
			return k.Str, nil, true
		}
	}
	if e.Kind != python.CallExpr || e.Call == nil || len(e.Call.Args) == 0 {
		return "", nil, false
	}
	c := e.Call
	f := c.Func
	isEnv := f == "os.environ.get" || f == "environ.get" || f == "os.getenv" || f == "getenv" ||
		f == "config" || f == "env" || strings.HasPrefix(f, "env.") || strings.HasSuffix(f, "config")
	if !isEnv {
		return "", nil, false
	}
	k, ok := c.Args[0].Const()
	if !ok || k.Kind != python.Str {
		return "", nil, false
	}
	if d, ok := c.Kwarg("default"); ok {
		return k.Str, d, true
	}
	if len(c.Args) > 1 {
		return k.Str, c.Args[1], true
	}
	return k.Str, nil, true
}

// coerceEnvDefault applies a bool cast the way the library would: decouple's
// cast=bool and environ's env.bool turn the strings "True"/"1"/"yes"/"on"
// into True; a bare os.environ.get default stays a string.
func coerceEnvDefault(call *python.Expr, v python.Value) python.Value {
	c := call.Call
	boolCast := strings.HasSuffix(c.Func, ".bool")
	if cast, ok := c.Kwarg("cast"); ok && cast.Text == "bool" {
		boolCast = true
	}
	if boolCast && v.Kind == python.Str {
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true", "1", "yes", "on", "y", "t":
			return python.Value{Kind: python.Bool, Bool: true}
		default:
			return python.Value{Kind: python.Bool, Bool: false}
		}
	}
	return v
}
