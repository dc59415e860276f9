package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	unset := func(string) string { return "" }
	userSet := func(k string) string {
		if k == "GOGC" {
			return "200"
		}
		return ""
	}
	for _, c := range []struct {
		name   string
		getenv func(string) string
		args   []string
		want   int
	}{
		{"check, GOGC unset", unset, []string{"check", "."}, defaultGCPercent},
		{"no command, GOGC unset", unset, nil, defaultGCPercent},
		{"lsp, GOGC unset", unset, []string{"lsp"}, lspGCPercent},
		{"check, GOGC set", userSet, []string{"check", "."}, 7},
		{"lsp, GOGC set", userSet, []string{"lsp"}, 7},
	} {
		debug.SetGCPercent(7) // what the runtime took from the user's GOGC
		tuneGC(c.getenv, c.args)
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("%s: GC percent %d, want %d", c.name, got, c.want)
		}
	}
}
