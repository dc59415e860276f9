package taint

import (
	"bytes"
	"encoding/gob"
	"errors"

	"github.com/djleak/djleak/analyzer"
)

// The pass's result in the command line's cache (analyzer.Pass.Persist).
// Hits share their sources and labels: GroupHits tells sources apart by
// identity (one source reaching a helper from several call sites is one
// finding), so the encoding keeps each source and label once and the
// hits refer to them by index. The vocabulary is the configuration's,
// built again on decoding.

// resultCodec is the pass's Persist.
var resultCodec = &analyzer.Codec[*Result]{Version: 1, Encode: encodeResult, Decode: decodeResult}

type wireResult struct {
	Sources []Source
	Labels  []wireLabel
	Hits    []wireHit
}

// wireLabel is a label without its source pointer (Label.Src is nil).
type wireLabel struct {
	Label
	Src int
}

// wireHit is a hit without its label pointer (Hit.Label is nil).
type wireHit struct {
	Hit
	Label int
}

func encodeResult(r *Result) ([]byte, error) {
	var w wireResult
	srcs := map[*Source]int{}
	labels := map[*Label]int{}
	for _, h := range r.Hits {
		li, ok := labels[h.Label]
		if !ok {
			si, ok := srcs[h.Label.Src]
			if !ok {
				si = len(w.Sources)
				srcs[h.Label.Src] = si
				w.Sources = append(w.Sources, *h.Label.Src)
			}
			l := *h.Label
			l.Src = nil
			li = len(w.Labels)
			labels[h.Label] = li
			w.Labels = append(w.Labels, wireLabel{Label: l, Src: si})
		}
		wh := h
		wh.Label = nil
		w.Hits = append(w.Hits, wireHit{Hit: wh, Label: li})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&w); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeResult(p *analyzer.Project, data []byte) (*Result, error) {
	var w wireResult
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, err
	}
	srcs := make([]*Source, len(w.Sources))
	for i := range w.Sources {
		srcs[i] = &w.Sources[i]
	}
	labels := make([]*Label, len(w.Labels))
	for i, wl := range w.Labels {
		if wl.Src < 0 || wl.Src >= len(srcs) {
			return nil, errCorrupt
		}
		l := wl.Label
		l.Src = srcs[wl.Src]
		labels[i] = &l
	}
	res := &Result{Hits: make([]Hit, len(w.Hits)), Vocab: projectVocab(p)}
	for i, wh := range w.Hits {
		if wh.Label < 0 || wh.Label >= len(labels) {
			return nil, errCorrupt
		}
		res.Hits[i] = wh.Hit
		res.Hits[i].Label = labels[wh.Label]
	}
	return res, nil
}

var errCorrupt = errors.New("taint: a cached result refers to a source or label it does not hold")
