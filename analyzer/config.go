package analyzer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/djleak/djleak/analyzer/internal/fileio"
	"github.com/djleak/djleak/analyzer/internal/gitignore"
)

// Config is djleak's project configuration, from `.djleak.toml` or the
// `[tool.djleak]` table of `pyproject.toml` in the project root.
type Config struct {
	// Source names the file the configuration came from ("" for defaults).
	Source string `toml:"-"`

	Select     []string `toml:"select"`      // rule IDs, prefixes or names (DJL4, NGX1, DJL401); empty means all
	Ignore     []string `toml:"ignore"`      // rule IDs, prefixes or names to turn off
	Exclude    []string `toml:"exclude"`     // gitignore-style patterns of paths to skip
	NginxRoots []string `toml:"nginx-roots"` // extra directories for resolving nginx includes

	// ForceExclude applies exclude to files named on the command line too
	// (pre-commit passes every changed file explicitly).
	ForceExclude bool `toml:"force-exclude"`

	ExtraTokenNames []string `toml:"extra-token-names"` // more names that denote secrets (analyzer/taint)
	ExtraSanitizers []string `toml:"extra-sanitizers"`  // more functions that mask or hash secrets (analyzer/taint)

	// PerFileIgnores maps gitignore-style path patterns to rule IDs or
	// prefixes ignored in matching files: {"tests/**" = ["DJL3"]}.
	PerFileIgnores map[string][]string `toml:"per-file-ignores"`
	// IdentityHeaders are extra client-identity header names (X-Auth-Subject)
	// or environ keys (HTTP_X_AUTH_SUBJECT, SSL_CLIENT_SAN) to treat like
	// X-Client-DN.
	IdentityHeaders []string `toml:"identity-headers"`
	// SettingsModule names the production settings module
	// ("mysite.settings.production"), overriding detection.
	SettingsModule string `toml:"settings-module"`
	// MaxFileSize is the largest Python file, template or standard input
	// analysed (bytes, or a string like "8MiB"); larger ones are reported as
	// not analysed. 0 means DefaultMaxFileSize.
	MaxFileSize ByteSize `toml:"max-file-size"`
	// IncludeTests reports the dataflow rules (DJL101–DJL219) in test code
	// too (tests/, test_*.py, conftest.py, …), which is left out by default.
	IncludeTests bool `toml:"include-tests"`
	// NoCache turns off the command line's on-disk cache of per-file facts
	// (like --no-cache).
	NoCache bool `toml:"no-cache"`
	// IdentityMiddleware adds packages to the table of published
	// middleware and authentication backends that read identity headers
	// (analyzer/identity KnownPackages).
	IdentityMiddleware []IdentityMiddleware `toml:"identity-middleware"`

	perFile []perFileIgnore

	exclude *gitignore.List

	// lines maps a key ("select", "per-file-ignores.tests/**") to its line
	// in the configuration file, for error messages.
	lines map[string]int
}

// KnownRules lists every rule; package rules sets it. Configuration
// selectors are checked against it and rule names become IDs.
var KnownRules func() []*Rule

// pyproject mirrors the accepted TOML layout of pyproject.toml.
type pyproject struct {
	Tool struct {
		Djleak *Config `toml:"djleak"`
	} `toml:"tool"`
}

// ConfigKeys lists the configuration keys, in the order of Config's fields.
func ConfigKeys() []string {
	var out []string
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		if k := t.Field(i).Tag.Get("toml"); k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return out
}

// LoadConfig reads the project's configuration from root/.djleak.toml or
// root/pyproject.toml's [tool.djleak]. Unknown keys, values of the wrong
// type, selectors that match no rule and paths that do not exist are errors
// that name the file, the line and the key.
func LoadConfig(root string) (*Config, error) { return LoadConfigFrom(OS, root) }

// LoadConfigFrom is LoadConfig reading through fsys.
func LoadConfigFrom(fsys FS, root string) (*Config, error) {
	if p := filepath.Join(root, ".djleak.toml"); fileExists(fsys, p) {
		return loadConfigFile(fsys, p, ".djleak.toml", root)
	}
	if p := filepath.Join(root, "pyproject.toml"); fileExists(fsys, p) {
		return loadConfigFile(fsys, p, "pyproject.toml", root)
	}
	return DefaultConfig(), nil
}

// LoadConfigFile reads the configuration from path (a .djleak.toml-style
// file, or a pyproject.toml whose [tool.djleak] is used), for a project at
// root.
func LoadConfigFile(path, root string) (*Config, error) {
	if info, err := os.Stat(path); err != nil || info.IsDir() {
		return nil, &UsageError{fmt.Sprintf("%s: no such configuration file", path)}
	}
	cfg, err := loadConfigFile(OS, path, path, root)
	if err == nil && cfg.Source == "" {
		return nil, &UsageError{fmt.Sprintf("%s has no [tool.djleak] table", path)}
	}
	return cfg, err
}

// Override sets keys from a TOML snippet given on the command line
// (`select = ["DJL4"]`), checked like a configuration file, with the
// option named in errors.
func (c *Config) Override(snippet, root string) error {
	name := fmt.Sprintf("--config %q", snippet)
	var raw map[string]any
	if _, err := toml.Decode(snippet, &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &UsageError{fmt.Sprintf("%s: not a TOML KEY = VALUE: %s", name, pe.Message)}
		}
		return &UsageError{fmt.Sprintf("%s: %v", name, err)}
	}
	if err := checkTypes(name, raw, nil); err != nil {
		return err
	}
	var over Config
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
	source, lines := c.Source, c.lines
	c.Source, c.lines = name, nil
	err := c.check(root)
	c.Source, c.lines = source, lines
	if err != nil {
		return err
	}
	for k := range raw {
		delete(c.lines, k) // the file's line no longer holds the value
	}
	if c.Source == "" {
		c.Source = "defaults"
	}
	c.Source += ", " + name
	return c.Compile()
}

// DefaultConfig is the configuration of a project without one.
func DefaultConfig() *Config {
	c := &Config{}
	if err := c.Compile(); err != nil {
		panic(err) // cannot happen: nothing to check
	}
	return c
}

func loadConfigFile(fsys FS, path, name, root string) (*Config, error) {
	data, err := fileio.ReadFile(fsys, path)
	if err != nil {
		return nil, &UsageError{fmt.Sprintf("%s: %v", name, err)}
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
				return nil, &UsageError{fmt.Sprintf("%s: %s must be a table", name, strings.Join(table, "."))}
			}
			return DefaultConfig(), nil // a pyproject.toml without [tool.djleak]
		}
		body = sub
	}
	lines := keyLines(data, table)
	if err := checkTypes(name, body, lines); err != nil {
		return nil, err
	}
	cfg := &Config{}
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
	cfg.lines = lines
	if err := cfg.check(root); err != nil {
		return nil, err
	}
	if err := cfg.Compile(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// check validates values whose type is right: header names, module names,
// directories, and (when KnownRules is set) rule selectors.
func (c *Config) check(root string) error {
	for _, h := range c.IdentityHeaders {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " \t:") {
			return &UsageError{fmt.Sprintf("%s: identity-headers: %q is not a header name", c.where("identity-headers"), h)}
		}
	}
	for i, e := range c.IdentityMiddleware {
		at := c.where("identity-middleware")
		switch {
		case strings.TrimSpace(e.Package) == "":
			return &UsageError{fmt.Sprintf("%s: identity-middleware[%d]: package is missing", at, i)}
		case len(e.Classes) == 0:
			return &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): classes is missing", at, i, e.Package)}
		case len(e.Headers) == 0 && e.Verify == "":
			return &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): headers is missing", at, i, e.Package)}
		}
		for _, h := range append(append([]string(nil), e.Headers...), e.Verify) {
			if strings.ContainsAny(h, " \t:") {
				return &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): %q is not a header name", at, i, e.Package, h)}
			}
		}
	}
	if m := c.SettingsModule; m != "" && (strings.ContainsAny(m, "/ ") || strings.HasSuffix(m, ".py")) {
		return &UsageError{fmt.Sprintf("%s: settings-module: %q should be a dotted module name like mysite.settings.production", c.where("settings-module"), m)}
	}
	for _, d := range c.NginxRoots {
		full := d
		if !filepath.IsAbs(full) {
			full = filepath.Join(root, filepath.FromSlash(d))
		}
		if info, err := os.Stat(full); err != nil || !info.IsDir() {
			return &UsageError{fmt.Sprintf("%s: nginx-roots: %q is not a directory of the project", c.where("nginx-roots"), d)}
		}
	}
	if n := c.MaxFileSize.n; n < 0 || n > MaxFileSizeLimit {
		return &UsageError{fmt.Sprintf("%s: max-file-size: %s is not between 1 byte and %s", c.where("max-file-size"), c.MaxFileSize.raw, FormatSize(MaxFileSizeLimit))}
	}
	if KnownRules == nil {
		return nil
	}
	all := KnownRules()
	for _, key := range []string{"select", "ignore"} {
		list := &c.Select
		if key == "ignore" {
			list = &c.Ignore
		}
		for i, s := range *list {
			id, err := ResolveSelector(s, all)
			if err != nil {
				return &UsageError{fmt.Sprintf("%s: %s: %v", c.where(key), key, err)}
			}
			(*list)[i] = id
		}
	}
	for _, pat := range sortedKeys(c.PerFileIgnores) {
		ids := c.PerFileIgnores[pat]
		for i, s := range ids {
			id, err := ResolveSelector(s, all)
			if err != nil {
				return &UsageError{fmt.Sprintf("%s: per-file-ignores %q: %v", c.where("per-file-ignores."+pat), pat, err)}
			}
			ids[i] = id
		}
	}
	return nil
}

// CheckSettingsModule reports a settings-module that names no module among
// the project's files.
func (c *Config) CheckSettingsModule(files []SourceFile) error {
	m := c.SettingsModule
	if m == "" {
		return nil
	}
	for _, f := range files {
		if f.Kind != KindPython {
			continue
		}
		if n := ModuleName(f.Path); n == m || strings.HasSuffix(n, "."+m) {
			return nil
		}
	}
	return &UsageError{fmt.Sprintf("%s: settings-module: %q names no module of the project (no %s.py or %s/__init__.py)",
		c.where("settings-module"), m, strings.ReplaceAll(m, ".", "/"), strings.ReplaceAll(m, ".", "/"))}
}

// Compile prepares the exclude and per-file-ignores patterns; call it after
// changing Exclude or PerFileIgnores.
func (c *Config) Compile() error {
	c.perFile = nil
	for _, pat := range sortedKeys(c.PerFileIgnores) {
		c.perFile = append(c.perFile, perFileIgnore{gitignore.Compile([]string{pat}), c.PerFileIgnores[pat]})
	}
	c.exclude = gitignore.Compile(c.Exclude)
	return nil
}

// ResolveSelector checks a rule selector against the rules: an ID or ID
// prefix (DJL401, DJL4, NGX) is returned in upper case, a rule name
// (session-cookie-not-secure) as its ID. Anything else is an error with a
// suggestion.
func ResolveSelector(s string, all []*Rule) (string, error) {
	up := strings.ToUpper(strings.TrimSpace(s))
	for _, r := range all {
		if up != "" && strings.HasPrefix(r.ID, up) {
			return up, nil
		}
	}
	var cands []string
	for _, r := range all {
		if strings.EqualFold(r.Name, s) {
			return r.ID, nil
		}
		cands = append(cands, r.ID, r.Name)
	}
	return "", fmt.Errorf("%q matches no rule ID, prefix or name%s (see djleak rules)", s, DidYouMean(s, cands))
}

// where is "file:line" for a key, or the file alone when the line is not
// known.
func (c *Config) where(key string) string {
	name := c.sourceName()
	if n := c.lines[key]; n > 0 {
		return name + ":" + strconv.Itoa(n)
	}
	if i := strings.IndexByte(key, '.'); i > 0 {
		if n := c.lines[key[:i]]; n > 0 {
			return name + ":" + strconv.Itoa(n)
		}
	}
	return name
}

// FileSizeLimit is the effective max-file-size in bytes.
func (c *Config) FileSizeLimit() int64 {
	if c == nil || c.MaxFileSize.n == 0 {
		return DefaultMaxFileSize
	}
	return int64(c.MaxFileSize.n)
}

// ByteSize is a size in bytes written as a TOML integer (4194304) or a
// string with a unit ("4MiB", "512 KiB", "4MB"; KB, MB are powers of 1000).
type ByteSize struct {
	n   int64
	raw string
}

// Bytes is the size in bytes.
func (b ByteSize) Bytes() int64 { return b.n }

// MarshalText writes the size as max-file-size accepts it ("4 MiB").
func (b ByteSize) MarshalText() ([]byte, error) {
	n := b.n
	if n == 0 {
		n = DefaultMaxFileSize
	}
	return []byte(strings.TrimSuffix(FormatSize(n), "-byte")), nil
}

// UnmarshalTOML implements toml.Unmarshaler.
func (b *ByteSize) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		b.n, b.raw = x, fmt.Sprint(x)
		if x <= 0 {
			return fmt.Errorf("max-file-size: %d is not a positive size", x)
		}
		return nil
	case string:
		n, err := parseByteSize(x)
		if err != nil {
			return err
		}
		b.n, b.raw = n, strconv.Quote(x)
		return nil
	}
	return fmt.Errorf("max-file-size: want a size in bytes or a string like \"8MiB\", not %v", v)
}

func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1000,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000}[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || mult == 0 || n <= 0 || n > MaxFileSizeLimit {
		return 0, fmt.Errorf("max-file-size: %q is not a size like \"8MiB\" (at most %s)", s, FormatSize(MaxFileSizeLimit))
	}
	return n * mult, nil
}

// KeyLine is the line of key in the configuration file (Source), or 0
// when the value does not come from a line of it (the defaults, a
// --config override).
func (c *Config) KeyLine(key string) int { return c.lines[key] }

func (c *Config) sourceName() string {
	if c.Source == "" {
		return "configuration"
	}
	return c.Source
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
// against Config, so that errors speak of TOML values, not Go types.
func checkTypes(name string, body map[string]any, lines map[string]int) error {
	fields := map[string]reflect.Type{}
	t := reflect.TypeOf(Config{})
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
	at := (&Config{Source: name, lines: lines}).where
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			return &UsageError{fmt.Sprintf("%s: unknown configuration key %s%s", at(k), k, DidYouMean(k, ConfigKeys()))}
		}
		want := configWant[k]
		v := body[k]
		bad := func() error {
			if want == "" {
				want = goTypeWords(ft)
			}
			return &UsageError{fmt.Sprintf("%s: %s must be %s, not %s", at(k), k, want, tomlTypeWords(v))}
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
					return &UsageError{fmt.Sprintf("%s: %s must be %s; item %d is %s", at(k), k, want, i+1, tomlTypeWords(item))}
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
			for _, pat := range sortedAnyKeys(m) {
				list, ok := m[pat].([]any)
				if !ok {
					return &UsageError{fmt.Sprintf("%s: %s %q must be a list of rule IDs, not %s", at(k+"."+pat), k, pat, tomlTypeWords(m[pat]))}
				}
				for i, item := range list {
					if _, ok := item.(string); !ok {
						return &UsageError{fmt.Sprintf("%s: %s %q must be a list of rule IDs; item %d is %s", at(k+"."+pat), k, pat, i+1, tomlTypeWords(item))}
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
		return &UsageError{fmt.Sprintf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)}
	}
	if m := decodeErr.FindStringSubmatch(err.Error()); m != nil {
		key := m[2][strings.LastIndexByte(m[2], '.')+1:]
		return &UsageError{fmt.Sprintf("%s:%s: %s: %s", name, m[1], key, m[3])}
	}
	return &UsageError{fmt.Sprintf("%s: %v", name, err)}
}

func fileExists(fsys FS, p string) bool {
	info, err := fsys.Stat(p)
	return err == nil && !info.IsDir()
}

// Excluded reports whether a project-relative path is excluded by config.
func (c *Config) Excluded(rel string, dir bool) bool {
	return c.exclude != nil && len(c.Exclude) > 0 && c.exclude.MatchesPath(rel, dir)
}

// Enabled reports whether a rule ID is selected by the configuration plus
// the command line's extra selectors.
func Enabled(id string, selects, ignores []string) bool {
	match := func(list []string) bool {
		for _, s := range list {
			if strings.HasPrefix(id, strings.ToUpper(s)) {
				return true
			}
		}
		return false
	}
	if len(selects) > 0 && !match(selects) {
		return false
	}
	return !match(ignores)
}

type perFileIgnore struct {
	match *gitignore.List
	ids   []string
}

// IgnoredIn reports whether per-file-ignores turn rule id off for path.
func (c *Config) IgnoredIn(id, path string) bool {
	for _, p := range c.perFile {
		if p.match.MatchesPath(path, false) && Enabled(id, nil, p.ids) == false {
			return true
		}
	}
	return false
}

// IdentityKeys returns the configured identity headers as environ keys
// (X-Auth-Subject → HTTP_X_AUTH_SUBJECT; HTTP_… and SSL_… keys as given).
func (c *Config) IdentityKeys() map[string]bool {
	out := map[string]bool{}
	for _, h := range c.IdentityHeaders {
		k := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(h), "-", "_"))
		if !strings.HasPrefix(k, "HTTP_") && !strings.HasPrefix(k, "SSL_") {
			k = "HTTP_" + k
		}
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedAnyKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IdentityMiddleware is one [[identity-middleware]] entry: a package whose
// classes, once listed in MIDDLEWARE, AUTHENTICATION_BACKENDS or DRF's
// DEFAULT_AUTHENTICATION_CLASSES, read client identity from headers.
type IdentityMiddleware struct {
	Package string   `toml:"package"`
	Version string   `toml:"version"`
	Classes []string `toml:"classes"` // dotted class paths as the settings list them
	Headers []string `toml:"headers"` // headers (X-Cert-DN) or environ keys (HTTP_X_CERT_DN) it reads
	// Verify is the header it compares with "SUCCESS" before it trusts
	// the others; empty if it checks nothing.
	Verify string `toml:"verify"`
	// Settings maps a header to the Django setting that renames it.
	Settings map[string]string `toml:"settings"`
}
