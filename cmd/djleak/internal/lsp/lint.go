package lsp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/mask"
	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/rules"
)

// snapshot is the state one lint works on.
type snapshot struct {
	gen          uint64
	watched      []string    // files on disk a watcher reported changed
	docs         []*document // copies
	roots        []string
	fallback     string
	explicit     string
	reportUnused bool
}

// takeSnapshot copies the open documents for a lint and makes cancel the
// lint's cancellation, which the next change calls.
func (s *server) takeSnapshot(cancel context.CancelCauseFunc) *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelLint = cancel
	snap := &snapshot{gen: s.gen, watched: s.watched, roots: append([]string(nil), s.roots...), fallback: s.fallback, explicit: s.explicit, reportUnused: s.opts.ReportUnused}
	s.watched = nil
	for _, d := range s.docs {
		c := *d
		c.text = append([]byte(nil), d.text...)
		snap.docs = append(snap.docs, &c)
	}
	sort.Slice(snap.docs, func(i, j int) bool { return snap.docs[i].uri < snap.docs[j].uri })
	return snap
}

// testHookAfterAnalyze, when set by a test, runs between a lint's analysis
// and its publication.
var testHookAfterAnalyze func(s *server, gen uint64)

// lint analyses the snapshot of the open documents and publishes
// diagnostics for every one of them, unless a change arrived meanwhile: the
// change cancels the analysis, and nothing of a cancelled lint is published.
func (s *server) lint() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	snap := s.takeSnapshot(cancel)
	s.logf("lint generation %d: %d open documents", snap.gen, len(snap.docs))
	diags, errs := analyze(ctx, snap, s.caches, s.logf)
	if ctx.Err() != nil {
		s.logf("lint generation %d %v; nothing published", snap.gen, context.Cause(ctx))
		return
	}
	roots := make([]string, 0, len(s.caches))
	for root := range s.caches {
		roots = append(roots, root)
	}
	sort.Strings(roots)
	for _, root := range roots {
		n, hits := s.caches[root].parse.Stats()
		disk := s.caches[root].disk
		walks, reads := disk.Stats()
		s.logf("parse cache %s: %d files, %d parses saved so far; %d walks, %d file reads and %d stamps examined so far", root, n, hits, walks, reads, disk.Examined())
	}
	if testHookAfterAnalyze != nil {
		testHookAfterAnalyze(s, snap.gen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != snap.gen || s.shutdown {
		s.logf("lint generation %d is stale (now %d); dropped", snap.gen, s.gen)
		return
	}
	for _, d := range snap.docs {
		list, ok := diags[d.uri]
		if !ok {
			// Its project did not load: keep what the client shows
			// rather than flash it empty; the error is shown below.
			continue
		}
		v := d.version
		s.published[d.uri] = list
		s.out.notify("textDocument/publishDiagnostics", &PublishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: list})
	}
	shown := map[string]bool{}
	for _, msg := range errs {
		shown[msg] = true
		if !s.shownErrors[msg] {
			s.out.notify("window/showMessage", &ShowMessageParams{Type: MessageError, Message: msg})
		}
	}
	s.shownErrors = shown
}

// rootCache is what the server keeps between lints of one project root:
// parsed Python files, the files on disk (walk and contents) with the
// stamps that vouch for them, and the last project's pass results.
type rootCache struct {
	parse *driver.ParseCache
	disk  *driver.DiskState
	// prev is the last project loaded: the next load takes from it the
	// results of passes whose inputs did not change.
	prev *analyzer.Project
}

// group is the open documents of one project root.
type group struct {
	root string
	docs []*document
}

// analyze lints every project that has open documents. It returns the
// diagnostics of each document whose project loaded (an empty list for a
// clean one, or one djleak does not analyse) and the load errors.
//
// caches holds a parse cache and a disk state per project root, kept
// between lints (only the lint worker uses it).
func analyze(ctx context.Context, snap *snapshot, caches map[string]*rootCache, logf func(string, ...any)) (map[string][]Diagnostic, []string) {
	// What the watchers reported is applied first, whatever happens to
	// this lint: the next one must not trust what was known about them.
	for _, p := range snap.watched {
		real := realPath(p)
		for root, c := range caches {
			if within(realPath(root), real) {
				c.disk.Changed(real)
			}
		}
	}
	out := map[string][]Diagnostic{}
	var errs []string
	groups := map[string]*group{}
	var order []string
	for _, d := range snap.docs {
		if d.path == "" {
			out[d.uri] = []Diagnostic{}
			continue
		}
		root := rootFor(snap, d.path)
		g := groups[root]
		if g == nil {
			g = &group{root: root}
			groups[root] = g
			order = append(order, root)
		}
		g.docs = append(g.docs, d)
	}
	sort.Strings(order)
	for _, root := range order {
		g := groups[root]
		if caches[g.root] == nil {
			caches[g.root] = &rootCache{parse: driver.NewParseCache(), disk: driver.NewDiskState()}
		}
		res, err := analyzeGroup(ctx, g, snap.reportUnused, caches[g.root], logf)
		if errors.Is(err, context.Canceled) {
			return nil, nil // the caller publishes nothing
		}
		if err != nil {
			errs = append(errs, "djleak: "+err.Error())
			continue
		}
		for _, d := range g.docs {
			list := res[d.uri]
			if list == nil {
				list = []Diagnostic{}
			}
			out[d.uri] = list
		}
	}
	return out, errs
}

// rootFor picks the project root of a file: --root when it contains the
// file; else the root `djleak check --stdin-filename FILE -` would find for
// it (the nearest .djleak.toml or pyproject.toml with [tool.djleak], the git
// top level, manage.py), so the editor and the command line judge a file
// against the same project; else, when no project marker is found, the
// deepest workspace folder that contains the file, else the root found from
// the first opened file, else the file's directory.
func rootFor(snap *snapshot, p string) string {
	if snap.explicit != "" && within(snap.explicit, p) {
		return snap.explicit
	}
	root, found := driver.FindRootFor([]string{p})
	if found {
		return root
	}
	best := ""
	for _, r := range append(append([]string(nil), snap.roots...), snap.fallback) {
		if r != "" && within(r, p) && len(r) > len(best) {
			best = r
		}
	}
	if best == "" {
		best = root
	}
	return best
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath resolves symbolic links in p, or in its deepest existing
// ancestor when p (an unsaved buffer) does not exist.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	dir := filepath.Dir(p)
	if dir == p {
		return p
	}
	return filepath.Join(realPath(dir), filepath.Base(p))
}

// analyzeGroup loads one project with every open buffer as an overlay,
// names the open documents it analyses as the paths (so, as with
// `djleak check FILE`, they are analysed even when excluded, and only their
// findings are computed), runs the configured rules and converts the
// findings into diagnostics by URI.
func analyzeGroup(ctx context.Context, g *group, reportUnused bool, cache *rootCache, logf func(string, ...any)) (res map[string][]Diagnostic, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error: %v\n%s", v, debug.Stack())
		}
	}()
	root := realPath(g.root)
	overlay := map[string][]byte{}
	byRel := map[string]*document{}
	var paths []string
	for _, d := range g.docs {
		real := realPath(d.path)
		rel, err := filepath.Rel(root, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		rel = filepath.ToSlash(rel)
		overlay[real] = d.text
		if !lintable(rel, d.text) {
			continue
		}
		byRel[rel] = d
		paths = append(paths, real)
	}
	res = map[string][]Diagnostic{}
	if len(paths) == 0 {
		return res, nil
	}
	proj, err := driver.LoadContext(ctx, driver.Options{Paths: paths, Root: root, Overlay: overlay, Cache: cache.parse, Disk: cache.disk, Previous: cache.prev, Carry: true})
	if err != nil {
		return nil, err
	}
	cache.prev = proj
	logf("project %s loaded: %d files; running the rules, with the results of %d unchanged passes (%s) kept", proj.Root, len(proj.Files), len(proj.ReusedPasses()), strings.Join(proj.ReusedPasses(), ", "))
	enabled := rules.Select(proj.Config.Select, proj.Config.Ignore)
	findings, err := analyzer.RunContext(ctx, proj, enabled, analyzer.RunOptions{ReportUnused: reportUnused})
	if err != nil {
		return nil, err
	}
	uriOf := func(rel string) string {
		if d := byRel[rel]; d != nil {
			return d.uri
		}
		return fileURI(filepath.Join(proj.Root, filepath.FromSlash(rel)))
	}
	var secrets []string
	for _, f := range findings {
		secrets = append(secrets, f.Secrets...)
	}
	mk := mask.New(secrets, proj.Config.ExtraTokenNames)
	for _, f := range findings {
		if f.Suppressed != nil {
			continue
		}
		if d := byRel[f.Location.Path]; d != nil {
			res[d.uri] = append(res[d.uri], toDiagnostic(f, uriOf, mk))
		}
		// A cross-file finding also shows in every other open file that
		// holds one of its related or code-flow locations.
		for _, m := range mirrors(f, byRel, uriOf, mk) {
			res[m.uri] = append(res[m.uri], m.diag)
		}
	}
	// A template branch left out of the parse is not analysed: the
	// command line says so on standard error, the editor on the branch.
	for _, b := range proj.LeftOut {
		if d := byRel[b.Loc.Path]; d != nil {
			res[d.uri] = append(res[d.uri], Diagnostic{Range: toRange(b.Loc), Severity: SeverityInformation, Source: "djleak", Message: b.Message()})
		}
	}
	return res, nil
}

type mirrored struct {
	uri  string
	diag Diagnostic
}

// mirrors shows a finding reported in one file in the open files that hold
// its other locations: an NGX202 finding sits on the nginx location (where
// the fix goes), but the developer who just wrote the unguarded read has the
// middleware open. In each such file the diagnostic is at the first related
// location there (else the first code-flow step there), its message says
// where the finding is reported, and its related information leads with
// the finding's own location, followed by the finding's related locations.
func mirrors(f *analyzer.Finding, byRel map[string]*document, uriOf func(string) string, mk *mask.Masker) []mirrored {
	var out []mirrored
	done := map[string]bool{f.Location.Path: true}
	var locs []source.Location
	for _, r := range f.Related {
		locs = append(locs, r.Location)
	}
	for _, s := range f.Flow {
		locs = append(locs, s.Location)
	}
	for _, l := range locs {
		d := byRel[l.Path]
		if d == nil || done[l.Path] {
			continue
		}
		done[l.Path] = true
		primary := uriOf(f.Location.Path)
		diag := toDiagnostic(f, uriOf, mk)
		diag.Range = toRange(l)
		where := fmt.Sprintf("%s:%d:%d", f.Location.Path, f.Location.Start.Line, f.Location.Start.Column)
		diag.Message = fmt.Sprintf("%s (reported at %s, where the fix goes)", mk.Text(f.Message), where)
		diag.RelatedInformation = append([]DiagnosticRelatedInformation{{
			Location: Location{URI: primary, Range: toRange(f.Location)},
			Message:  "the finding is reported here: " + where,
		}}, diag.RelatedInformation...)
		diag.Data = &DiagnosticData{ReportedAt: primary}
		out = append(out, mirrored{uri: d.uri, diag: diag})
	}
	return out
}

// lintable mirrors what `djleak check FILE` analyses for a named file.
func lintable(rel string, text []byte) bool {
	if analyzer.Classify(rel, func() []byte { return text }) != analyzer.KindUnknown {
		return true
	}
	switch path.Ext(rel) {
	case ".html", ".txt":
		return true
	}
	return analyzer.NamedKind(rel) != analyzer.KindUnknown
}

// toDiagnostic converts a finding, with its message and related messages
// masked.
func toDiagnostic(f *analyzer.Finding, uriOf func(string) string, m *mask.Masker) Diagnostic {
	d := Diagnostic{
		Range:   toRange(f.Location),
		Code:    f.RuleID,
		Source:  "djleak",
		Message: m.Text(f.Message),
	}
	switch f.Severity {
	case analyzer.Error:
		d.Severity = SeverityError
	case analyzer.Warning:
		d.Severity = SeverityWarning
	default:
		d.Severity = SeverityInformation
	}
	if r := rules.Lookup(f.RuleID); r != nil {
		d.CodeDescription = &CodeDescription{Href: r.HelpURI()}
	}
	for _, rel := range f.Related {
		if rel.Location.Path == "" || strings.HasPrefix(rel.Location.Path, "<") {
			continue // built-in files such as <proxy_params> have no URI
		}
		d.RelatedInformation = append(d.RelatedInformation, DiagnosticRelatedInformation{
			Location: Location{URI: uriOf(rel.Location.Path), Range: toRange(rel.Location)},
			Message:  m.Text(rel.Message),
		})
	}
	return d
}

// toRange converts a 1-based, UTF-16-column location into an LSP range.
func toRange(l source.Location) Range {
	start := toPosition(l.Start)
	end := start
	if l.End.Line > 0 {
		end = toPosition(l.End)
	}
	if end.Line < start.Line || (end.Line == start.Line && end.Character < start.Character) {
		end = start
	}
	return Range{Start: start, End: end}
}

func toPosition(p source.Pos) Position {
	col := p.UTF16Col
	if col < 1 {
		col = p.Column // a location built by hand, without UTF-16 columns
	}
	return Position{Line: max(p.Line-1, 0), Character: max(col-1, 0)}
}

// readDisk is the content of a file that is not open.
func readDisk(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}
