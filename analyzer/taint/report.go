package taint

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// Group is the hits of one rule at one sink location: one finding.
type Group struct {
	// Hit is the primary hit: the most specific source, then the
	// shortest flow.
	Hit Hit
	// Loc is where to report: the primary hit's location, or — when one
	// source reaches a helper's sink from several call sites — the sink.
	Loc source.Location
	// Others are the other hits at the same place (other sources).
	Others []Hit
	// Bits is the union of the header bits of Headers hits.
	Bits uint16
}

// Sources lists the distinct source descriptions of the group, primary
// first.
func (g *Group) Sources() []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range append([]Hit{g.Hit}, g.Others...) {
		w := h.Label.Src.What
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func rank(h *Hit) int {
	s := h.Label.Src
	switch {
	case s.Literal != "":
		return 0
	case !s.ByName:
		return 1
	}
	return 2
}

// GroupHits keeps the hits accepted by keep and groups them by location
// (by is the location a hit is reported at; nil means the sink).
func GroupHits(hits []Hit, keep func(*Hit) bool, by func(*Hit) source.Location) []*Group {
	if by == nil {
		by = func(h *Hit) source.Location { return h.Loc }
	}
	groups := map[string]*Group{}
	var order []string
	for i := range hits {
		h := &hits[i]
		if !keep(h) {
			continue
		}
		l := by(h)
		k := Sprintf("%s|%d|%d", l.Path, l.Start.Offset, l.End.Offset)
		if h.Via != "" {
			// One source reaching one helper's sink along several call
			// chains is one finding, at the most direct call.
			k = Sprintf("via|%s|%d|%p", h.Call.Path, h.Call.Start.Offset, h.Label.Src)
		}
		g, ok := groups[k]
		if !ok {
			g = &Group{Hit: *h}
			groups[k] = g
			order = append(order, k)
		} else if rank(h) < rank(&g.Hit) || rank(h) == rank(&g.Hit) && len(h.Label.Steps) < len(g.Hit.Label.Steps) {
			g.Others = append(g.Others, g.Hit)
			g.Hit = *h
		} else {
			g.Others = append(g.Others, *h)
		}
		if h.Label.Src.Kind == Headers {
			g.Bits |= h.Label.Bits
		}
	}
	out := make([]*Group, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.Loc = by(&g.Hit)
		if g.Hit.Via != "" {
			for _, o := range g.Others {
				if by(&o) != g.Loc && len(g.Hit.Label.Steps) > 0 {
					g.Loc = g.Hit.Label.Steps[len(g.Hit.Label.Steps)-1].Location
					g.Hit.Via = ""
					break
				}
			}
		}
		out = append(out, g)
	}
	// Groups that ended up at the same place are one finding.
	merged := out[:0]
	at := map[source.Location]*Group{}
	for _, g := range out {
		m, ok := at[g.Loc]
		if !ok {
			at[g.Loc] = g
			merged = append(merged, g)
			continue
		}
		if rank(&g.Hit) < rank(&m.Hit) {
			m.Others = append(m.Others, m.Hit)
			m.Hit = g.Hit
		} else {
			m.Others = append(m.Others, g.Hit)
		}
		m.Others = append(m.Others, g.Others...)
		m.Bits |= g.Bits
	}
	out = merged
	sort.SliceStable(out, func(i, j int) bool { return out[i].Loc.Less(out[j].Loc) })
	return out
}

// Finding builds a finding at loc for a group: the primary hit's flow as
// the code flow, the source as a related location when it is elsewhere,
// and literal secrets listed (and masked in the message).
func Finding(g *Group, loc source.Location, message, key string) analyzer.Finding {
	h := g.Hit
	f := analyzer.Finding{Location: loc, Message: message, Key: key}
	f.Flow = append(f.Flow, h.Label.Steps...)
	src := h.Label.Src
	if src.Loc.Path != "" && (src.Loc.Path != loc.Path || src.Loc.Start.Line != loc.Start.Line) {
		f.Related = append(f.Related, analyzer.Related{Location: src.Loc, Message: "the secret comes from here: " + src.What})
	}
	if h.Call.Path != "" && h.Call != loc && h.Call.Start.Line != loc.Start.Line {
		f.Related = append(f.Related, analyzer.Related{Location: h.Call, Message: "the sink call: " + h.Desc})
	}
	for _, o := range g.Others {
		if o.Label.Src.Loc.Path != "" && o.Label.Src.What != src.What && len(f.Related) < 6 {
			f.Related = append(f.Related, analyzer.Related{Location: o.Label.Src.Loc, Message: "also reaches it: " + o.Label.Src.What})
		}
	}
	for _, x := range append([]Hit{h}, g.Others...) {
		if lit := x.Label.Src.Literal; lit != "" {
			f.Secrets = append(f.Secrets, lit)
		}
	}
	for _, s := range f.Secrets {
		f.Message = strings.ReplaceAll(f.Message, s, analyzer.Mask(s))
		for i := range f.Flow {
			f.Flow[i].Message = strings.ReplaceAll(f.Flow[i].Message, s, analyzer.Mask(s))
		}
		for i := range f.Related {
			f.Related[i].Message = strings.ReplaceAll(f.Related[i].Message, s, analyzer.Mask(s))
		}
	}
	return f
}

// SinkPhrase renders "`logger.info` in extra['headers']".
func SinkPhrase(h *Hit) string {
	s := "`" + h.Desc + "`"
	if h.Where != "" {
		s += " " + h.Where
	}
	if h.Via != "" {
		s += " (inside `" + h.Via + "()`)"
	}
	return s
}

// Secretish reports labels of tokens and credentials (not header
// collections, exception text or placeholders).
func Secretish(l *Label) bool {
	return l.Src.Kind == Token || l.Src.Kind == Credential
}

// Capitalize upper-cases the first letter of a message.
func Capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// More renders " (1 more secret also reaches it)" when other sources reach
// the same place.
func (g *Group) More() string {
	switch n := len(g.Sources()) - 1; {
	case n == 1:
		return " (1 more secret also reaches it)"
	case n > 1:
		return Sprintf(" (%d more secrets also reach it)", n)
	}
	return ""
}

// JoinNames renders "A, B and C".
func JoinNames(ns []string) string { return joinNames(ns) }

// FilterNote says what the last filter on a header collection removed:
// "; the filter `k.lower() != 'authorization'` removes only Authorization".
func FilterNote(g *Group) string {
	f := g.Hit.Label.Filter
	if f == "" {
		return ""
	}
	left := map[string]bool{}
	for _, n := range HeaderNames(g.Bits) {
		left[n] = true
	}
	var removed []string
	for _, n := range headerNames {
		if !left[n] {
			removed = append(removed, n)
		}
	}
	if len(removed) == 0 {
		return "; the filter `" + f + "` removes none of them"
	}
	return "; the filter `" + f + "` removes only " + joinNames(removed)
}
