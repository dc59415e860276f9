package analyzer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is djleak's project configuration, from `.djleak.toml` or the
// `[tool.djleak]` table of `pyproject.toml` in the project root.
type Config struct {
	// Source names the file the configuration came from ("" for defaults).
	Source string `toml:"-"`

	Select     []string `toml:"select"`      // rule IDs or prefixes (DJL4, NGX1, DJL401); empty means all
	Ignore     []string `toml:"ignore"`      // rule IDs or prefixes to turn off
	Exclude    []string `toml:"exclude"`     // gitignore-style patterns of paths to skip
	NginxRoots []string `toml:"nginx-roots"` // extra directories for resolving nginx includes

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
	// IdentityMiddleware adds packages to the table of published
	// middleware and authentication backends that read identity headers
	// (analyzer/identity KnownPackages).
	IdentityMiddleware []IdentityMiddleware `toml:"identity-middleware"`

	perFile []perFileIgnore

	exclude *ignoreList
}

// configFile mirrors the accepted TOML layout for strict decoding.
type pyproject struct {
	Tool struct {
		Djleak *Config `toml:"djleak"`
	} `toml:"tool"`
}

// LoadConfig reads the project's configuration. Unknown keys and invalid
// values are errors that name the file and the key.
func LoadConfig(root string) (*Config, error) {
	cfg := &Config{}
	if p := filepath.Join(root, ".djleak.toml"); fileExists(p) {
		md, err := toml.DecodeFile(p, cfg)
		if err != nil {
			return nil, configError(p, err)
		}
		if err := undecoded(p, md, ""); err != nil {
			return nil, err
		}
		cfg.Source = ".djleak.toml"
	} else if p := filepath.Join(root, "pyproject.toml"); fileExists(p) {
		var pp pyproject
		md, err := toml.DecodeFile(p, &pp)
		if err != nil {
			return nil, configError(p, err)
		}
		if pp.Tool.Djleak != nil {
			if err := undecoded(p, md, "tool.djleak."); err != nil {
				return nil, err
			}
			cfg = pp.Tool.Djleak
			cfg.Source = "pyproject.toml"
		}
	}
	for _, list := range [][]string{cfg.Select, cfg.Ignore} {
		for _, s := range list {
			if !validSelector(s) {
				return nil, &UsageError{fmt.Sprintf("%s: %q is not a rule ID or prefix (like DJL401, DJL4 or NGX)", cfg.sourceName(), s)}
			}
		}
	}
	for _, pat := range sortedKeys(cfg.PerFileIgnores) {
		ids := cfg.PerFileIgnores[pat]
		for _, id := range ids {
			if !validSelector(id) {
				return nil, &UsageError{fmt.Sprintf("%s: per-file-ignores[%q]: %q is not a rule ID or prefix", cfg.sourceName(), pat, id)}
			}
		}
		cfg.perFile = append(cfg.perFile, perFileIgnore{compileIgnore([]string{pat}), ids})
	}
	for _, h := range cfg.IdentityHeaders {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " \t:") {
			return nil, &UsageError{fmt.Sprintf("%s: identity-headers: %q is not a header name", cfg.sourceName(), h)}
		}
	}
	for i, e := range cfg.IdentityMiddleware {
		switch {
		case strings.TrimSpace(e.Package) == "":
			return nil, &UsageError{fmt.Sprintf("%s: identity-middleware[%d]: package is missing", cfg.sourceName(), i)}
		case len(e.Classes) == 0:
			return nil, &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): classes is missing", cfg.sourceName(), i, e.Package)}
		case len(e.Headers) == 0 && e.Verify == "":
			return nil, &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): headers is missing", cfg.sourceName(), i, e.Package)}
		}
		for _, h := range append(append([]string(nil), e.Headers...), e.Verify) {
			if strings.ContainsAny(h, " \t:") {
				return nil, &UsageError{fmt.Sprintf("%s: identity-middleware[%d] (%s): %q is not a header name", cfg.sourceName(), i, e.Package, h)}
			}
		}
	}
	if m := cfg.SettingsModule; m != "" && (strings.ContainsAny(m, "/ ") || strings.HasSuffix(m, ".py")) {
		return nil, &UsageError{fmt.Sprintf("%s: settings-module: %q should be a dotted module name like mysite.settings.production", cfg.sourceName(), m)}
	}
	if n := cfg.MaxFileSize.n; n < 0 || n > MaxFileSizeLimit {
		return nil, &UsageError{fmt.Sprintf("%s: max-file-size: %s is not between 1 byte and %s", cfg.sourceName(), cfg.MaxFileSize.raw, FormatSize(MaxFileSizeLimit))}
	}
	cfg.exclude = compileIgnore(cfg.Exclude)
	return cfg, nil
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

func (c *Config) sourceName() string {
	if c.Source == "" {
		return "configuration"
	}
	return c.Source
}

func validSelector(s string) bool {
	s = strings.ToUpper(s)
	if len(s) < 3 || len(s) > 6 || !slices.Contains(Families, s[:3]) {
		return false
	}
	for _, r := range s[3:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func undecoded(path string, md toml.MetaData, prefix string) error {
	var bad []string
	for _, k := range md.Undecoded() {
		ks := k.String()
		if prefix == "" || strings.HasPrefix(ks, prefix) {
			bad = append(bad, ks)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return &UsageError{fmt.Sprintf("%s: unknown configuration key %s", filepath.Base(path), strings.Join(bad, ", "))}
}

func configError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &UsageError{fmt.Sprintf("%s:%d:%d: %s", filepath.Base(path), pe.Position.Line, pe.Position.Col, pe.Message)}
	}
	return &UsageError{fmt.Sprintf("%s: %v", filepath.Base(path), err)}
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
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
	match *ignoreList
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
