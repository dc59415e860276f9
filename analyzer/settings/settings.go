// Package settings resolves a Django project's settings modules statically,
// the way Django would see them: which modules are settings, which of them
// a deployment runs, what each setting's final value is (through star
// imports, split settings, list edits, if/else and try/except, environment
// reads) and where it got that value.
//
// Values are computed for one environment: by default every environment
// variable unset, so a setting read with os.environ.get('X', d),
// env.bool('X', default=d) or config('X', default=d, cast=bool) takes its
// default, and remembers that it depends on X. Resolve takes an explicit
// environment for tests that compare with Django.
package settings

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
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

// Setting is one resolved setting (or, internally, any module-level name).
type Setting struct {
	Name  string
	Expr  *python.Expr // the expression that gave the final value (nil if none)
	Value python.Value // the value when Known
	Known bool
	// Env is the environment variable the value is read from directly
	// (os.environ.get('X', d), env.bool('X', default=d), …); Value then
	// holds what the read gives with the variable unset: the default.
	Env string
	// EnvVars lists every environment variable the value depends on: those
	// the value reads (ValueEnv) and those of the conditions that chose the
	// branch that set it (CondEnv).
	EnvVars  []string
	ValueEnv []string
	CondEnv  []string
	// EnvString is set when the value is an environment variable's raw
	// string once the variable is set (no cast): "False" and "0" are then
	// true.
	EnvString bool
	// Raises names the exception computing the value raises with the
	// environment evaluated (KeyError for os.environ['X'] with X unset).
	Raises string
	// Conditional is true when the final assignment sits in a nested block
	// (if, try, with, for, while) or came in through a conditional import.
	Conditional bool
	// Condition describes when this value holds: condition source text in
	// backquotes ("`not DEBUG`", "`os.environ.get('ENV') == 'prod'`"),
	// or a phrase ("mysite/settings/local.py exists", "the try block raises
	// KeyError"), joined by " and "; "" when none.
	Condition string
	// Undecided is set when djleak could not evaluate that condition; the
	// values other branches give are then in Alternatives.
	Undecided bool
	// Alternatives are the values other branches give: for an undecided
	// condition, or for a condition decided by an environment default (what
	// the setting is when the variable is set otherwise). An Unset
	// alternative leaves the setting at its previous value or Django's
	// default.
	Alternatives []*Setting
	// Unset marks a placeholder: the setting is not set on this path. Get
	// never returns one; Lookup may (with Alternatives).
	Unset bool
	Loc   source.Location // where the setting got its final value
	// Patches are item assignments applied after Loc
	// (LOGGING['loggers']['x'] = {...}, LOGGING['handlers'].update(...)).
	Patches []Patch
	// Module is the dotted name of the module whose code set the value.
	Module string

	directRead bool // Expr itself is the environment read of Env
	// altLen is shared by the settings whose Alternatives are views of
	// one array: the longest view's length. addAlternative appends in
	// place only to that view, so no view ever sees its elements change.
	altLen *int
}

// Patch is an item assignment to part of a dict setting.
type Patch struct {
	Keys   []python.Value // the subscript chain below the setting
	Expr   *python.Expr
	Update bool // .update(Expr) rather than assignment
	Loc    source.Location
}

// Describe renders the value for messages: "False",
// "environment variable SECURE (default False)",
// "`os.environ.get('SECURE', '0') == '1'` (False with SECURE unset)".
func (s *Setting) Describe() string {
	if s == nil || s.Unset {
		return "not set"
	}
	v := "an expression"
	if s.Known {
		v = s.Value.String()
	}
	switch {
	case s.Env != "" && s.Expr != nil && isDirectRead(s):
		if s.Known {
			return "environment variable " + s.Env + " (default " + v + ")"
		}
		return "environment variable " + s.Env + " (no default)"
	case len(s.ValueEnv) > 0 && s.Known:
		return "`" + short(s.Expr) + "` (" + v + " with " + varList(s.ValueEnv) + " unset)"
	case len(s.ValueEnv) > 0:
		return "`" + short(s.Expr) + "`, which depends on " + varList(s.ValueEnv)
	case !s.Known && s.Expr != nil:
		return "`" + short(s.Expr) + "`"
	}
	return v
}

// Context describes where the value came from beyond its location: the
// condition of the branch that set it, if any. It starts with ", " or is
// empty.
func (s *Setting) Context() string {
	if s == nil || s.Condition == "" {
		return ""
	}
	c := ", set where " + s.Condition
	switch {
	case s.Undecided:
		c += " (a condition djleak cannot evaluate)"
	case len(s.CondEnv) > 0:
		c += " (with " + varList(s.CondEnv) + " unset)"
	}
	return c
}

// DescribeAlternatives renders the values other branches give, e.g.
// "True where `os.environ.get('PROD')`"; "" when there are none.
func (s *Setting) DescribeAlternatives() string {
	if s == nil {
		return ""
	}
	var parts []string
	for _, a := range s.Alternatives {
		p := a.Describe()
		if a.Unset {
			p = "left unset"
		}
		if a.Condition != "" {
			p += " where " + a.Condition
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func isDirectRead(s *Setting) bool {
	return s.Env != "" && len(s.ValueEnv) == 1 && s.ValueEnv[0] == s.Env && s.directRead
}

// short renders an expression for messages: whitespace collapsed, long
// text cut, and string literals that look like secrets masked.
func short(e *python.Expr) string {
	if e == nil {
		return ""
	}
	t := strings.Join(strings.Fields(e.Text), " ")
	t = quoted.ReplaceAllStringFunc(t, func(q string) string {
		body := q[1 : len(q)-1]
		if looksSecret(body) {
			return q[:1] + analyzer.Mask(body) + q[len(q)-1:]
		}
		return q
	})
	if len(t) > 80 {
		t = t[:77] + "..."
	}
	return t
}

var quoted = regexp.MustCompile(`"[^"\\]*"|'[^'\\]*'`)

// looksSecret: long, no spaces or dots, letters and digits mixed.
func looksSecret(s string) bool {
	if len(s) < 16 || strings.ContainsAny(s, " ./") {
		return false
	}
	letters, digits := false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters && digits
}

func varList(vs []string) string {
	if len(vs) == 1 {
		return "environment variable " + vs[0]
	}
	return "environment variables " + strings.Join(vs, ", ")
}

// Truthy reports whether the value is true in the evaluated environment.
func (s *Setting) Truthy() (truthy, known bool) {
	if s == nil || s.Unset {
		return false, false
	}
	if !s.Known {
		return false, false
	}
	return s.Value.Truthy()
}

// Variants returns the setting's values on every path djleak saw: the
// value itself and its alternatives (Unset placeholders included).
func (s *Setting) Variants() []*Setting {
	if s == nil {
		return nil
	}
	return append([]*Setting{s}, s.Alternatives...)
}

// Module is one resolved settings module.
type Module struct {
	Mod   *python.Module
	Name  string // dotted
	Class Class
	// Why explains the class: "named production", "DJANGO_SETTINGS_MODULE
	// in mysite/wsgi.py", "imported by mysite.settings.production".
	Why string
	// Values holds the settings (upper-case names) by name; Unset
	// placeholders are included.
	Values map[string]*Setting
	// Entry is true when an entry point (manage.py, wsgi.py, Procfile, …)
	// names this module in DJANGO_SETTINGS_MODULE; Entries lists them.
	Entry   bool
	Entries []Entry

	vars map[string]*Setting
}

// Get returns a resolved setting, or nil when the module leaves it unset
// (in the evaluated environment).
func (m *Module) Get(name string) *Setting {
	s := m.Values[name]
	if s == nil || s.Unset {
		return nil
	}
	return s
}

// Lookup is Get, but returns an Unset placeholder (with the Alternatives
// that do set it) when the setting is only set on other paths.
func (m *Module) Lookup(name string) *Setting { return m.Values[name] }

// Var returns any module-level name, lower-case helpers included.
func (m *Module) Var(name string) *Setting {
	s := m.vars[name]
	if s == nil || s.Unset {
		return nil
	}
	return s
}

// Contains reports whether the list or tuple setting name contains item:
// present is the answer, known says whether djleak knows the value. An
// unset setting has Django's default, which callers pass as def.
func (m *Module) Contains(name, item string, def []string) (present, known bool) {
	s := m.Get(name)
	if s == nil {
		for _, d := range def {
			if d == item {
				return true, true
			}
		}
		return false, true
	}
	one := func(x *Setting) (bool, bool) {
		if x.Unset {
			for _, d := range def {
				if d == item {
					return true, true
				}
			}
			return false, true
		}
		if !x.Known || !isSeq(x.Value) {
			return false, false
		}
		for _, e := range x.Value.Elems {
			if e.Kind == python.Str && e.Str == item {
				return true, true
			}
		}
		return false, true
	}
	present, known = one(s)
	if s.Undecided {
		for _, a := range s.Alternatives {
			if p, k := one(a); !k || p != present {
				return false, false
			}
		}
	}
	return present, known
}

// moduleScope evaluates code against a settings module: `settings.X`
// (django.conf.settings) is the module's setting X.
type moduleScope struct{ m *Module }

func (s moduleScope) lookup(name string) *Setting {
	for _, prefix := range []string{"settings.", "django.conf.settings.", "conf.settings."} {
		if strings.HasPrefix(name, prefix) {
			if x := s.m.Get(name[len(prefix):]); x != nil {
				return x
			}
			return s.m.defaultSetting(name[len(prefix):])
		}
	}
	return nil
}
func (moduleScope) getenv(string) (string, bool) { return "", false }
func (moduleScope) envFactory(string) *envScheme { return nil }
func (moduleScope) importsDecouple() bool        { return false }

// djangoDefaults are the global_settings values of the settings djleak's
// rules read through `settings.X` in code.
var djangoDefaults = map[string]python.Value{
	"DEBUG": boolV(false), "SESSION_COOKIE_SECURE": boolV(false), "CSRF_COOKIE_SECURE": boolV(false),
	"SESSION_COOKIE_HTTPONLY": boolV(true), "CSRF_COOKIE_HTTPONLY": boolV(false),
	"SESSION_COOKIE_SAMESITE": strV("Lax"), "CSRF_COOKIE_SAMESITE": strV("Lax"),
	"LANGUAGE_COOKIE_SECURE": boolV(false), "LANGUAGE_COOKIE_HTTPONLY": boolV(false),
	"SESSION_COOKIE_NAME": strV("sessionid"), "CSRF_COOKIE_NAME": strV("csrftoken"),
	"SECURE_SSL_REDIRECT": boolV(false), "SECURE_HSTS_SECONDS": intV(0),
}

func (m *Module) defaultSetting(name string) *Setting {
	v, ok := djangoDefaults[name]
	if !ok {
		return nil
	}
	return &Setting{Name: name, Value: v, Known: true}
}

// EvalIn evaluates an expression from application code against settings
// module m, reading `settings.X` as m's X (Django's default when m leaves
// it unset). ok is false when djleak cannot tell.
func EvalIn(m *Module, e *python.Expr) (python.Value, bool) {
	v := eval(e, moduleScope{m})
	return v.V, v.OK
}

// Describe names the module with its class for messages:
// "production settings module mysite.settings.production".
func (m *Module) Describe() string {
	switch m.Class {
	case Production:
		return "production settings module " + m.Name
	case Development:
		return "development settings module " + m.Name
	case Test:
		return "test settings module " + m.Name
	}
	return "settings module " + m.Name
}

// Judged reports whether rules should hold this module to production
// standards: it is not a base, development or test module.
func (m *Module) Judged() bool {
	return m.Class == Production || m.Class == Unknown
}

// Settings is the project's resolved settings.
type Settings struct {
	Modules []*Module // sorted by path
	// Entries lists every DJANGO_SETTINGS_MODULE djleak found, in path order.
	Entries []Entry
	// Env is the environment the values were computed for (nil: all unset).
	Env map[string]string
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

// ByName finds a module by dotted name (suffix match as for imports).
func (s *Settings) ByName(name string) *Module {
	for _, m := range s.Modules {
		if m.Name == name || strings.HasSuffix(m.Name, "."+name) {
			return m
		}
	}
	return nil
}

// Pass computes the project's settings with every environment variable
// unset.
var Pass = &analyzer.Pass[*Settings]{Name: "settings", Requires: []analyzer.Requirement{analyzer.PythonModules, entriesFact},
	Run: func(p *analyzer.Project) *Settings { return Resolve(p, nil) }}

// settingsMarkers are the core settings only a project's settings module
// defines; a reusable app's settings.py, app_settings.py or
// default_settings.py (defaults read with getattr(settings, "X", default),
// an api_settings object) defines none of them.
var settingsMarkers = map[string]bool{
	"INSTALLED_APPS": true, "MIDDLEWARE": true, "MIDDLEWARE_CLASSES": true, "ROOT_URLCONF": true,
	"SECRET_KEY": true, "DATABASES": true, "WSGI_APPLICATION": true, "ASGI_APPLICATION": true,
	"ALLOWED_HOSTS": true, "TEMPLATES": true, "AUTHENTICATION_BACKENDS": true, "SECURE_PROXY_SSL_HEADER": true,
}

var (
	devName  = regexp.MustCompile(`(^|[._])(dev|develop|development|local|debug)([._]|$)`)
	testName = regexp.MustCompile(`(^|[._])(test|tests|testing|ci|pytest)([._]|$)|(^|\.)test_|(^|\.)tests?(project|app|site|settings)(\.|$)`)
	prodName = regexp.MustCompile(`(^|[._])(prod|production|live|deploy|deployment|staging|stage)([._]|$)`)
	baseName = regexp.MustCompile(`(^|[._])(base|common|defaults|shared|global|components?)([._]|$)`)
)

// Resolve computes the project's settings in environment env (nil: every
// variable unset).
func Resolve(p *analyzer.Project, env map[string]string) *Settings {
	entries := findEntries(p)
	if p.Config != nil && p.Config.SettingsModule != "" {
		// settings-module in the configuration names the production module.
		e := Entry{Module: p.Config.SettingsModule, Kind: EntryDeploy, Via: "settings-module (" + p.Config.Source + ")", Configured: true}
		e.Path, e.Loc = configKeyAt(p, "settings-module")
		entries = append(entries, e)
	}
	named := entryTargets(p, entries)
	entryMatch := func(m *python.Module, name string) []Entry {
		var out []Entry
		for i, e := range entries {
			if named[i] != nil && named[i][m] || named[i] == nil && (name == e.Module || strings.HasSuffix(name, "."+e.Module)) {
				out = append(out, e)
			}
		}
		return out
	}
	var candidates []*python.Module
	for _, m := range p.Python {
		name := analyzer.ModuleName(m.File.Path)
		if entryMatch(m, name) != nil || isSettingsModule(m, name) {
			candidates = append(candidates, m)
		}
	}
	r := newResolver(p, env)
	s := &Settings{Entries: entries, Env: env}
	for _, m := range candidates {
		name := analyzer.ModuleName(m.File.Path)
		vars := r.values(m)
		mod := &Module{Mod: m, Name: name, Values: map[string]*Setting{}, vars: vars, Entries: entryMatch(m, name)}
		mod.Entry = len(mod.Entries) > 0
		for k, v := range vars {
			if isSettingName(k) {
				mod.Values[k] = v
			}
		}
		s.Modules = append(s.Modules, mod)
	}
	sort.Slice(s.Modules, func(i, j int) bool { return s.Modules[i].Mod.File.Path < s.Modules[j].Mod.File.Path })
	classifyAll(s.Modules, r)
	return s
}

// entryTargets finds, for each entry, the modules it names when they can
// be told from where it is set: Django imports DJANGO_SETTINGS_MODULE from
// sys.path, which holds the directory of the script that sets it (a test
// runner's `"settings"` is the settings.py beside it) or of the project
// above it (manage.py's `"mysite.settings"`). So an entry names the module
// at its dotted path under its own file's directory or one above, when
// there is one; otherwise (a systemd unit or uwsgi file elsewhere, a
// package installed apart) its value is matched against the end of every
// module's name, and the entry's slot is nil.
func entryTargets(p *analyzer.Project, entries []Entry) []map[*python.Module]bool {
	out := make([]map[*python.Module]bool, len(entries))
	for i, e := range entries {
		if e.Path == "" || e.Module == "" {
			continue
		}
		rel := strings.ReplaceAll(e.Module, ".", "/")
		for dir := path.Dir(e.Path); ; dir = path.Dir(dir) {
			for _, f := range []string{rel + ".py", rel + "/__init__.py"} {
				if m, _ := p.ParsePython(path.Join(dir, f)); m != nil {
					if out[i] == nil {
						out[i] = map[*python.Module]bool{}
					}
					out[i][m] = true
				}
			}
			if dir == "." || dir == "/" {
				break
			}
		}
	}
	return out
}

// classifyAll decides each module's class: deployment entry points first
// (a module a deployment runs is production whatever its name), then the
// name, then test/development entry points, then whether other settings
// modules build on it.
func classifyAll(mods []*Module, r *resolver) {
	byMod := map[*python.Module]*Module{}
	for _, m := range mods {
		byMod[m.Mod] = m
	}
	for _, m := range mods {
		m.Class, m.Why = classify(m)
	}
	for _, m := range mods {
		if hasKind(m.Entries, EntryDeploy) || hasKind(m.Entries, EntryManage) {
			continue
		}
		for _, imp := range r.importers[m.Mod] {
			im := byMod[imp]
			switch {
			case r.included[m.Mod] && (im == nil || im.Judged()):
				// A split-settings component runs inside the module that
				// includes it, whatever its own name.
				m.Class, m.Why = Base, "included by "+analyzer.ModuleName(imp.File.Path)
			case m.Class == Unknown && im != nil && im != m && im.Judged():
				m.Class, m.Why = Base, "imported by "+im.Name
			default:
				continue
			}
			break
		}
	}
	for _, m := range mods {
		if m.Class == Unknown && hasKind(m.Entries, EntryManage) {
			m.Why = "DJANGO_SETTINGS_MODULE in " + m.Entries[0].Path
		}
	}
}

func hasKind(es []Entry, k EntryKind) bool {
	for _, e := range es {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func classify(m *Module) (Class, string) {
	for _, e := range m.Entries {
		if e.Kind == EntryDeploy {
			return Production, "DJANGO_SETTINGS_MODULE in " + e.Path
		}
	}
	name := m.Name
	last := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		last = name[i+1:]
	}
	switch {
	case testName.MatchString(name):
		return Test, "named " + last
	case devName.MatchString(last):
		return Development, "named " + last
	case prodName.MatchString(last):
		return Production, "named " + last
	}
	for _, e := range m.Entries {
		switch e.Kind {
		case EntryTest:
			return Test, "DJANGO_SETTINGS_MODULE in " + e.Path
		case EntryDev:
			return Development, "DJANGO_SETTINGS_MODULE in " + e.Path
		}
	}
	if baseName.MatchString(last) && !hasKind(m.Entries, EntryManage) {
		return Base, "named " + last
	}
	return Unknown, ""
}

// isSettingsModule reports whether m is a settings module Django could
// load although no entry point names it: it defines a core setting, or it
// belongs to a settings package and star-imports another module. A module
// merely named settings.py that sets a few upper-case names is not one.
func isSettingsModule(m *python.Module, name string) bool {
	parts := strings.Split(name, ".")
	named := false
	for _, part := range parts {
		if part == "settings" || strings.HasSuffix(part, "_settings") || strings.HasPrefix(part, "settings_") {
			named = true
		}
	}
	for _, a := range m.Assigns {
		// Django's SECRET_KEY is a string: one that is a path names a
		// file of some other program's (a packaging script's constant).
		if settingsMarkers[a.Target] && !(a.Target == "SECRET_KEY" && a.Value != nil && a.Value.Kind == python.CallExpr && pysem.PathCall(a.Value.Call.Func)) {
			return true
		}
	}
	// A settings package's module that only star-imports others is one
	// too, and so is any module that include()s split settings.
	for _, imp := range m.Imports {
		if imp.Star && named || strings.HasPrefix(imp.Module, "split_settings") {
			return true
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

// String renders a module for debugging.
func (m *Module) String() string {
	return fmt.Sprintf("%s (%s: %s)", m.Name, m.Class, m.Why)
}
