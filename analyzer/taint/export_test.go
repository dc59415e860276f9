package taint

import (
	"maps"
	"slices"
	"sort"
)

// EveryFunction makes every function a root, for TestRootsLoseNoHit.
var EveryFunction = &everyFunction

// SourceCalls is every qualified source function of library.go's tables
// (one token generator standing for the prefix), for TestRootsSeeEverySourceCall.
func SourceCalls() []string {
	qs := slices.AppendSeq(slices.Collect(maps.Keys(tracebackCalls)), maps.Keys(excInfoCalls))
	qs = append(qs, jwtEncode, signingDumps, tokenGenerators+"hex")
	sort.Strings(qs)
	return qs
}
