// Package trustmap builds the picture a reviewer draws by hand of a
// deployment's client-certificate trust: for every route the front end
// passes to the application (rows, grouped by listener), and every identity
// header or environment key the front end sets or the Django code reads
// (columns), what the application receives — a value from a verified
// certificate, one from an unverified certificate, nothing, or whatever the
// client sends.
//
// The map is built on the proxy-neutral front-end model only, so it covers
// every front end that has an adapter. Cells link to the findings djleak
// reports for that route and name.
package trustmap

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/source"
)

// Map is the trust map of a project: one matrix per deployment.
type Map struct {
	Deployments []*Deployment
	// Unread lists the findings that say djleak could not read part of the
	// project (a syntax error, an include it cannot find): what those
	// parts configure is missing from the map.
	Unread []*analyzer.Finding
	// Root is the absolute project root; locations are relative to it.
	Root string
	// Cwd, when set, is the absolute directory the text and JSON forms
	// print paths relative to (the working directory, as Ruff does); when
	// empty they print project-relative paths.
	Cwd string
}

// Deployment is the matrix of one deployment (frontend.Route.Deployment).
type Deployment struct {
	Name    string // "" when the project has a single deployment
	Columns []*Column
	Groups  []*Group
	// Answered lists routes the front end answers itself before passing
	// (nginx `return 444` in front of proxy_pass): they never reach the
	// application, so they are not rows.
	Answered []*frontend.Route
}

// Column is one identity name.
type Column struct {
	// Key is the environ key as Django reads it (HTTP_X_CLIENT_DN,
	// SSL_CLIENT_VERIFY).
	Key string
	// Header is the header a client sends for HTTP_* keys ("X-Client-DN");
	// "" for environment keys.
	Header string
	// Reads are the Django reads of the key, in file order.
	Reads []Read
}

// Read is one Django read of a column's key, with the findings djleak
// reports at it (DJL302 for a guard that proves nothing, …).
type Read struct {
	identity.Read
	Findings []*analyzer.Finding
}

// Title is the column heading: the header name, or the environment key.
func (c *Column) Title() string {
	if c.Header != "" {
		return c.Header
	}
	return c.Key
}

// Group is the routes that accept requests on the same listeners.
type Group struct {
	Label     string
	Listeners []frontend.Listener
	Rows      []*Row
}

// Row is one route to the application.
type Row struct {
	Route *frontend.Route
	// Label is the route's name, prefixed with its front end when the
	// deployment has several.
	Label string
	Cells []*Cell // one per column, in column order
}

// Cell is what one route sends the application under one key.
type Cell struct {
	Name frontend.Name
	// At is the configuration line that decides the value: the directive
	// that sets or clears it, or the route itself when nothing mentions it.
	At source.Location
	// Findings are djleak's findings for this route and key.
	Findings []*analyzer.Finding
}

// Forgeable reports whether a client decides the value the app reads.
func (c *Cell) Forgeable() bool { return c.Name.Forgeable() }

// Label is the cell text ("client can forge", …).
func (c *Cell) Label() string {
	if c.Name.Source != frontend.Forgeable && c.Name.Underscore != nil {
		return frontend.Forgeable.Label()
	}
	return c.Name.Source.Label()
}

// Note explains the verdict in a sentence, when the model gives a reason.
func (c *Cell) Note() string {
	var parts []string
	if c.Name.Why != "" {
		parts = append(parts, c.Name.Why)
	}
	if c.Name.Condition != "" {
		parts = append(parts, "decided by "+c.Name.Condition)
	}
	if c.Name.Underscore != nil {
		parts = append(parts, fmt.Sprintf("besides %s, a client's underscore spelling of the header reaches the app (%s:%d)", c.Name.Source.Label(), filepath.Base(c.Name.Underscore.Path), c.Name.Underscore.Start.Line))
	}
	if c.Name.Optional {
		parts = append(parts, "requests without a certificate also reach the route; they carry an empty value")
	}
	return strings.Join(parts, "; ")
}

// Build draws the map from the project's front-end model and identity
// reads. findings are the results of a djleak run of rules on the same
// project; each is attached to the cells it is about.
func Build(p *analyzer.Project, findings []*analyzer.Finding, rules []*analyzer.Rule) *Map {
	model := analyzer.Fact(p, frontend.Pass)
	reads := analyzer.Fact(p, identity.Pass).Reads
	extra := p.Config.IdentityKeys()

	var names []string
	byName := map[string][]*frontend.Route{}
	for _, r := range model.Routes {
		if _, ok := byName[r.Deployment]; !ok {
			names = append(names, r.Deployment)
		}
		byName[r.Deployment] = append(byName[r.Deployment], r)
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{""} // Django reads with no front end still get a map
	}
	m := &Map{Unread: unread(findings, rules), Root: p.Root}
	for _, name := range names {
		m.Deployments = append(m.Deployments, buildDeployment(name, byName[name], reads, extra, findings))
	}
	return m
}

func buildDeployment(name string, routes []*frontend.Route, reads []identity.Read, extra map[string]bool, findings []*analyzer.Finding) *Deployment {
	d := &Deployment{Name: name}
	var passing []*frontend.Route
	for _, r := range routes {
		if r.Answered != nil {
			d.Answered = append(d.Answered, r)
			continue
		}
		passing = append(passing, r)
	}

	// Columns: every identity name a route mentions (or fills from a
	// certificate), every configured identity header, every Django read.
	cols := map[string]*Column{}
	add := func(k string) *Column {
		c, ok := cols[k]
		if !ok {
			c = &Column{Key: k, Header: frontend.HeaderName(k)}
			cols[k] = c
		}
		return c
	}
	for _, r := range passing {
		for _, k := range r.Keys() {
			// A param named like a header (uwsgi_param X-Client-Verify)
			// counts by its header form.
			if identity.IsIdentityKey(k) || identity.IsIdentityKey(identity.Canonical(k, true)) || extra[k] {
				add(k)
			} else if s := r.Lookup(k).Source; s == frontend.Verified || s == frontend.Unverified {
				add(k)
			}
		}
	}
	for k := range extra {
		add(k)
	}
	for _, rd := range reads {
		c := add(rd.Name)
		r := Read{Read: rd}
		for _, f := range findings {
			if sameStart(f.Location, []source.Location{rd.Loc}) {
				r.Findings = append(r.Findings, f)
			}
		}
		analyzer.SortFindings(r.Findings)
		c.Reads = append(c.Reads, r)
	}
	for _, c := range cols {
		d.Columns = append(d.Columns, c)
	}
	sort.Slice(d.Columns, func(i, j int) bool { return d.Columns[i].Key < d.Columns[j].Key })

	fronts := map[frontend.Kind]bool{}
	for _, r := range passing {
		fronts[r.Front] = true
	}
	own := owners(passing, findings)
	groups := map[string]*Group{}
	for _, r := range passing {
		label := groupLabel(r.Listeners)
		g, ok := groups[label]
		if !ok {
			g = &Group{Label: label, Listeners: sortedListeners(r.Listeners)}
			groups[label] = g
			d.Groups = append(d.Groups, g)
		}
		row := &Row{Route: r, Label: r.Label}
		if len(fronts) > 1 {
			row.Label = r.Front.Title() + " " + r.Label
		}
		for _, c := range d.Columns {
			n := r.Lookup(c.Key)
			cell := &Cell{Name: n, At: n.At}
			if cell.At.IsZero() {
				cell.At = r.At
			}
			cell.Findings = findingsFor(r, n, c, findings, own)
			row.Cells = append(row.Cells, cell)
		}
		g.Rows = append(g.Rows, row)
	}
	sort.SliceStable(d.Groups, func(i, j int) bool { return groupLess(d.Groups[i], d.Groups[j]) })
	return d
}

// paths renders project-relative paths relative to cwd (unchanged when cwd
// is empty, and for built-in files such as "<builtin>/proxy_params").
type paths struct{ root, cwd string }

// newPaths resolves symbolic links in both directories once, so that
// paths relative to them are comparable.
func newPaths(root, cwd string) paths {
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if c, err := filepath.EvalSymlinks(cwd); err == nil {
		cwd = c
	}
	return paths{root, cwd}
}

func (ps paths) rel(p string) string {
	if ps.cwd == "" || ps.root == "" || p == "" || strings.HasPrefix(p, "<") {
		return p
	}
	out, err := filepath.Rel(ps.cwd, filepath.Join(ps.root, filepath.FromSlash(p)))
	if err != nil {
		return p
	}
	return filepath.ToSlash(out)
}

// at renders a location as path:line.
func (ps paths) at(l source.Location) string {
	if l.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s:%d", ps.rel(l.Path), l.Start.Line)
}

// unread picks the findings of the rules that report files or includes
// djleak could not read (DJL001, NGX001, NGX002, HAP001, …).
func unread(findings []*analyzer.Finding, rules []*analyzer.Rule) []*analyzer.Finding {
	ids := map[string]bool{}
	for _, r := range rules {
		if strings.HasSuffix(r.Name, "-syntax-error") || strings.HasSuffix(r.Name, "-include-not-found") {
			ids[r.ID] = true
		}
	}
	var out []*analyzer.Finding
	for _, f := range findings {
		if ids[f.RuleID] {
			out = append(out, f)
		}
	}
	analyzer.SortFindings(out)
	return out
}

// groupLess orders groups by their first listener's address, TLS before
// plain, then by label.
func groupLess(a, b *Group) bool {
	ka, kb := groupKey(a), groupKey(b)
	if ka != kb {
		return ka < kb
	}
	return a.Label < b.Label
}

func groupKey(g *Group) string {
	if len(g.Listeners) == 0 {
		return "~"
	}
	l := g.Listeners[0]
	tls := "1"
	if l.TLS {
		tls = "0"
	}
	return tls + l.Addr
}

func sortedListeners(ls []frontend.Listener) []frontend.Listener {
	out := append([]frontend.Listener(nil), ls...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TLS != out[j].TLS {
			return out[i].TLS
		}
		return out[i].Addr < out[j].Addr
	})
	return out
}

// ListenerLabel describes a listener: "*:443 TLS, client certificate
// required (CA /etc/ssl/ca.pem)", "*:80 plain HTTP".
func ListenerLabel(l frontend.Listener) string {
	if !l.TLS {
		return l.Addr + " plain HTTP"
	}
	s := l.Addr + " TLS, "
	switch l.ClientCert {
	case frontend.CertRequire:
		s += "client certificate required"
	case frontend.CertOptional:
		s += "client certificate optional"
	case frontend.CertOptionalNoCA:
		s += "client certificate not verified"
	default:
		s += "no client certificate"
	}
	if l.CA != "" && l.ClientCert != frontend.CertNone {
		s += " (CA " + l.CA + ")"
	}
	return s
}

func groupLabel(ls []frontend.Listener) string {
	if len(ls) == 0 {
		return "listener unknown"
	}
	var parts []string
	seen := map[string]bool{}
	for _, l := range sortedListeners(ls) {
		if s := ListenerLabel(l); !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " + ")
}

// findingsFor picks the findings about route r and one key: those reported
// at the route, at the directive that decides the key, or at a shadowed
// setting of it, whose message names the key (its header, its spelling in
// the configuration, or the environ key).
func findingsFor(r *frontend.Route, n frontend.Name, c *Column, findings []*analyzer.Finding, own map[*analyzer.Finding]*frontend.Route) []*analyzer.Finding {
	at := []source.Location{r.At, n.At}
	at = append(at, n.Shadowed...)
	if n.Underscore != nil {
		at = append(at, *n.Underscore)
	}
	var spellings []string
	for _, s := range []string{c.Header, n.Written, c.Key} {
		if s != "" {
			spellings = append(spellings, s)
		}
	}
	var out []*analyzer.Finding
	for _, f := range findings {
		if !sameStart(f.Location, at) || !mentions(f.Message, spellings) {
			continue
		}
		if o, ok := own[f]; ok && o != r {
			continue
		}
		out = append(out, f)
	}
	analyzer.SortFindings(out)
	return out
}

// owners decides, for findings reported where several routes start (an
// HAProxy frontend that routes to two backends), which route each is about:
// the route whose label starts the finding's key (the front-end rules key
// findings by route label), else the route named first in the message.
// Findings it cannot place are absent and count for every such route.
func owners(routes []*frontend.Route, findings []*analyzer.Finding) map[*analyzer.Finding]*frontend.Route {
	out := map[*analyzer.Finding]*frontend.Route{}
	for _, f := range findings {
		var peers []*frontend.Route
		for _, r := range routes {
			if sameStart(f.Location, []source.Location{r.At}) {
				peers = append(peers, r)
			}
		}
		if len(peers) < 2 {
			continue
		}
		var best *frontend.Route
		for _, r := range peers {
			if r.Label != "" && strings.HasPrefix(f.Key, r.Label+" ") && (best == nil || len(r.Label) > len(best.Label)) {
				best = r
			}
		}
		if best == nil {
			pos := -1
			for _, r := range peers {
				i := strings.Index(f.Message, r.Label)
				if r.Label == "" || i < 0 {
					continue
				}
				if best == nil || i < pos || (i == pos && len(r.Label) > len(best.Label)) {
					best, pos = r, i
				}
			}
		}
		if best != nil {
			out[f] = best
		}
	}
	return out
}

func sameStart(l source.Location, at []source.Location) bool {
	for _, a := range at {
		if !a.IsZero() && a.Path == l.Path && a.Start.Line == l.Start.Line && a.Start.Column == l.Start.Column {
			return true
		}
	}
	return false
}

// nameChar is a character that can continue a header or key name, so that
// "X-Client" does not match inside "X-Client-DN".
var nameChar = regexp.MustCompile(`^[A-Za-z0-9_-]`)

// mentions reports whether msg names one of the spellings as a whole word,
// ignoring case.
func mentions(msg string, spellings []string) bool {
	lower := strings.ToLower(msg)
	for _, s := range spellings {
		s = strings.ToLower(s)
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], s)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(s)
			before := start == 0 || !nameChar.MatchString(lower[start-1:start])
			after := end == len(lower) || !nameChar.MatchString(lower[end:])
			if before && after {
				return true
			}
			from = start + 1
		}
	}
	return false
}

// Counts summarises a deployment: routes, names, forgeable cells, and how
// many of those djleak reports.
type Counts struct {
	Routes, Names, Forgeable, Reported int
}

// Sentence says the counts: "1 route, 3 identity names: 3 cells a client
// can forge, 3 reported by djleak." mark decorates the forgeable count.
func (c Counts) Sentence(mark func(string) string) string {
	return fmt.Sprintf("%s, %s: %s a client can forge, %d reported by djleak.",
		plural(c.Routes, "route", "routes"), plural(c.Names, "identity name", "identity names"), mark(plural(c.Forgeable, "cell", "cells")), c.Reported)
}

// Counts totals the deployment's matrix.
func (d *Deployment) Counts() Counts {
	c := Counts{Names: len(d.Columns)}
	for _, g := range d.Groups {
		c.Routes += len(g.Rows)
		for _, r := range g.Rows {
			for _, cell := range r.Cells {
				if cell.Forgeable() {
					c.Forgeable++
					if active(cell.Findings) {
						c.Reported++
					}
				}
			}
		}
	}
	return c
}

// active reports whether some finding is not suppressed.
func active(fs []*analyzer.Finding) bool {
	for _, f := range fs {
		if f.Suppressed == nil {
			return true
		}
	}
	return false
}
