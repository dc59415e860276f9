package analyzer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

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

	// Lines maps a key ("select", "per-file-ignores.tests/**") to its line
	// in the configuration file (Source), for error messages and KeyLine;
	// the driver that reads the file sets it.
	Lines map[string]int `toml:"-"`
}

// KnownRules lists every rule; package rules sets it. Configuration
// selectors are checked against it and rule names become IDs.
var KnownRules func() []*Rule

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

// DefaultConfig is the configuration of a project without one.
func DefaultConfig() *Config {
	c := &Config{}
	if err := c.Compile(); err != nil {
		panic(err) // cannot happen: nothing to check
	}
	return c
}

// Check validates values whose type is right: header names, module names,
// directories, and (when KnownRules is set) rule selectors, which become
// IDs. Errors name where the value is (Source and Lines).
func (c *Config) Check(root string) error {
	for _, h := range c.IdentityHeaders {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " \t:") {
			return &UsageError{fmt.Sprintf("%s: identity-headers: %q is not a header name", c.Where("identity-headers"), h)}
		}
	}
	for i, e := range c.IdentityMiddleware {
		at := c.Where("identity-middleware")
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
		return &UsageError{fmt.Sprintf("%s: settings-module: %q should be a dotted module name like mysite.settings.production", c.Where("settings-module"), m)}
	}
	for _, d := range c.NginxRoots {
		full := d
		if !filepath.IsAbs(full) {
			full = filepath.Join(root, filepath.FromSlash(d))
		}
		if info, err := os.Stat(full); err != nil || !info.IsDir() {
			return &UsageError{fmt.Sprintf("%s: nginx-roots: %q is not a directory of the project", c.Where("nginx-roots"), d)}
		}
	}
	if n := c.MaxFileSize.n; n < 0 || n > MaxFileSizeLimit {
		return &UsageError{fmt.Sprintf("%s: max-file-size: %s is not between 1 byte and %s", c.Where("max-file-size"), c.MaxFileSize.raw, FormatSize(MaxFileSizeLimit))}
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
				return &UsageError{fmt.Sprintf("%s: %s: %v", c.Where(key), key, err)}
			}
			(*list)[i] = id
		}
	}
	for _, pat := range sortedKeys(c.PerFileIgnores) {
		ids := c.PerFileIgnores[pat]
		for i, s := range ids {
			id, err := ResolveSelector(s, all)
			if err != nil {
				return &UsageError{fmt.Sprintf("%s: per-file-ignores %q: %v", c.Where("per-file-ignores."+pat), pat, err)}
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
		c.Where("settings-module"), m, strings.ReplaceAll(m, ".", "/"), strings.ReplaceAll(m, ".", "/"))}
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
func (c *Config) Where(key string) string {
	name := c.sourceName()
	if n := c.Lines[key]; n > 0 {
		return name + ":" + strconv.Itoa(n)
	}
	if i := strings.IndexByte(key, '.'); i > 0 {
		if n := c.Lines[key[:i]]; n > 0 {
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
func (c *Config) KeyLine(key string) int { return c.Lines[key] }

func (c *Config) sourceName() string {
	if c.Source == "" {
		return "configuration"
	}
	return c.Source
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
