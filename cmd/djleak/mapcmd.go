package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/trustmap"
	"github.com/djleak/djleak/rules"
)

const mapUsage = `Usage: djleak map [flags] [PATH]

Draws, for each deployment, which identity headers and environment keys a
client can forge on each route the front end passes to the application, next
to the Django code that reads them. PATH (default ".") locates the project;
the map always covers the whole project. Exits 0 when the map is written, 2 on a
usage, configuration or internal error.

Flags:
`

// cmdMap is `djleak map`.
func cmdMap(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("map", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, html")
	output := fs.String("output", "", "write the map to `FILE` instead of standard output")
	fs.StringVar(output, "o", "", "shorthand for --output")
	root := fs.String("root", "", "project root `DIR` (default: as for check)")
	workers := fs.Int("workers", 0, "parser and rule worker count (default GOMAXPROCS)")
	color := fs.String("color", "auto", "colour text output: auto, always, never")
	fs.Usage = func() {}
	// Flags may follow the path ("djleak map . --format html"): parse,
	// take one positional argument, parse the rest.
	var paths []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				// Help asked for is output, not an error: stdout, exit 0.
				fmt.Fprint(stdout, mapUsage)
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				return exitClean
			}
			fmt.Fprintln(stderr, `Run "djleak map -h" for the flags.`)
			return exitError
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		paths, rest = append(paths, rest[0]), rest[1:]
	}
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
	if len(paths) > 1 {
		fmt.Fprintf(stderr, "djleak: map takes one PATH (got %d)\n", len(paths))
		return exitError
	}
	proj, err := analyzer.Load(analyzer.Options{Paths: paths, Root: *root, Workers: *workers})
	if err == nil && !namesRoot(paths, proj.Root) {
		// PATH inside the project only finds the project: the map is of
		// the whole of it, with findings wherever they are reported.
		proj, err = analyzer.Load(analyzer.Options{Paths: []string{proj.Root}, Root: proj.Root, Workers: *workers})
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
