package analyzer

import (
	"reflect"
	"testing"
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
	keys := ConfigKeys()
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
