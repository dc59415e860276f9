package trustmap

import (
	"encoding/json"
	"io"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// JSONVersion is the version of the `djleak map --format json` schema. It
// changes only when a field is removed or changes meaning; new fields may
// be added within a version.
const JSONVersion = 1

// JSONMap is the document `djleak map --format json` writes.
type JSONMap struct {
	Version     int              `json:"version"`
	Tool        JSONTool         `json:"tool"`
	Deployments []JSONDeployment `json:"deployments"`
	// Unread lists the findings that say part of the project could not be
	// read (syntax errors, missing includes): the map lacks what it sets.
	Unread []JSONFinding `json:"unread"`
}

// JSONTool names the producer.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONDeployment is one deployment's matrix.
type JSONDeployment struct {
	Name     string        `json:"name"` // "" for the single default deployment
	Columns  []JSONColumn  `json:"columns"`
	Groups   []JSONGroup   `json:"groups"`
	Answered []JSONRouteAt `json:"answered"`
	Summary  JSONSummary   `json:"summary"`
}

// JSONColumn is one identity name with its Django reads.
type JSONColumn struct {
	Key    string     `json:"key"`
	Header string     `json:"header"` // "" for environment keys
	Reads  []JSONRead `json:"reads"`
}

// JSONRead is one Django read of the column's key.
type JSONRead struct {
	JSONAt
	Guard    string        `json:"guard"` // "unguarded", "guarded", "wrongly guarded"
	Via      string        `json:"via,omitempty"`
	Findings []JSONFinding `json:"findings"` // reported at the read
}

// JSONAt is a position: root-relative path, 1-based line and column.
type JSONAt struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// JSONGroup is the routes sharing a set of listeners.
type JSONGroup struct {
	Label     string         `json:"label"`
	Listeners []JSONListener `json:"listeners"`
	Routes    []JSONRoute    `json:"routes"`
}

// JSONListener is one listen address.
type JSONListener struct {
	Address    string  `json:"address"`
	TLS        bool    `json:"tls"`
	ClientCert string  `json:"client_cert"` // none, optional, optional_no_ca, require
	CA         string  `json:"ca,omitempty"`
	At         *JSONAt `json:"at,omitempty"`
}

// JSONRoute is one row.
type JSONRoute struct {
	Front  string     `json:"front"`
	Label  string     `json:"label"`
	At     *JSONAt    `json:"at"`
	Pass   string     `json:"pass"`
	Target string     `json:"target"`
	Cells  []JSONCell `json:"cells"`
}

// JSONRouteAt names a route that is not a row.
type JSONRouteAt struct {
	Front    string  `json:"front"`
	Label    string  `json:"label"`
	At       *JSONAt `json:"at"`
	Answered *JSONAt `json:"answered_at"`
}

// JSONCell is one route × key verdict. Cells are in column order.
type JSONCell struct {
	Key string `json:"key"`
	// Source is the model's verdict: forgeable, verified, unverified,
	// cleared, server, not-sent.
	Source string `json:"source"`
	Label  string `json:"label"`
	// Forgeable is true when a client decides the value (Source is
	// forgeable, or an underscore spelling of the header also passes).
	Forgeable bool `json:"forgeable"`
	// At is the line that decides the value, or the route when nothing
	// on it mentions the name.
	At *JSONAt `json:"at"`
	// Shadowed lists settings of the name at outer levels that do not
	// apply to this route.
	Shadowed []JSONAt      `json:"shadowed,omitempty"`
	Note     string        `json:"note,omitempty"`
	Findings []JSONFinding `json:"findings"`
}

// JSONFinding points at a djleak finding (as `djleak check` reports it).
type JSONFinding struct {
	Rule        string `json:"rule"`
	Fingerprint string `json:"fingerprint"`
	Message     string `json:"message"`
	JSONAt
	Suppressed bool `json:"suppressed,omitempty"`
}

// JSONSummary counts the deployment's matrix.
type JSONSummary struct {
	Routes    int `json:"routes"`
	Names     int `json:"names"`
	Forgeable int `json:"forgeable"`
	Reported  int `json:"reported"`
}

func (ps paths) jsonAt(l source.Location) JSONAt {
	return JSONAt{Path: ps.rel(l.Path), Line: l.Start.Line, Column: l.Start.Column}
}

func (ps paths) jsonAtPtr(l source.Location) *JSONAt {
	if l.IsZero() {
		return nil
	}
	a := ps.jsonAt(l)
	return &a
}

func (ps paths) jsonRead(rd Read) JSONRead {
	return JSONRead{JSONAt: ps.jsonAt(rd.Loc), Guard: rd.Guard.State.String(), Via: rd.Via, Findings: ps.jsonFindings(rd.Findings)}
}

func (ps paths) jsonFindings(fs []*analyzer.Finding) []JSONFinding {
	out := []JSONFinding{}
	for _, f := range fs {
		out = append(out, JSONFinding{Rule: f.RuleID, Fingerprint: f.Fingerprint, Message: f.Message, JSONAt: ps.jsonAt(f.Location), Suppressed: f.Suppressed != nil})
	}
	return out
}

// JSON converts the map to its documented schema.
func (m *Map) JSON() *JSONMap {
	ps := newPaths(m.Root, m.Cwd)
	out := &JSONMap{Version: JSONVersion, Tool: JSONTool{Name: "djleak", Version: analyzer.Version}, Deployments: []JSONDeployment{}, Unread: ps.jsonFindings(m.Unread)}
	for _, d := range m.Deployments {
		jd := JSONDeployment{Name: d.Name, Columns: []JSONColumn{}, Groups: []JSONGroup{}, Answered: []JSONRouteAt{}}
		for _, c := range d.Columns {
			jc := JSONColumn{Key: c.Key, Header: c.Header, Reads: []JSONRead{}}
			for _, rd := range c.Reads {
				jc.Reads = append(jc.Reads, ps.jsonRead(rd))
			}
			jd.Columns = append(jd.Columns, jc)
		}
		for _, g := range d.Groups {
			jg := JSONGroup{Label: g.Label, Listeners: []JSONListener{}, Routes: []JSONRoute{}}
			for _, l := range g.Listeners {
				jg.Listeners = append(jg.Listeners, JSONListener{Address: l.Addr, TLS: l.TLS, ClientCert: l.ClientCert.String(), CA: l.CA, At: ps.jsonAtPtr(l.At)})
			}
			for _, r := range g.Rows {
				jr := JSONRoute{Front: string(r.Route.Front), Label: r.Route.Label, At: ps.jsonAtPtr(r.Route.At), Pass: string(r.Route.Pass), Target: r.Route.Target, Cells: []JSONCell{}}
				for _, c := range r.Cells {
					jc := JSONCell{Key: c.Name.Key, Source: c.Name.Source.String(), Label: c.Label(), Forgeable: c.Forgeable(), At: ps.jsonAtPtr(c.At), Note: c.Note(), Findings: ps.jsonFindings(c.Findings)}
					for _, l := range c.Name.Shadowed {
						jc.Shadowed = append(jc.Shadowed, ps.jsonAt(l))
					}
					jr.Cells = append(jr.Cells, jc)
				}
				jg.Routes = append(jg.Routes, jr)
			}
			jd.Groups = append(jd.Groups, jg)
		}
		for _, r := range d.Answered {
			ja := JSONRouteAt{Front: string(r.Front), Label: r.Label, At: ps.jsonAtPtr(r.At)}
			if r.Answered != nil {
				ja.Answered = ps.jsonAtPtr(*r.Answered)
			}
			jd.Answered = append(jd.Answered, ja)
		}
		c := d.Counts()
		jd.Summary = JSONSummary{Routes: c.Routes, Names: c.Names, Forgeable: c.Forgeable, Reported: c.Reported}
		out.Deployments = append(out.Deployments, jd)
	}
	return out
}

// WriteJSON writes the map as indented JSON.
func (m *Map) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m.JSON())
}
