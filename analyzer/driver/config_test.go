package driver

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"

	// The rules, for the configuration's selectors (analyzer.KnownRules).
	_ "github.com/djleak/djleak/rules"
)

func TestKeyLines(t *testing.T) {
	pyproject := `[project]
name = "x"
select = ["not ours"]

[tool.djleak]
select = [
  "DJL4",
]
doc = """
exclude = ["inside a string"]
"""
exclude = ["legacy/"]

[tool.ruff]
ignore = ["E501"]

[ tool . "djleak" . "per-file-ignores" ]
"tests/**" = ["DJL3"]
'a.b/*' = ["NGX"]
`
	got := keyLines([]byte(pyproject), []string{"tool", "djleak"})
	want := map[string]int{"select": 6, "doc": 9, "exclude": 12, "per-file-ignores": 17,
		"per-file-ignores.tests/**": 18, "per-file-ignores.a.b/*": 19}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pyproject.toml: got %v, want %v", got, want)
	}
	plain := "# comment\nselect = []\nper-file-ignores = { \"x/*\" = [\"DJL1\"] }\n[per-file-ignores]\n\"y\" = []\n"
	got = keyLines([]byte(plain), nil)
	want = map[string]int{"select": 2, "per-file-ignores": 3, "per-file-ignores.y": 5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf(".djleak.toml: got %v, want %v", got, want)
	}
}

func TestConfigKeys(t *testing.T) {
	keys := analyzer.ConfigKeys()
	for _, k := range []string{"select", "ignore", "exclude", "force-exclude", "per-file-ignores", "extra-token-names", "extra-sanitizers", "settings-module"} {
		found := false
		for _, c := range keys {
			found = found || c == k
		}
		if !found {
			t.Errorf("ConfigKeys lacks %s: %v", k, keys)
		}
	}
}

// KeyLine names the line a value was read from, and no line once a
// --config override replaces the value.
func TestKeyLineAfterOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("select = [\"DJL4\"]\nsettings-module = \"site.prod\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyLine("settings-module") != 2 || c.KeyLine("select") != 1 || c.KeyLine("exclude") != 0 {
		t.Fatalf("lines: settings-module %d, select %d, exclude %d", c.KeyLine("settings-module"), c.KeyLine("select"), c.KeyLine("exclude"))
	}
	if err := Override(c, `settings-module = "site.other"`, dir); err != nil {
		t.Fatal(err)
	}
	if c.SettingsModule != "site.other" || c.KeyLine("settings-module") != 0 || c.KeyLine("select") != 1 {
		t.Errorf("after the override: %q at line %d, select at line %d", c.SettingsModule, c.KeyLine("settings-module"), c.KeyLine("select"))
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		".djleak.toml":   "selec = [\"DJL4\"]\n",
		"pyproject.toml": "[tool.djleak]\nignore = [\"XYZ1\"]\n",
	}
	for name, content := range cases {
		dir := writeTree(t, map[string]string{name: content})
		_, err := LoadConfig(dir)
		if err == nil {
			t.Errorf("%s: want an error for %q", name, content)
			continue
		}
		if _, ok := err.(*analyzer.UsageError); !ok {
			t.Errorf("%s: want a analyzer.UsageError, got %T", name, err)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	dir := writeTree(t, map[string]string{".djleak.toml": "select = [\n"})
	if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), ".djleak.toml:") {
		t.Errorf("syntax error should name file and line, got %v", err)
	}
	for content, want := range map[string]string{
		"[[identity-middleware]]\nclasses = [\"a.B\"]\nheaders = [\"X-A\"]\n":                  "identity-middleware[0]: package is missing",
		"[[identity-middleware]]\npackage = \"p\"\nheaders = [\"X-A\"]\n":                      "identity-middleware[0] (p): classes is missing",
		"[[identity-middleware]]\npackage = \"p\"\nclasses = [\"a.B\"]\n":                      "identity-middleware[0] (p): headers is missing",
		"[[identity-middleware]]\npackage = \"p\"\nclasses = [\"a.B\"]\nheaders = [\"X A\"]\n": `"X A" is not a header name`,
	} {
		dir := writeTree(t, map[string]string{".djleak.toml": content})
		_, err := LoadConfig(dir)
		if err == nil || !strings.Contains(err.Error(), ".djleak.toml: "+want) && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want an error with %q, got %v", content, want, err)
		}
	}
}
