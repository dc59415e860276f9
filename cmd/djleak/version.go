package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/djleak/djleak/analyzer"
)

// buildVersion is djleak's version: analyzer.Version when the build set it
// (-ldflags "-X github.com/djleak/djleak/analyzer.Version=v1.2.3"), else
// the module version of a `go install …@v1.2.3` build, else the VCS
// revision of a checkout build ("0.0.0-devel+3f2a1b9c0d4e", ".dirty" with
// uncommitted changes), else "0.0.0-devel". Versions start with a number,
// as SARIF consumers compare them.
func buildVersion(info *debug.BuildInfo, ok bool) string {
	if analyzer.Version != devel {
		return analyzer.Version // set with -ldflags
	}
	if !ok || info == nil {
		return devel
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ".dirty"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return devel + "+" + rev + dirty
	}
	return devel
}

// devel is the version of a build without version information.
const devel = "0.0.0-devel"

func init() {
	analyzer.Version = buildVersion(debug.ReadBuildInfo())
}

func versionFlags() *flagSet { return newFlagSet("version", "", "Print djleak's version.") }

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	f := versionFlags()
	if _, code, done := f.parseOrExit(args, stdout, stderr, 0, 0); done {
		return code
	}
	fmt.Fprintf(stdout, "djleak %s\n", analyzer.Version)
	return exitClean
}
