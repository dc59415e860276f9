package trustmap

import (
	"fmt"
	"html/template"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/source"
)

// HTMLOptions controls the page.
type HTMLOptions struct {
	// Root is the project root (absolute); locations are relative to it.
	Root string
	// LinkBase is the directory the page's links are relative to: the
	// directory of the output file (absolute). Links to configuration and
	// Python lines are relative file paths with a #L<line> anchor, which
	// resolve when the page is opened beside the checkout (and match the
	// anchors of GitHub's and GitLab's file views).
	LinkBase string
}

// WriteHTML writes a self-contained page: inline CSS, no scripts, no
// external assets.
func (m *Map) WriteHTML(w io.Writer, opts HTMLOptions) error {
	v := htmlView{Version: analyzer.Version}
	for _, f := range m.Unread {
		v.Unread = append(v.Unread, htmlFinding{Rule: f.RuleID, RuleHref: (&analyzer.Rule{ID: f.RuleID}).HelpURI(), Message: f.Message, At: fileLink(f.Location, opts)})
	}
	for i, d := range m.Deployments {
		v.Deployments = append(v.Deployments, newHTMLDeployment(i, d, len(m.Deployments), opts))
	}
	return pageTemplate.Execute(w, v)
}

type htmlView struct {
	Version     string
	Deployments []htmlDeployment
	Unread      []htmlFinding
}

type htmlLink struct {
	Href, Text string
}

type htmlDeployment struct {
	ID, Title string
	Columns   []htmlColumn
	Groups    []htmlGroup
	Answered  []htmlAnswered
	Findings  []htmlFinding
	Summary   string
	Span      int
}

type htmlColumn struct {
	Key, Header string
	Reads       []htmlRead
}

type htmlRead struct {
	Link     htmlLink
	Guard    string // class suffix
	Text     string
	Findings []htmlLink
}

type htmlGroup struct {
	Label string
	Rows  []htmlRow
}

type htmlRow struct {
	Label, Front string
	At           htmlLink
	Cells        []htmlCell
}

type htmlCell struct {
	Key, Source, Class, Label, Note string
	Forgeable                       bool
	At                              htmlLink
	Shadowed                        []htmlLink
	Findings                        []htmlLink
}

type htmlFinding struct {
	ID, Rule, RuleHref, Message string
	At                          htmlLink
	Suppressed                  bool
}

type htmlAnswered struct {
	Label       string
	At, Answers htmlLink
}

func newHTMLDeployment(i int, d *Deployment, n int, opts HTMLOptions) htmlDeployment {
	hd := htmlDeployment{ID: fmt.Sprintf("deployment-%d", i+1), Span: len(d.Columns) + 1}
	if d.Name != "" || n > 1 {
		hd.Title = "Deployment " + deploymentName(d)
	}
	link := func(l source.Location) htmlLink { return fileLink(l, opts) }
	seen := map[*analyzer.Finding]string{}
	anchor := func(f *analyzer.Finding) string {
		if id, ok := seen[f]; ok {
			return id
		}
		id := fmt.Sprintf("%s-f%d-%s", hd.ID, len(seen)+1, f.Fingerprint)
		seen[f] = id
		hd.Findings = append(hd.Findings, htmlFinding{
			ID: id, Rule: f.RuleID, RuleHref: (&analyzer.Rule{ID: f.RuleID}).HelpURI(),
			Message: f.Message, At: link(f.Location), Suppressed: f.Suppressed != nil,
		})
		return id
	}
	refs := func(fs []*analyzer.Finding) []htmlLink {
		var out []htmlLink
		for _, f := range fs {
			text := f.RuleID
			if f.Suppressed != nil {
				text += " (suppressed)"
			}
			out = append(out, htmlLink{Href: "#" + anchor(f), Text: text})
		}
		return out
	}
	for _, c := range d.Columns {
		hc := htmlColumn{Key: c.Key, Header: c.Header}
		for _, rd := range c.Reads {
			hc.Reads = append(hc.Reads, htmlRead{Link: link(rd.Loc), Guard: guardClass(rd.Guard.State), Text: guardText(rd.Read), Findings: refs(rd.Findings)})
		}
		hd.Columns = append(hd.Columns, hc)
	}
	for _, g := range d.Groups {
		hg := htmlGroup{Label: g.Label}
		for _, r := range g.Rows {
			hr := htmlRow{Label: r.Label, Front: r.Route.Front.Title(), At: link(r.Route.At)}
			for _, c := range r.Cells {
				hc := htmlCell{Key: c.Name.Key, Source: c.Name.Source.String(), Class: c.Name.Source.String(), Label: c.Label(), Note: c.Note(), Forgeable: c.Forgeable(), At: link(c.At)}
				if c.Forgeable() {
					hc.Class = "forgeable"
				}
				for _, l := range c.Name.Shadowed {
					hc.Shadowed = append(hc.Shadowed, link(l))
				}
				hc.Findings = refs(c.Findings)
				hr.Cells = append(hr.Cells, hc)
			}
			hg.Rows = append(hg.Rows, hr)
		}
		hd.Groups = append(hd.Groups, hg)
	}
	for _, r := range d.Answered {
		ha := htmlAnswered{Label: r.Label, At: link(r.At)}
		if r.Answered != nil {
			ha.Answers = link(*r.Answered)
		}
		hd.Answered = append(hd.Answered, ha)
	}
	c := d.Counts()
	hd.Summary = c.Sentence(func(s string) string { return s })
	return hd
}

func guardClass(g identity.GuardState) string {
	switch g {
	case identity.Correct:
		return "guarded"
	case identity.Wrong:
		return "wrong"
	}
	return "unguarded"
}

// fileLink is a link to a line: href relative to opts.LinkBase, text
// relative to the project root.
func fileLink(l source.Location, opts HTMLOptions) htmlLink {
	if l.IsZero() {
		return htmlLink{}
	}
	text := paths{}.at(l)
	if strings.HasPrefix(l.Path, "<") || opts.Root == "" {
		return htmlLink{Text: text}
	}
	abs := filepath.Join(opts.Root, filepath.FromSlash(l.Path))
	base := opts.LinkBase
	if base == "" {
		base = opts.Root
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil {
		rel = abs
	}
	segs := strings.Split(filepath.ToSlash(rel), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return htmlLink{Href: strings.Join(segs, "/") + fmt.Sprintf("#L%d", l.Start.Line), Text: text}
}

var pageTemplate = template.Must(template.New("map").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="djleak {{.Version}}">
<title>djleak map: who can forge what</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328; margin: 24px; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.lede { margin: 0 0 12px; color: #57606a; max-width: 60em; }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
ul.legend { list-style: none; padding: 0; margin: 0 0 16px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; border: 1px solid rgba(0,0,0,.15); }
div.scroll { overflow-x: auto; }
table.trustmap { border-collapse: collapse; min-width: 40em; }
table.trustmap tbody th[scope=row], table.trustmap tfoot th { position: sticky; left: 0; background: #fff; }
table.trustmap th, table.trustmap td { border: 1px solid #d0d7de; padding: 6px 10px; vertical-align: top; text-align: left; }
table.trustmap thead th { background: #f6f8fa; }
table.trustmap thead th code { color: #57606a; font-weight: normal; }
tr.group th { background: #eaeef2; font-weight: 600; }
th.route { font-weight: normal; max-width: 22em; }
th.route .front { color: #57606a; font-size: 12px; }
td.cell { min-width: 11em; }
td.cell .verdict { display: block; font-weight: 600; }
td.cell .links { display: block; font-size: 12px; margin-top: 2px; }
td.cell .note { display: block; font-size: 12px; color: #57606a; margin-top: 2px; max-width: 22em; }
a.finding { font-weight: 600; margin-right: 6px; }
.src-forgeable { background: #ffebe9; color: #82071e; }
.src-forgeable a.finding { color: #a40e26; }
.src-verified { background: #dafbe1; color: #116329; }
.src-unverified { background: #fff8c5; color: #7d4e00; }
.src-cleared, .src-not-sent, .src-server { background: #f6f8fa; color: #57606a; }
tfoot th, tfoot td { background: #fbfcfd; font-size: 12px; }
tfoot ul { list-style: none; margin: 0; padding: 0; }
li.read-unguarded .guard { color: #a40e26; font-weight: 600; }
li.read-wrong .guard { color: #7d4e00; font-weight: 600; }
li.read-guarded .guard { color: #116329; }
p.summary { color: #57606a; }
ol.findings li { margin-bottom: 6px; max-width: 70em; }
ol.findings li:target { background: #fff8c5; }
div.unread { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; margin: 0 0 16px; max-width: 70em; }
div.unread ul { margin: 4px 0 0; padding-left: 20px; }
footer { margin-top: 32px; color: #57606a; font-size: 12px; }
</style>
</head>
<body>
<h1>djleak map: who can forge what</h1>
<p class="lede">Each row is a route the front end passes to the Django application, grouped by the listeners that accept it. Each column is an identity header or environment key that the front end sets or the Django code reads. A cell says what the application receives under that name on that route; the Django reads of each name are listed under its column.</p>
<ul class="legend">
<li><span class="swatch src-forgeable"></span>client can forge</li>
<li><span class="swatch src-unverified"></span>from certificate (unverified)</li>
<li><span class="swatch src-verified"></span>from certificate (verified)</li>
<li><span class="swatch src-cleared"></span>cleared, not sent or set by the server</li>
</ul>
{{if .Unread}}<div class="unread"><strong>Incomplete:</strong> the map leaves out what djleak could not read:
<ul>{{range .Unread}}<li><a href="{{.RuleHref}}">{{.Rule}}</a> {{template "link" .At}}: {{.Message}}</li>{{end}}</ul></div>
{{end}}{{range .Deployments}}<section class="deployment" id="{{.ID}}">
{{if .Title}}<h2>{{.Title}}</h2>
{{end}}<div class="scroll"><table class="trustmap">
<thead>
<tr><th scope="col">Route</th>{{range .Columns}}<th scope="col" class="name" data-key="{{.Key}}">{{if .Header}}{{.Header}}<br>{{end}}<code>{{.Key}}</code></th>{{end}}</tr>
</thead>
{{$span := .Span}}{{range .Groups}}<tbody>
<tr class="group"><th colspan="{{$span}}" scope="rowgroup">{{.Label}}</th></tr>
{{range .Rows}}<tr class="route" data-at="{{.At.Text}}">
<th scope="row" class="route"><span class="front">{{.Front}}</span><br>{{.Label}}<br>{{template "link" .At}}</th>
{{range .Cells}}<td class="cell src-{{.Class}}" data-key="{{.Key}}" data-source="{{.Source}}" data-forgeable="{{.Forgeable}}"><span class="verdict">{{.Label}}</span><span class="links">{{range .Findings}}<a class="finding" href="{{.Href}}">{{.Text}}</a>{{end}}{{template "link" .At}}</span>{{if .Shadowed}}<span class="links">not inherited: {{range $i, $l := .Shadowed}}{{if $i}}, {{end}}{{template "link" $l}}{{end}}</span>{{end}}{{if .Note}}<span class="note">{{.Note}}</span>{{end}}</td>
{{end}}</tr>
{{end}}</tbody>
{{end}}<tfoot>
<tr class="reads"><th scope="row">Django reads</th>{{range .Columns}}<td data-key="{{.Key}}">{{if .Reads}}<ul>{{range .Reads}}<li class="read-{{.Guard}}">{{template "link" .Link}} <span class="guard">{{.Text}}</span>{{range .Findings}} <a class="finding" href="{{.Href}}">{{.Text}}</a>{{end}}</li>{{end}}</ul>{{else}}none{{end}}</td>{{end}}</tr>
</tfoot>
</table></div>
<p class="summary">{{.Summary}}</p>
{{if .Answered}}<h3>Not routes to the application</h3>
<ul class="answered">{{range .Answered}}<li>{{.Label}} ({{template "link" .At}}) answers every request itself{{if .Answers.Text}} at {{template "link" .Answers}}{{end}}</li>{{end}}</ul>
{{end}}{{if .Findings}}<h3>Findings</h3>
<ol class="findings">{{range .Findings}}<li id="{{.ID}}"><a href="{{.RuleHref}}"><strong>{{.Rule}}</strong></a> {{template "link" .At}}{{if .Suppressed}} (suppressed){{end}}: {{.Message}}</li>
{{end}}</ol>
{{end}}</section>
{{end}}<footer>Generated by djleak {{.Version}} (<code>djleak map --format html</code>). Links to configuration and Python lines are file paths relative to this page, with <code>#L</code> line anchors.</footer>
</body>
</html>
{{define "link"}}{{if .Href}}<a class="config" href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}`))
