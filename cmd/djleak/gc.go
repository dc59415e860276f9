package main

import "runtime/debug"

// defaultGCPercent is the garbage collector's target when GOGC is not set,
// except for the language server (lspGCPercent).
//
// Most of djleak's heap is long-lived: the models of every parsed file,
// kept until the rules have run, while the analysis makes short-lived
// garbage on top of them. At Go's default of 100 the heap grows to twice
// the live models before a collection; at 50 it grows to one and a half
// times. On Debian's Django source (`make bench`) that takes the maximum
// RSS from about 245 MiB to about 196 MiB with no loss of time: fewer
// fresh pages are faulted in, which pays for the extra collections on
// the cores the analysis leaves idle.
const defaultGCPercent = 50

// lspGCPercent is the language server's target: Go's default. The server
// keeps its projects' models between edits, so the live heap is large
// for every re-lint, and collecting it twice as often made the re-lint
// after a Python edit 5-10% slower (BenchmarkLSPRelintDjango); on save,
// latency comes first.
const lspGCPercent = 100

// tuneGC sets the collector's target for the command in args unless the
// user set GOGC.
func tuneGC(getenv func(string) string, args []string) {
	if getenv("GOGC") != "" {
		return
	}
	if len(args) > 0 && args[0] == "lsp" {
		debug.SetGCPercent(lspGCPercent)
		return
	}
	debug.SetGCPercent(defaultGCPercent)
}
