package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/rules"
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

// openCache opens the on-disk cache of per-file facts for this djleak's
// analysis version, or returns nil when it is off or no cache directory
// can be named (no XDG_CACHE_HOME and no home directory).
func openCache(off bool) *facts.Cache {
	if off {
		return nil
	}
	dir := facts.Dir(analyzer.AnalysisVersion(rules.All(), buildIdentity()))
	if dir == "" {
		return nil
	}
	return facts.Open(dir, facts.DefaultLimit)
}

// buildIdentity tells development builds apart in the cache's version: a
// build without a release version or a clean VCS revision is named by its
// executable's size and modification time, so a rebuilt djleak whose
// analysis changed never reads facts the previous build wrote.
func buildIdentity() string {
	if !strings.Contains(analyzer.Version, "devel") || (strings.Contains(analyzer.Version, "+") && !strings.HasSuffix(analyzer.Version, ".dirty")) {
		return ""
	}
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	info, err := os.Stat(exe)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%s %d %d", exe, info.Size(), info.ModTime().UnixNano())
}
