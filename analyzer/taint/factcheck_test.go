package taint_test

import "github.com/djleak/djleak/analyzer"

// Every file fact computed by these tests must survive its encoding, as
// the cache would serve it.
func init() { analyzer.VerifyFactRoundTrip = true }
