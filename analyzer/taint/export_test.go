package taint

import (
	"github.com/djleak/djleak/analyzer"
	"maps"
	"slices"
	"sort"
)

// EveryFunction makes every function a root, for TestRootsLoseNoHit.
var EveryFunction = &everyFunction

// ReverseModules analyses modules in reverse order, for
// TestHitsIndependentOfModuleOrder.
var ReverseModules = &reverseModules

// SourceCalls is every qualified source function of library.go's tables
// (one token generator standing for the prefix), for TestRootsSeeEverySourceCall.
func SourceCalls() []string {
	qs := slices.AppendSeq(slices.Collect(maps.Keys(tracebackCalls)), maps.Keys(excInfoCalls))
	qs = append(qs, jwtEncode, signingDumps, tokenGenerators+"hex")
	sort.Strings(qs)
	return qs
}

// LastStats is what the project's last run recording every sink kind
// replayed and analysed afresh (zero unless it carries state).
func LastStats(p *analyzer.Project) Stats {
	if c, _ := p.Carried(carryKey{allSinks}).(*carried); c != nil {
		return c.stats
	}
	return Stats{}
}

// RunSinks runs the pass recording only the hits of kinds.
func RunSinks(p *analyzer.Project, kinds ...SinkKind) *Result {
	var s sinkSet
	for _, k := range kinds {
		s |= 1 << k
	}
	return run(p, s)
}

// SinkKinds is every sink kind.
func SinkKinds() []SinkKind {
	out := make([]SinkKind, numSinks)
	for k := range out {
		out[k] = SinkKind(k)
	}
	return out
}

// EncodeResult and DecodeResult are the pass's cache encoding, for
// TestResultEncodingRoundTrips.
var (
	EncodeResult = encodeResult
	DecodeResult = decodeResult
)
