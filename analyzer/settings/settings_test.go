package settings_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/rules"
)

func resolve(t *testing.T, archive string, env map[string]string) *settings.Settings {
	t.Helper()
	return settings.Resolve(analyzertest.Load(t, archive), env)
}

func module(t *testing.T, s *settings.Settings, name string) *settings.Module {
	t.Helper()
	for _, m := range s.Modules {
		if m.Name == name {
			return m
		}
	}
	var names []string
	for _, m := range s.Modules {
		names = append(names, m.String())
	}
	t.Fatalf("no settings module %s; have %v", name, names)
	return nil
}

func value(t *testing.T, m *settings.Module, name string) string {
	t.Helper()
	s := m.Get(name)
	if s == nil {
		return "<unset>"
	}
	if !s.Known {
		return "<unknown>"
	}
	return s.Value.String()
}

func TestResolveValues(t *testing.T) {
	const archive = `
-- proj/settings/__init__.py --
-- proj/settings/base.py --
import os

env_name = os.environ.get("APP_ENV", "dev")
INSTALLED_APPS = ["a"]
MIDDLEWARE = ["m1", "m2"]
LIST = [1, 2]
LIST.extend((3,))
LIST.insert(-1, 9)
LIST.remove(1)
HSTS = 60 * 60 * 24
NAME = f"site-{env_name}"
FLAG = "X" in os.environ
PARSED = os.environ.get("NUMS", "1,2").split(",")
DICT = {"a": 1, **{"b": 2}}
DICT["c"] = 3
DICT.update({"a": 0})
try:
    from .missing import *
except ImportError:
    FALLBACK = True
-- proj/settings/production.py --
from .base import *
from .base import LIST as ITEMS

MIDDLEWARE += ("m3",)
MIDDLEWARE.append("m4")
if env_name == "prod":
    MODE = "prod"
elif env_name == "dev":
    MODE = "dev"
else:
    MODE = "other"
del FLAG
`
	s := resolve(t, archive, nil)
	prod := module(t, s, "proj.settings.production")
	for name, want := range map[string]string{
		"MIDDLEWARE": "['m1', 'm2', 'm3', 'm4']",
		"LIST":       "[2, 9, 3]",
		"ITEMS":      "[2, 9, 3]",
		"HSTS":       "86400",
		"NAME":       "'site-dev'",
		"PARSED":     "['1', '2']",
		"DICT":       "{'a': 0, 'b': 2, 'c': 3}",
		"FALLBACK":   "True",
		"MODE":       "'dev'",
		"FLAG":       "<unset>",
	} {
		if got := value(t, prod, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if m := prod.Get("MODE"); m == nil || len(m.Alternatives) != 2 || !strings.Contains(m.Describe()+m.Context(), "APP_ENV") {
		t.Errorf("MODE should depend on APP_ENV with two alternatives: %+v", m)
	}
	if got := module(t, s, "proj.settings.base").Class; got != settings.Base {
		t.Errorf("base class = %v", got)
	}
	// The same project with the environment set.
	s = resolve(t, archive, map[string]string{"APP_ENV": "prod", "X": "", "NUMS": "7"})
	prod = module(t, s, "proj.settings.production")
	for name, want := range map[string]string{"MODE": "'prod'", "NAME": "'site-prod'", "PARSED": "['7']"} {
		if got := value(t, prod, name); got != want {
			t.Errorf("with env: %s = %s, want %s", name, got, want)
		}
	}
	if got := value(t, module(t, s, "proj.settings.base"), "FLAG"); got != "True" {
		t.Errorf("with env: FLAG = %s", got)
	}
}

func TestResolveEnvLibraries(t *testing.T) {
	const archive = `
-- s/settings.py --
import os
import environ
from decouple import config, Csv

env = environ.Env(A=(bool, True), B=(int, 5))
INSTALLED_APPS = []
A = env("A")
B = env("B")
C = env.bool("C", default=False)
D = env.int("D", default=3)
E = config("E", default="yes", cast=bool)
F = config("F", default="a, b", cast=Csv())
G = config("G")
H = os.environ["H"]
I = env("I", default="x")
`
	s := resolve(t, archive, nil)
	m := module(t, s, "s.settings")
	for name, want := range map[string]string{"A": "True", "B": "5", "C": "False", "D": "3", "E": "True", "F": "['a', 'b']", "G": "<unknown>", "H": "<unknown>", "I": "'x'"} {
		if got := value(t, m, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if g := m.Get("G"); g == nil || g.Raises != "UndefinedValueError" || g.Env != "G" {
		t.Errorf("G: %+v", g)
	}
	if h := m.Get("H"); h == nil || h.Describe() != "environment variable H (no default)" {
		t.Errorf("H describes as %q", h.Describe())
	}
	if i := m.Get("I"); i == nil || !i.EnvString {
		t.Errorf("I should be a raw environment string")
	}
	s = resolve(t, archive, map[string]string{"A": "off", "B": "7", "C": "yes", "E": "0", "F": "x,y", "G": "g", "H": "h", "I": "i"})
	m = module(t, s, "s.settings")
	for name, want := range map[string]string{"A": "False", "B": "7", "C": "True", "E": "False", "F": "['x', 'y']", "G": "'g'", "H": "'h'", "I": "'i'"} {
		if got := value(t, m, name); got != want {
			t.Errorf("with env: %s = %s, want %s", name, got, want)
		}
	}
}

func TestUndecidedBranches(t *testing.T) {
	s := resolve(t, `
-- s/settings.py --
import socket
INSTALLED_APPS = []
if socket.gethostname() == "prod":
    DEBUG = False
else:
    DEBUG = True
if socket.gethostname() == "x":
    ONLY_HERE = 1
`, nil)
	m := module(t, s, "s.settings")
	d := m.Get("DEBUG")
	if d == nil || !d.Undecided || len(d.Alternatives) != 1 {
		t.Fatalf("DEBUG: %+v", d)
	}
	if m.Get("ONLY_HERE") != nil {
		t.Errorf("ONLY_HERE is unset on the else path")
	}
	if l := m.Lookup("ONLY_HERE"); l == nil || !l.Unset || len(l.Alternatives) != 1 {
		t.Errorf("Lookup(ONLY_HERE) = %+v", l)
	}
}

func TestEntriesAndClasses(t *testing.T) {
	dir := analyzertest.Write(t, `
-- Dockerfile --
FROM python:3.12
ENV DJANGO_SETTINGS_MODULE config.settings.docker
-- deploy/compose.yaml --
services:
  web:
    environment:
      DJANGO_SETTINGS_MODULE: ${DJANGO_SETTINGS_MODULE:-config.settings.compose}
-- pyproject.toml --
[tool.pytest.ini_options]
DJANGO_SETTINGS_MODULE = "config.settings.unit"
[tool.other]
DJANGO_SETTINGS_MODULE = "config.settings.nothing"
-- setup.cfg --
[tool:pytest]
addopts = --ds=config.settings.cfgtest
-- .env.production --
export DJANGO_SETTINGS_MODULE=config.settings.envprod
-- .env --
DJANGO_SETTINGS_MODULE=config.settings.plain
-- config/settings/__init__.py --
-- config/settings/docker.py --
DEBUG = True
-- config/settings/compose.py --
DEBUG = True
-- config/settings/unit.py --
DEBUG = True
-- config/settings/cfgtest.py --
DEBUG = True
-- config/settings/envprod.py --
DEBUG = True
-- config/settings/plain.py --
DEBUG = True
-- config/settings/nothing.py --
DEBUG = True
-- app/tests/project/__init__.py --
-- app/tests/project/wsgi.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.tests.project.settings")
-- app/tests/project/settings.py --
DEBUG = True
ROOT_URLCONF = "app.tests.project.urls"
`)
	// Files djleak must not choke on: a directory named like a config file.
	if err := os.MkdirAll(filepath.Join(dir, "Procfile"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := settings.Resolve(p, nil)
	want := map[string]settings.Class{
		"config.settings.docker": settings.Production, "config.settings.compose": settings.Production,
		"config.settings.unit": settings.Test, "config.settings.cfgtest": settings.Test,
		"config.settings.envprod": settings.Production, "config.settings.plain": settings.Unknown,
		// A test project's wsgi.py names the settings its tests run.
		"app.tests.project.settings": settings.Test,
	}
	for name, class := range want {
		m := module(t, s, name)
		if m.Class != class {
			t.Errorf("%s: class %v (%s), want %v", name, m.Class, m.Why, class)
		}
	}
	// [tool.other] is not pytest configuration, and a module no entry point
	// names that defines no core setting is not a settings module.
	if m := s.ByName("config.settings.nothing"); m != nil {
		t.Errorf("config.settings.nothing is not a settings module: %s %+v", m, m.Entries)
	}
}

// TestSeedRedactionFilter pins the seed project's DJL223 finding and its
// explanation.
func TestSeedRedactionFilter(t *testing.T) {
	p, err := driver.Load(driver.Options{Paths: []string{"../../testdata/seed"}, Root: "../../testdata/seed"})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := analyzer.Run(p, []*analyzer.Rule{rules.Lookup("DJL223")}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("want one DJL223 finding on the seed, got:\n%s", analyzertest.Brief(fs))
	}
	f := fs[0]
	if f.Location.Path != "mysite/settings.py" || f.Location.Start.Line != 30 {
		t.Errorf("finding at %s:%d, want mysite/settings.py:30", f.Location.Path, f.Location.Start.Line)
	}
	for _, want := range []string{
		"case-sensitive", "'Authorization: Bearer …'", "'HTTP_AUTHORIZATION'", "'HTTP_X_API_KEY'",
		"only checks record.getMessage()", "`extra`", "mysite/views.py:18", "leaving out only 'authorization'",
		"drops a matching record instead of redacting it",
	} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, f.Message)
		}
	}
}

func TestDescribeMasksSecrets(t *testing.T) {
	s := resolve(t, `
-- s/settings.py --
import os
INSTALLED_APPS = []
DEBUG = os.environ.get("TOKEN") == "sk_live_1234567890abcdef"
`, nil)
	d := module(t, s, "s.settings").Get("DEBUG").Describe()
	if strings.Contains(d, "1234567890") || !strings.Contains(d, `"sk_l…"`) {
		t.Errorf("Describe does not mask the literal: %s", d)
	}
}

// TestConstantFolding: settings arithmetic and comparisons follow Python
// (expected values taken from CPython); what Python rejects or djleak does
// not keep stays unknown.
func TestConstantFolding(t *testing.T) {
	const archive = `
-- proj/settings.py --
ROOT_URLCONF = "proj.urls"
MOD = -7 % 3
FLOORDIV = 7 // -2
REPEAT = "ab" * 3
SHIFT = 1 << 4
TRUEDIV = 10 / 4
BOOLSUM = True + 1
FMOD = -7.5 % 2
LISTEQ = [1, 2] == [1, 2]
MIXEQ = [1] == "a"
NUMEQ = 3 == 3.0
NONEEQ = None == None
IN = "a" in ["a", "b"]
UNION = {"a": 1} | {"b": 2}
OVERFLOW = 2 ** 62 + 2 ** 62
NONEORDER = None <= None
ZERODIV = 1 // 0
`
	m := module(t, resolve(t, archive, nil), "proj.settings")
	for name, want := range map[string]string{
		"MOD":       "2",
		"FLOORDIV":  "-4",
		"REPEAT":    "'ababab'",
		"SHIFT":     "16",
		"TRUEDIV":   "2.5",
		"BOOLSUM":   "2",
		"FMOD":      "0.5",
		"LISTEQ":    "True",
		"MIXEQ":     "False",
		"NUMEQ":     "True",
		"NONEEQ":    "True",
		"IN":        "True",
		"UNION":     "{'a': 1, 'b': 2}",
		"OVERFLOW":  "<unknown>", // beyond int64
		"NONEORDER": "<unknown>", // TypeError in Python
		"ZERODIV":   "<unknown>", // ZeroDivisionError
	} {
		if got := value(t, m, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

// A project whose root directory is itself a package imports its own
// modules by the package's name: graphite/settings.py star-imports
// graphite.app_settings, which is then a base module settings.py builds on,
// not a second settings module to judge.
func TestRootPackageImports(t *testing.T) {
	files := map[string][]byte{
		"/srv/graphite/__init__.py": nil,
		"/srv/graphite/settings.py": []byte("SECRET_KEY = 'x'\nLOADED = False\nif not LOADED:\n    from graphite.app_settings import *  # noqa\n"),
		"/srv/graphite/app_settings.py": []byte("INSTALLED_APPS = ['graphite.render']\n" +
			"MIDDLEWARE = ('django.middleware.common.CommonMiddleware',)\n"),
	}
	p, err := driver.Load(driver.Options{FS: analyzer.NewMemFS(files), Root: "/srv/graphite", Paths: []string{"/srv/graphite"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := p.ModuleByName("graphite.app_settings"); m == nil || m.File.Path != "app_settings.py" {
		t.Fatalf("ModuleByName(graphite.app_settings) = %v", m)
	}
	s := settings.Resolve(p, nil)
	if got := value(t, module(t, s, "settings"), "MIDDLEWARE"); !strings.Contains(got, "CommonMiddleware") {
		t.Errorf("settings.MIDDLEWARE = %s, want app_settings' value", got)
	}
	var judged []string
	for _, m := range s.Judged() {
		judged = append(judged, m.Name)
	}
	if len(judged) != 1 || judged[0] != "settings" {
		t.Errorf("judged settings modules %q, want only settings", judged)
	}
}
