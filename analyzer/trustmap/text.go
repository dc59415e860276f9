package trustmap

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/analyzer/report"
)

// The terminal form: one table per deployment, a section per listener
// group, the Django reads under their columns.
//
//	*:443 TLS, client certificate required (CA /etc/ssl/certs/ca-chain.pem)
//	  ROUTE                               AT                 X-Client-DN
//	  server api.example.com, location /  nginx/api.conf:13  client can forge [NGX201]
//	  Django reads                                           mysite/middleware.py:13 guarded
//
//	1 route, 3 identity names: 3 cells a client can forge, 3 reported by djleak.

// TextOptions controls the terminal form.
type TextOptions struct {
	Color bool
	// Width is the terminal width; a table wider than it is printed one
	// route per paragraph instead. 0 means no limit.
	Width int
}

type textPalette struct{ on bool }

func (p textPalette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p textPalette) source(s frontend.Source, forgeable bool, text string) string {
	if forgeable {
		return p.wrap("1;31", text)
	}
	switch s {
	case frontend.Verified:
		return p.wrap("32", text)
	case frontend.Unverified:
		return p.wrap("33", text)
	}
	return p.wrap("2", text)
}

func (p textPalette) guard(g identity.GuardState, text string) string {
	switch g {
	case identity.Correct:
		return p.wrap("32", text)
	case identity.Wrong:
		return p.wrap("33", text)
	}
	return p.wrap("31", text)
}

// guardText says how a read is guarded: "guarded", "unguarded
// (RemoteUserMiddleware)".
func guardText(rd identity.Read) string {
	s := rd.Guard.State.String()
	if rd.Via != "" {
		s += " (" + rd.Via + ")"
	}
	return s
}

// WriteText writes the map as terminal tables.
func (m *Map) WriteText(w io.Writer, opts TextOptions) error {
	ew := &errWriter{w: w}
	p := textPalette{on: opts.Color}
	ps := newPaths(m.Root, m.Cwd)
	for i, d := range m.Deployments {
		if i > 0 {
			ew.printf("\n")
		}
		if d.Name != "" || len(m.Deployments) > 1 {
			ew.printf("%s\n\n", p.wrap("1", "Deployment "+clean(deploymentName(d))))
		}
		d.writeText(ew, p, ps, opts.Width)
	}
	if len(m.Unread) > 0 {
		ew.printf("\n%s the map leaves out what djleak could not read:\n", p.wrap("1;33", "Incomplete:"))
		for _, f := range m.Unread {
			ew.printf("  %s:%d:%d: %s %s\n", clean(ps.rel(f.Location.Path)), f.Location.Start.Line, f.Location.Start.Column, f.RuleID, clean(f.Message))
		}
	}
	return ew.err
}

func deploymentName(d *Deployment) string {
	if d.Name == "" {
		return "(default)"
	}
	return d.Name
}

type textCell struct {
	plain, shown string
}

// clean makes text from the project safe to print in a table cell.
func clean(s string) string {
	return strings.ReplaceAll(report.Printable(s), "\t", " ")
}

func (d *Deployment) writeText(ew *errWriter, p textPalette, ps paths, width int) {
	if len(d.Columns) == 0 && len(d.Groups) == 0 {
		ew.printf("No route passes to the application and the Django code reads no identity header or key.\n")
		return
	}
	plainCell := func(s string) textCell { s = clean(s); return textCell{s, s} }
	header := []textCell{plainCell("ROUTE"), plainCell("AT")}
	for _, c := range d.Columns {
		header = append(header, textCell{clean(c.Title()), p.wrap("1", clean(c.Title()))})
	}
	header[0].shown, header[1].shown = p.wrap("1", "ROUTE"), p.wrap("1", "AT")

	type section struct {
		title string
		rows  [][]textCell
	}
	var sections []section
	for _, g := range d.Groups {
		s := section{title: clean(g.Label)}
		for _, r := range g.Rows {
			row := []textCell{plainCell(r.Label), plainCell(ps.at(r.Route.At))}
			for _, c := range r.Cells {
				text := clean(c.Label() + ruleRefs(c.Findings))
				row = append(row, textCell{text, p.source(c.Name.Source, c.Forgeable(), text)})
			}
			s.rows = append(s.rows, row)
		}
		sections = append(sections, s)
	}
	// Django reads, under their columns: line i holds each column's i-th read.
	var reads [][]textCell
	for i := 0; ; i++ {
		row := []textCell{plainCell(""), plainCell("")}
		any := false
		for _, c := range d.Columns {
			if i < len(c.Reads) {
				any = true
				rl := clean(ps.at(c.Reads[i].Loc) + " " + guardText(c.Reads[i].Read) + ruleRefs(c.Reads[i].Findings))
				row = append(row, textCell{rl, p.guard(c.Reads[i].Guard.State, rl)})
			} else {
				row = append(row, plainCell(""))
			}
		}
		if !any {
			break
		}
		if i == 0 {
			row[0] = textCell{"Django reads", p.wrap("1", "Django reads")}
		}
		reads = append(reads, row)
	}
	if len(reads) == 0 {
		row := []textCell{{"Django reads", p.wrap("1", "Django reads")}, plainCell("none")}
		for range d.Columns {
			row = append(row, plainCell(""))
		}
		reads = append(reads, row)
	}

	widths := make([]int, len(header))
	measure := func(row []textCell) {
		for i, c := range row {
			if n := utf8.RuneCountInString(c.plain); n > widths[i] {
				widths[i] = n
			}
		}
	}
	measure(header)
	for _, s := range sections {
		for _, r := range s.rows {
			measure(r)
		}
	}
	for _, r := range reads {
		measure(r)
	}
	line := func(row []textCell) {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range row {
			b.WriteString(c.shown)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.plain)+2))
			}
		}
		ew.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
	total := 2
	for _, w := range widths {
		total += w + 2
	}
	if len(sections) == 0 {
		ew.printf("%s\n", p.wrap("1", "No route passes to the application"))
	}
	if width > 0 && total-2 > width {
		// Too wide for the terminal: one paragraph per route, one line per
		// name, then the reads by name.
		nameWidth := 0
		for _, h := range header[2:] {
			nameWidth = max(nameWidth, utf8.RuneCountInString(h.plain))
		}
		pad := func(c textCell) string {
			return c.shown + strings.Repeat(" ", nameWidth-utf8.RuneCountInString(c.plain)+2)
		}
		for i, s := range sections {
			if i > 0 {
				ew.printf("\n")
			}
			ew.printf("%s\n", p.wrap("1", s.title))
			for _, r := range s.rows {
				ew.printf("  %s  %s\n", r[0].shown, r[1].shown)
				for j, c := range r[2:] {
					ew.printf("    %s%s\n", pad(header[j+2]), c.shown)
				}
			}
		}
		ew.printf("\n%s\n", p.wrap("1", "Django reads"))
		for j, h := range header[2:] {
			shown := false
			for _, r := range reads {
				if c := r[j+2]; c.plain != "" {
					ew.printf("  %s%s\n", pad(h), c.shown)
					shown = true
				}
			}
			if !shown {
				ew.printf("  %snone\n", pad(h))
			}
		}
	} else {
		if len(sections) == 0 {
			line(header)
		}
		for i, s := range sections {
			if i > 0 {
				ew.printf("\n")
			}
			ew.printf("%s\n", p.wrap("1", s.title))
			line(header)
			for _, r := range s.rows {
				line(r)
			}
		}
		for _, r := range reads {
			line(r)
		}
	}
	for _, r := range d.Answered {
		where := ""
		if r.Answered != nil {
			where = " at " + ps.at(*r.Answered)
		}
		ew.printf("  not a route: %s (%s) answers every request itself%s\n", clean(r.Label), clean(ps.at(r.At)), clean(where))
	}
	c := d.Counts()
	ew.printf("\n%s\n", c.Sentence(func(s string) string {
		if c.Forgeable > 0 {
			return p.wrap("1;31", s)
		}
		return p.wrap("32", s)
	}))
}

// ruleRefs names the findings' rules: " [NGX201]", " [NGX201 suppressed]";
// "" for none.
func ruleRefs(fs []*analyzer.Finding) string {
	var ids []string
	for _, f := range fs {
		id := f.RuleID
		if f.Suppressed != nil {
			id += " suppressed"
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return ""
	}
	return " [" + strings.Join(compact(ids), ", ") + "]"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func compact(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
