package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const (
	module        = "github.com/djleak/djleak"
	driverPackage = module + "/analyzer/driver"
)

// drivers are the packages (and those below them) whose code may load
// projects: the command line, with its language server and map, and the
// test helpers. Rules and passes see only package analyzer, so they cannot
// reach the disk, the caches or the configuration files behind a
// project's back.
var drivers = []string{module + "/cmd", module + "/analyzer/analyzertest"}

// TestOnlyDriversImportTheDriver fails when the code of a rule or pass (a
// package outside drivers, test files aside) imports analyzer/driver, as
// the go command sees the module's packages.
func TestOnlyDriversImportTheDriver(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goCmd, "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	importers := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !slices.Contains(fields[1:], driverPackage) {
			continue
		}
		pkg := fields[0]
		if slices.ContainsFunc(drivers, func(d string) bool { return pkg == d || strings.HasPrefix(pkg, d+"/") }) {
			importers++
			continue
		}
		t.Errorf("%s imports the driver: a rule or pass reads the project through package analyzer", pkg)
	}
	// The command line loads projects through this package: a listing
	// with no such import checked nothing.
	if importers == 0 {
		t.Fatalf("go list shows no driver importing %s:\n%s", driverPackage, out)
	}
}
