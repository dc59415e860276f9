package taint

import "sort"

// EveryFunction makes every function a root, for TestRootsLoseNoHit.
var EveryFunction = &everyFunction

// SourceCalls is every qualified source function of library.go's tables
// (one token generator standing for the prefix), for TestRootsSeeEverySourceCall.
func SourceCalls() []string {
	qs := append(keysOf(tracebackCalls), keysOf(excInfoCalls)...)
	qs = append(qs, jwtEncode, signingDumps, tokenGenerators+"hex")
	sort.Strings(qs)
	return qs
}
