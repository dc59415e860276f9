package driver

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/internal/fileio"
)

// pyproject mirrors the accepted TOML layout of pyproject.toml.
type pyproject struct {
	Tool struct {
		Djleak *analyzer.Config `toml:"djleak"`
	} `toml:"tool"`
}

// LoadConfig reads the project's configuration from root/.djleak.toml or
// root/pyproject.toml's [tool.djleak]. Unknown keys, values of the wrong
// type, selectors that match no rule and paths that do not exist are errors
// that name the file, the line and the key.
func LoadConfig(root string) (*analyzer.Config, error) { return LoadConfigFrom(analyzer.OS, root) }

// LoadConfigFrom is LoadConfig reading through fsys.
func LoadConfigFrom(fsys analyzer.FS, root string) (*analyzer.Config, error) {
	if p := filepath.Join(root, ".djleak.toml"); fileExists(fsys, p) {
		return loadConfigFile(fsys, p, ".djleak.toml", root)
	}
	if p := filepath.Join(root, "pyproject.toml"); fileExists(fsys, p) {
		return loadConfigFile(fsys, p, "pyproject.toml", root)
	}
	return analyzer.DefaultConfig(), nil
}

// LoadConfigFile reads the configuration from path (a .djleak.toml-style
// file, or a pyproject.toml whose [tool.djleak] is used), for a project at
// root.
func LoadConfigFile(path, root string) (*analyzer.Config, error) {
	if info, err := os.Stat(path); err != nil || info.IsDir() {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: no such configuration file", path)}
	}
	cfg, err := loadConfigFile(analyzer.OS, path, path, root)
	if err == nil && cfg.Source == "" {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s has no [tool.djleak] table", path)}
	}
	return cfg, err
}

// Override sets c's keys from a TOML snippet given on the command line
// (`select = ["DJL4"]`), checked like a configuration file, with the
// option named in errors.
func Override(c *analyzer.Config, snippet, root string) error {
	name := fmt.Sprintf("--config %q", snippet)
	var raw map[string]any
	if _, err := toml.Decode(snippet, &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &analyzer.UsageError{Msg: fmt.Sprintf("%s: not a TOML KEY = VALUE: %s", name, pe.Message)}
		}
		return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %v", name, err)}
	}
	if err := checkTypes(name, raw, nil); err != nil {
		return err
	}
	var over analyzer.Config
	if _, err := toml.Decode(snippet, &over); err != nil {
		return configError(name, err)
	}
	// Copy the keys the snippet sets onto c.
	src, dst := reflect.ValueOf(&over).Elem(), reflect.ValueOf(c).Elem()
	for i := 0; i < src.NumField(); i++ {
		if k := src.Type().Field(i).Tag.Get("toml"); k != "" && k != "-" {
			if _, ok := raw[k]; ok {
				dst.Field(i).Set(src.Field(i))
			}
		}
	}
	source, lines := c.Source, c.Lines
	c.Source, c.Lines = name, nil
	err := c.Check(root)
	c.Source, c.Lines = source, lines
	if err != nil {
		return err
	}
	for k := range raw {
		delete(c.Lines, k) // the file's line no longer holds the value
	}
	if c.Source == "" {
		c.Source = "defaults"
	}
	c.Source += ", " + name
	return c.Compile()
}

func loadConfigFile(fsys analyzer.FS, path, name, root string) (*analyzer.Config, error) {
	data, err := fileio.ReadFile(fsys, path)
	if err != nil {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: %v", name, err)}
	}
	var table []string
	if filepath.Base(path) == "pyproject.toml" {
		table = []string{"tool", "djleak"}
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, configError(name, err)
	}
	body := raw
	for _, t := range table {
		sub, ok := body[t].(map[string]any)
		if !ok {
			if _, present := body[t]; present {
				return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s must be a table", name, strings.Join(table, "."))}
			}
			return analyzer.DefaultConfig(), nil // a pyproject.toml without [tool.djleak]
		}
		body = sub
	}
	lines := keyLines(data, table)
	if err := checkTypes(name, body, lines); err != nil {
		return nil, err
	}
	cfg := &analyzer.Config{}
	if table == nil {
		_, err = toml.Decode(string(data), cfg)
	} else {
		var pp pyproject
		_, err = toml.Decode(string(data), &pp)
		cfg = pp.Tool.Djleak
	}
	if err != nil {
		return nil, configError(name, err)
	}
	cfg.Source = name
	cfg.Lines = lines
	if err := cfg.Check(root); err != nil {
		return nil, err
	}
	if err := cfg.Compile(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// What each key holds, in words, for type errors.
var configWant = map[string]string{
	"select":              "a list of rule IDs, prefixes or names, like [\"DJL4\", \"NGX101\"]",
	"ignore":              "a list of rule IDs, prefixes or names, like [\"DJL402\"]",
	"exclude":             "a list of gitignore-style patterns, like [\"legacy/\"]",
	"nginx-roots":         "a list of directories, like [\"deploy/nginx\"]",
	"identity-headers":    "a list of header names, like [\"X-Auth-Subject\"]",
	"extra-token-names":   "a list of names, like [\"session_key\"]",
	"extra-sanitizers":    "a list of function names, like [\"mask_token\"]",
	"per-file-ignores":    "a table of pattern = [rule IDs]",
	"settings-module":     "a dotted module name in quotes, like \"mysite.settings.production\"",
	"force-exclude":       "true or false",
	"include-tests":       "true or false",
	"no-cache":            "true or false",
	"identity-middleware": "an array of tables ([[identity-middleware]] with package, classes and headers)",
}

// checkTypes checks the keys and value types of a configuration table
// against analyzer.Config, so that errors speak of TOML values, not Go types.
func checkTypes(name string, body map[string]any, lines map[string]int) error {
	fields := map[string]reflect.Type{}
	t := reflect.TypeOf(analyzer.Config{})
	for i := 0; i < t.NumField(); i++ {
		if k := t.Field(i).Tag.Get("toml"); k != "" && k != "-" {
			fields[k] = t.Field(i).Type
		}
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if lines[keys[i]] != lines[keys[j]] {
			return lines[keys[i]] < lines[keys[j]]
		}
		return keys[i] < keys[j]
	})
	at := (&analyzer.Config{Source: name, Lines: lines}).Where
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			return &analyzer.UsageError{Msg: fmt.Sprintf("%s: unknown configuration key %s%s", at(k), k, analyzer.DidYouMean(k, analyzer.ConfigKeys()))}
		}
		want := configWant[k]
		v := body[k]
		bad := func() error {
			if want == "" {
				want = goTypeWords(ft)
			}
			return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s must be %s, not %s", at(k), k, want, tomlTypeWords(v))}
		}
		switch {
		case ft.Kind() == reflect.String:
			if _, ok := v.(string); !ok {
				return bad()
			}
		case ft.Kind() == reflect.Bool:
			if _, ok := v.(bool); !ok {
				return bad()
			}
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Int64 && ft.Name() == ft.Kind().String():
			if _, ok := v.(int64); !ok {
				return bad()
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			list, ok := v.([]any)
			if !ok {
				return bad()
			}
			for i, item := range list {
				if _, ok := item.(string); !ok {
					return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s must be %s; item %d is %s", at(k), k, want, i+1, tomlTypeWords(item))}
				}
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			if _, ok := v.([]map[string]any); !ok {
				return bad()
			}
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Slice:
			m, ok := v.(map[string]any)
			if !ok {
				return bad()
			}
			for _, pat := range slices.Sorted(maps.Keys(m)) {
				list, ok := m[pat].([]any)
				if !ok {
					return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s %q must be a list of rule IDs, not %s", at(k+"."+pat), k, pat, tomlTypeWords(m[pat]))}
				}
				for i, item := range list {
					if _, ok := item.(string); !ok {
						return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s %q must be a list of rule IDs; item %d is %s", at(k+"."+pat), k, pat, i+1, tomlTypeWords(item))}
					}
				}
			}
		}
	}
	return nil
}

func goTypeWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a table"
	}
	return "a number"
}

// tomlTypeWords names a decoded TOML value's type.
func tomlTypeWords(v any) string {
	switch v := v.(type) {
	case string:
		return "a string"
	case bool:
		return "true or false"
	case int64, float64:
		return "a number"
	case []any:
		return "a list"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	case nil:
		return "nothing"
	default:
		_ = v
		return "a date or time"
	}
}

var (
	tableHeader = regexp.MustCompile(`^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$`)
	keyValue    = regexp.MustCompile(`^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=`)
)

// keyLines finds the line of each key of the configuration table (prefix
// is its table path: nil for .djleak.toml, tool.djleak for pyproject.toml)
// and of the keys of its sub-tables ("per-file-ignores.tests/**"). It is a
// line scanner, enough for error messages: a key it cannot place has no
// line.
func keyLines(data []byte, prefix []string) map[string]int {
	out := map[string]int{}
	want := strings.Join(prefix, ".")
	current := ""
	inMultiline := false
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		if inMultiline {
			if strings.Count(line, `"""`)%2 == 1 || strings.Count(line, `'''`)%2 == 1 {
				inMultiline = false
			}
			continue
		}
		if m := tableHeader.FindStringSubmatch(line); m != nil {
			current = normalizeKeyPath(m[1])
			if rest, ok := strings.CutPrefix(current, want); ok && (want == "" || strings.HasPrefix(rest, ".")) {
				sub := strings.TrimPrefix(rest, ".")
				if _, seen := out[sub]; sub != "" && !seen {
					out[sub] = n
				}
			}
			continue
		}
		m := keyValue.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if strings.Count(line, `"""`)%2 == 1 || strings.Count(line, `'''`)%2 == 1 {
			inMultiline = true
		}
		full := normalizeKeyPath(m[1])
		if current != "" {
			full = current + "." + full
		}
		rest, ok := strings.CutPrefix(full, want)
		if !ok || (want != "" && !strings.HasPrefix(rest, ".")) {
			continue
		}
		key := strings.TrimPrefix(rest, ".")
		if _, seen := out[key]; !seen {
			out[key] = n
		}
	}
	return out
}

// normalizeKeyPath turns `tool . "djleak"` into tool.djleak. A dotted key
// in quotes ("tests/**") keeps its dots only as the last part.
func normalizeKeyPath(s string) string {
	var parts []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		var part string
		switch s[0] {
		case '"', '\'':
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				return strings.Join(append(parts, s), ".")
			}
			part, s = s[1:1+end], s[2+end:]
			if unq, err := strconv.Unquote(`"` + part + `"`); err == nil && s != "" {
				part = unq
			}
		default:
			end := strings.IndexAny(s, ". \t")
			if end < 0 {
				end = len(s)
			}
			part, s = s[:end], s[end:]
		}
		parts = append(parts, part)
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, ".")
	}
	return strings.Join(parts, ".")
}

var decodeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

func configError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &analyzer.UsageError{Msg: fmt.Sprintf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)}
	}
	if m := decodeErr.FindStringSubmatch(err.Error()); m != nil {
		key := m[2][strings.LastIndexByte(m[2], '.')+1:]
		return &analyzer.UsageError{Msg: fmt.Sprintf("%s:%s: %s: %s", name, m[1], key, m[3])}
	}
	return &analyzer.UsageError{Msg: fmt.Sprintf("%s: %v", name, err)}
}

func fileExists(fsys analyzer.FS, p string) bool {
	info, err := fsys.Stat(p)
	return err == nil && !info.IsDir()
}
