package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/mattn/go-isatty"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/mask"
	"github.com/djleak/djleak/analyzer/report"
	"github.com/djleak/djleak/rules"
)

// Exit codes.
const (
	exitClean    = 0
	exitFindings = 1
	exitError    = 2
)

const usage = `djleak finds token leakage and broken mutual-TLS trust in Django
projects and the nginx configs in front of them.

Usage:
  djleak check [flags] [PATH...]   analyse files and directories (default ".")
  djleak rules [--format text|json] list the rules
  djleak explain RULE               print a rule's documentation (ID or name)
  djleak config [PATH]              print the effective configuration
  djleak lsp [--verbose]            run the language server over stdio (LSP)
  djleak version                    print the version

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error.
Run "djleak check -h" for the check flags.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	switch args[0] {
	case "check":
		return cmdCheck(args[1:], stdin, stdout, stderr)
	case "rules":
		return cmdRules(args[1:], stdout, stderr)
	case "explain":
		return cmdExplain(args[1:], stdout, stderr)
	case "config":
		return cmdConfig(args[1:], stdout, stderr)
	case "lsp":
		return cmdLSP(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "djleak %s\n", analyzer.Version)
		return exitClean
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitClean
	}
	fmt.Fprintf(stderr, "djleak: unknown command %q\n\n%s", args[0], usage)
	return exitError
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func cmdCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	output := fs.String("output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(output, "o", "", "shorthand for --output")
	exitZero := fs.Bool("exit-zero", false, "exit 0 even when there are findings")
	root := fs.String("root", "", "project root `DIR` (default: nearest directory with .djleak.toml, pyproject.toml [tool.djleak], .git or manage.py)")
	workers := fs.Int("workers", 0, "parser and rule worker count (default GOMAXPROCS)")
	color := fs.String("color", "auto", "colour text output: auto, always, never")
	includeSuppressed := fs.Bool("include-suppressed", false, "also output findings that suppression comments cover (SARIF marks them as suppressed)")
	reportUnused := fs.Bool("report-unused-ignores", os.Getenv("CI") != "", "report suppression comments that suppress nothing (default on when CI is set)")
	baselinePath := fs.String("baseline", "", "only report findings not recorded in the baseline `FILE`")
	writeBaseline := fs.String("write-baseline", "", "record the current findings in the baseline `FILE` and exit 0")
	sarifCategory := fs.String("sarif-category", "", "SARIF analysis category `NAME` (automationDetails.id), to tell apart several djleak runs on one commit in code scanning")
	stdinName := fs.String("stdin-filename", "", "lint standard input as if it were the file at `PATH` (use with the path \"-\")")
	var selects, ignores listFlag
	fs.Var(&selects, "select", "only run these rule IDs or prefixes (comma-separated, e.g. DJL4,NGX101)")
	fs.Var(&ignores, "ignore", "skip these rule IDs or prefixes (comma-separated)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: djleak check [flags] [PATH...]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(interleave(args, fs)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "djleak: unknown format %q (want one of %s)\n", *format, strings.Join(report.Formats, ", "))
		return exitError
	}
	if *color != "auto" && *color != "always" && *color != "never" {
		fmt.Fprintf(stderr, "djleak: --color must be auto, always or never\n")
		return exitError
	}
	for _, s := range append(append([]string{}, selects...), ignores...) {
		if !knownSelector(s) {
			fmt.Fprintf(stderr, "djleak: %q matches no rule (see djleak rules)\n", s)
			return exitError
		}
	}

	paths := fs.Args()
	var overlay map[string][]byte
	if *stdinName != "" || (len(paths) == 1 && paths[0] == "-") {
		if *stdinName == "" || len(paths) != 1 || paths[0] != "-" {
			fmt.Fprintln(stderr, "djleak: lint standard input with: djleak check --stdin-filename PATH -")
			return exitError
		}
		// Read at most one byte more than any max-file-size allows (a larger
		// input is reported as not analysed); drain the rest so the writer
		// is not cut off.
		data, err := io.ReadAll(io.LimitReader(stdin, analyzer.MaxFileSizeLimit+1))
		if err == nil {
			_, err = io.Copy(io.Discard, stdin)
		}
		if err != nil {
			fmt.Fprintf(stderr, "djleak: reading standard input: %v\n", err)
			return exitError
		}
		abs, err := filepath.Abs(*stdinName)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		overlay = map[string][]byte{abs: data}
		paths = []string{*stdinName}
	}
	proj, err := analyzer.Load(analyzer.Options{Paths: paths, Root: *root, Workers: *workers, Overlay: overlay})
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	for _, n := range proj.Notes {
		fmt.Fprintf(stderr, "djleak: %s\n", n)
	}
	if *stdinName != "" && proj.NoProject {
		fmt.Fprintf(stderr, "djleak: %s is in no project (no .djleak.toml, pyproject.toml with [tool.djleak], .git or manage.py above it); checking it alone with %s as the project root (use --root to name one)\n", *stdinName, proj.Root)
	}
	enabled := rules.Select(append(proj.Config.Select, selects...), append(proj.Config.Ignore, ignores...))
	if len(selects) > 0 {
		enabled = rules.Select(selects, append(proj.Config.Ignore, ignores...))
	}
	findings, err := analyzer.RunWith(proj, enabled, analyzer.RunOptions{Workers: *workers, ReportUnused: *reportUnused})
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	if *writeBaseline != "" {
		b := analyzer.NewBaseline(findings)
		maskBaseline(b, findings, proj.Config.ExtraTokenNames)
		if err := b.WriteFile(*writeBaseline); err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stderr, "djleak: wrote %d findings to %s\n", len(b.Findings), *writeBaseline)
		return exitClean
	}
	if *baselinePath != "" {
		b, err := analyzer.ReadBaseline(*baselinePath)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		findings = b.Filter(findings)
	}
	active := 0
	var shown []*analyzer.Finding
	for _, f := range findings {
		if f.Suppressed == nil {
			active++
		}
		if f.Suppressed == nil || *includeSuppressed {
			shown = append(shown, f)
		}
	}
	findings = shown
	res := proj.Result(findings, enabled)
	res.Cwd = workingDir()
	res.RepoRoot = analyzer.RepoRoot(proj.Root)

	var w io.Writer = stdout
	useColor := *color == "always"
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		defer f.Close()
		w = f
	} else if *color == "auto" {
		useColor = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	}
	if err := report.Write(w, *format, res, report.Options{Color: useColor, SARIFCategory: *sarifCategory}); err != nil {
		fmt.Fprintf(stderr, "djleak: writing report: %v\n", err)
		return exitError
	}
	if active > 0 && !*exitZero {
		return exitFindings
	}
	return exitClean
}

// interleave lets flags follow paths ("djleak check . --format json") by
// moving every flag before the first positional argument.
func interleave(args []string, fs *flag.FlagSet) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") {
				if f := fs.Lookup(name); f != nil {
					if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
						if i+1 < len(args) {
							i++
							flags = append(flags, args[i])
						}
					}
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(append(flags, "--"), pos...)
}

// workingDir is the current directory with symbolic links resolved (the
// project root is resolved too, so paths relative to both are comparable),
// or "" when it cannot be found.
func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	return wd
}

func validFormat(f string) bool {
	for _, k := range report.Formats {
		if k == f {
			return true
		}
	}
	return false
}

func knownSelector(s string) bool {
	for _, r := range rules.All() {
		if strings.HasPrefix(r.ID, strings.ToUpper(s)) {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func cmdRules(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	switch *format {
	case "text":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tPRECISION\tTITLE")
		for _, r := range rules.All() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Precision, r.Title)
		}
		tw.Flush()
	case "json":
		return writeRulesJSON(stdout, stderr)
	default:
		fmt.Fprintf(stderr, "djleak: unknown format %q (want text or json)\n", *format)
		return exitError
	}
	return exitClean
}

func cmdExplain(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: djleak explain RULE")
		return exitError
	}
	r := rules.Lookup(args[0])
	if r == nil {
		fmt.Fprintf(stderr, "djleak: no rule %q (see djleak rules)\n", args[0])
		return exitError
	}
	fmt.Fprint(stdout, r.Doc())
	return exitClean
}

// maskBaseline masks secrets in the messages a baseline records (they are
// for the reader; findings are matched by fingerprint).
func maskBaseline(b *analyzer.Baseline, findings []*analyzer.Finding, tokenNames []string) {
	var secrets []string
	for _, f := range findings {
		secrets = append(secrets, f.Secrets...)
	}
	m := mask.New(secrets, tokenNames)
	for i := range b.Findings {
		b.Findings[i].Message = m.Text(b.Findings[i].Message)
	}
}
