package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/trustmap"
	"github.com/djleak/djleak/rules"
)

const mapAbout = `Draws, for each deployment, which identity headers and environment keys a
client can forge on each route the front end passes to the application, next
to the Django code that reads them. PATH (default ".") locates the project;
the map always covers the whole project. Exits 0 when the map is written, 2 on a
usage, configuration or internal error.`

type mapFlags struct {
	*flagSet
	format, output, root, color *string
	workers                     *int
}

func newMapFlags() *mapFlags {
	f := &mapFlags{flagSet: newFlagSet("map", "[PATH]", mapAbout)}
	f.format = f.String("format", "", "text", "FORMAT", "output format: text, json, html")
	f.complete("format", "text", "json", "html")
	f.output = f.String("output", "o", "", "FILE", "write the map to FILE instead of standard output")
	f.root = f.String("root", "", "", "DIR", "project root (default: as for check)")
	f.workers = f.Int("workers", 0, "N", "parser and rule worker count (default GOMAXPROCS)")
	f.color = f.String("color", "", "auto", "WHEN", "colour text output: auto, always, never")
	f.complete("color", "auto", "always", "never")
	return f
}

// cmdMap is `djleak map`.
func cmdMap(args []string, stdout, stderr io.Writer) int {
	f := newMapFlags()
	paths, code, done := f.parseOrExit(args, stdout, stderr, 0, 1)
	if done {
		return code
	}
	format, output, root, workers, color := f.format, f.output, f.root, f.workers, f.color
	switch *format {
	case "text", "json", "html":
	default:
		fmt.Fprintf(stderr, "djleak: unknown map format %q (want text, json or html)\n", *format)
		return exitError
	}
	if *color != "auto" && *color != "always" && *color != "never" {
		fmt.Fprintf(stderr, "djleak: --color must be auto, always or never\n")
		return exitError
	}
	proj, err := driver.Load(driver.Options{Paths: paths, Root: *root, Workers: *workers})
	if err == nil && !namesRoot(paths, proj.Root) {
		// PATH inside the project only finds the project: the map is of
		// the whole of it, with findings wherever they are reported.
		proj, err = driver.Load(driver.Options{Paths: []string{proj.Root}, Root: proj.Root, Workers: *workers})
	}
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	enabled := rules.Select(proj.Config.Select, proj.Config.Ignore)
	findings, err := analyzer.RunWith(proj, enabled, analyzer.RunOptions{Workers: *workers})
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	m := trustmap.Build(proj, findings, enabled)
	if *format != "html" {
		// Paths relative to the working directory (as Ruff prints them);
		// the page keeps project-relative labels.
		m.Cwd, _ = os.Getwd()
	}

	var w io.Writer = stdout
	useColor := *color == "always"
	width := 0
	linkBase, _ := os.Getwd()
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		defer f.Close()
		w = f
		if abs, err := filepath.Abs(*output); err == nil {
			linkBase = filepath.Dir(abs)
		}
	} else {
		width = terminalWidth(stdout)
		if *color == "auto" {
			useColor = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
		}
	}
	switch *format {
	case "json":
		err = m.WriteJSON(w)
	case "html":
		err = m.WriteHTML(w, trustmap.HTMLOptions{Root: proj.Root, LinkBase: linkBase})
	default:
		err = m.WriteText(w, trustmap.TextOptions{Color: useColor, Width: width})
	}
	if err != nil {
		fmt.Fprintf(stderr, "djleak: writing map: %v\n", err)
		return exitError
	}
	return exitClean
}

// namesRoot reports whether paths (default ".") name the project root itself.
func namesRoot(paths []string, root string) bool {
	p := "."
	if len(paths) == 1 {
		p = paths[0]
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs == root
}
