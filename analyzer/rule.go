package analyzer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/txtar"
)

// Rule is one check. Each rule lives in its own file under rules/, with its
// metadata and documentation next to its code.
type Rule struct {
	ID        string // stable public ID, e.g. DJL401; never reused
	Name      string // kebab-case, e.g. session-cookie-not-secure
	Title     string // one line, used as SARIF shortDescription
	Severity  Severity
	CWE       []int
	Precision Precision
	Tags      []string // extra SARIF tags; "security" is added when the rule names a CWE

	// Documentation, Markdown. WhatItDoes and WhyBad are prose; Example and
	// UseInstead are txtar archives (one or more files) that are both shown
	// in the doc and run by the test suite: Example must trigger the rule,
	// UseInstead must not.
	WhatItDoes string
	WhyBad     string
	Example    string
	UseInstead string
	Notes      string // optional extra Markdown (options, limitations)

	// Requires lists the passes Run uses (with Fact, FileFact or through
	// the project's fields: PythonModules for Project.Python). A run
	// computes only what its rules require.
	Requires []Requirement

	// Run reports findings for the whole project.
	Run func(*Context)
}

// HelpURI is the rule's documentation address.
func (r *Rule) HelpURI() string {
	return InformationURI + "/blob/main/docs/rules.md#" + strings.ToLower(r.ID)
}

// Doc renders the rule's Markdown documentation.
func (r *Rule) Doc() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s (%s)\n\n", r.Name, r.ID)
	fmt.Fprintf(&b, "%s\n\n", r.Title)
	fmt.Fprintf(&b, "Severity: %s · Precision: %s", r.Severity, r.Precision)
	if len(r.CWE) > 0 {
		var cwes []string
		for _, c := range r.CWE {
			cwes = append(cwes, fmt.Sprintf("CWE-%d", c))
		}
		fmt.Fprintf(&b, " · %s", strings.Join(cwes, ", "))
	}
	b.WriteString("\n\n## What it does\n\n")
	b.WriteString(strings.TrimSpace(r.WhatItDoes))
	b.WriteString("\n\n## Why is this bad?\n\n")
	b.WriteString(strings.TrimSpace(r.WhyBad))
	b.WriteString("\n\n## Example\n\n")
	b.WriteString(renderArchive(r.Example))
	b.WriteString("\n## Use instead\n\n")
	b.WriteString(renderArchive(r.UseInstead))
	if n := strings.TrimSpace(r.Notes); n != "" {
		b.WriteString("\n## Notes\n\n")
		b.WriteString(n)
		b.WriteString("\n")
	}
	return b.String()
}

func renderArchive(text string) string {
	a := txtar.Parse([]byte(strings.TrimLeft(text, "\n")))
	var b strings.Builder
	for _, f := range a.Files {
		fmt.Fprintf(&b, "`%s`:\n\n```%s\n%s```\n\n", f.Name, fenceLang(f.Name), string(f.Data))
	}
	return b.String()
}

func fenceLang(name string) string {
	switch {
	case strings.HasSuffix(name, ".py"):
		return "python"
	case strings.Contains(name, "apache2/"), strings.HasSuffix(name, "httpd.conf"), strings.HasSuffix(name, ".htaccess"):
		return "apache"
	case strings.HasSuffix(name, ".conf"), strings.HasSuffix(name, ".conf.template"):
		return "nginx"
	case strings.HasSuffix(name, ".html"):
		return "html+django"
	case strings.HasSuffix(name, "haproxy.cfg"):
		return "haproxy"
	case strings.HasSuffix(name, "Dockerfile"):
		return "dockerfile"
	case strings.HasSuffix(name, "Caddyfile"):
		return "caddyfile"
	case strings.HasSuffix(name, ".toml"):
		return "toml"
	}
	return ""
}

// Families are the rule ID prefixes: DJL for the Django side, NGX nginx,
// APC Apache httpd, HAP HAProxy, CDY Caddy, WSG the app servers.
var Families = []string{"DJL", "NGX", "APC", "HAP", "CDY", "WSG"}

var (
	idPattern   = regexp.MustCompile(`^(DJL|NGX|APC|HAP|CDY|WSG)[0-9]{3}$`)
	namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Validate checks a rule's metadata.
func (r *Rule) Validate() error {
	switch {
	case !idPattern.MatchString(r.ID):
		return fmt.Errorf("rule %q: ID must be a family (DJL, NGX, APC, HAP, CDY, WSG) and three digits, like DJL123", r.ID)
	case !namePattern.MatchString(r.Name):
		return fmt.Errorf("rule %s: name %q is not kebab-case", r.ID, r.Name)
	case r.Title == "":
		return fmt.Errorf("rule %s: missing title", r.ID)
	case r.Precision == "":
		return fmt.Errorf("rule %s: missing precision", r.ID)
	case strings.TrimSpace(r.WhatItDoes) == "", strings.TrimSpace(r.WhyBad) == "":
		return fmt.Errorf("rule %s: missing doc prose", r.ID)
	case len(txtar.Parse([]byte(r.Example)).Files) == 0:
		return fmt.Errorf("rule %s: Example has no files", r.ID)
	case len(txtar.Parse([]byte(r.UseInstead)).Files) == 0:
		return fmt.Errorf("rule %s: UseInstead has no files", r.ID)
	case r.Run == nil:
		return fmt.Errorf("rule %s: no Run", r.ID)
	}
	return nil
}

// Registry holds rules by ID.
type Registry struct {
	mu    sync.Mutex
	rules map[string]*Rule
	names map[string]string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{rules: map[string]*Rule{}, names: map[string]string{}}
}

// Register adds a rule; it panics on invalid metadata or a duplicate ID or
// name, which the test suite turns into a failure.
func (g *Registry) Register(r *Rule) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := r.Validate(); err != nil {
		panic(err)
	}
	if _, dup := g.rules[r.ID]; dup {
		panic("duplicate rule ID " + r.ID)
	}
	if other, dup := g.names[r.Name]; dup {
		panic("rule name " + r.Name + " used by both " + other + " and " + r.ID)
	}
	g.rules[r.ID] = r
	g.names[r.Name] = r.ID
}

// All returns the rules sorted by ID.
func (g *Registry) All() []*Rule {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*Rule, 0, len(g.rules))
	for _, r := range g.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup finds a rule by ID (case-insensitive) or name.
func (g *Registry) Lookup(key string) *Rule {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.rules[strings.ToUpper(key)]; ok {
		return r
	}
	if id, ok := g.names[strings.ToLower(key)]; ok {
		return g.rules[id]
	}
	return nil
}
