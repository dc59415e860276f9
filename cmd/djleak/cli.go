package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
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

// subcommands lists djleak's commands with their one-line descriptions, in
// the order of the help.
var subcommands = []struct{ name, args, about string }{
	{"check", "[flags] [PATH...]", "analyse files and directories (default \".\")"},
	{"rules", "[--format text|json]", "list the rules"},
	{"explain", "RULE", "print a rule's documentation (ID or name)"},
	{"config", "[PATH]", "print the effective configuration"},
	{"map", "[--format text|json|html] [PATH]", "show who can forge which identity header"},
	{"lsp", "[--verbose]", "run the language server over stdio (LSP)"},
	{"completion", "bash|zsh|fish", "print a shell completion script"},
	{"version", "", "print the version"},
}

func usageText() string {
	var b strings.Builder
	b.WriteString(`djleak finds token leakage and broken mutual-TLS trust in Django
projects and the front-end servers in front of them (nginx, Apache httpd,
HAProxy, Caddy).

Usage:
`)
	tw := tabwriter.NewWriter(&b, 0, 4, 1, ' ', 0)
	for _, c := range subcommands {
		fmt.Fprintf(tw, "  djleak %s %s\t  %s\n", c.name, c.args, c.about)
	}
	tw.Flush()
	b.WriteString(`
Flags: -h, --help (this help), -V, --version (the version).
Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error.
Run "djleak COMMAND --help" (or "djleak help COMMAND") for a command's flags.
`)
	return b.String()
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
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
	case "map":
		return cmdMap(args[1:], stdout, stderr)
	case "lsp":
		return cmdLSP(args[1:], stdin, stdout, stderr)
	case "completion":
		return cmdCompletion(args[1:], stdout, stderr)
	case "version", "--version", "-V":
		return cmdVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" {
			if f, ok := commandFlags()[args[1]]; ok {
				f.usage(stdout)
				return exitClean
			}
		}
		fmt.Fprint(stdout, usageText())
		return exitClean
	}
	var names []string
	for _, c := range subcommands {
		names = append(names, c.name)
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "djleak: unknown flag %q: flags follow the command, as in \"djleak check --format json\"\n\n%s", args[0], usageText())
		return exitError
	}
	fmt.Fprintf(stderr, "djleak: unknown command %q%s\n\n%s", args[0], analyzer.DidYouMean(args[0], names), usageText())
	return exitError
}

const checkAbout = `Analyse the Django code, settings and templates and the front-end server
configuration (nginx, Apache httpd, HAProxy, Caddy) under each PATH (default
"."). Findings are limited to the named paths, while the whole project is
loaded for cross-file rules.

Rule selection: --select replaces the configuration's select list;
--extend-select adds to it. --ignore and --extend-ignore both add to the
configuration's ignore list; an ignored rule is off even when selected.
Selectors are rule IDs, ID prefixes (DJL4, NGX) or rule names.

Reports: each --format (or --output-format) writes one report, to
standard output or, as FORMAT=FILE, to a file; --output FILE sends the
report without a file there. When every report goes to a file and standard
output is a terminal, the text report is printed there too (not with -q).`

// checkFlags are djleak check's flags.
type checkFlags struct {
	*flagSet
	formats                     *multiFlag
	output                      *string
	statistics, quiet, verbose  *bool
	configs                     *multiFlag
	isolated                    *bool
	selects, extendSelects      *listFlag
	ignores, extendIgnores      *listFlag
	excludes, extendExcludes    *listFlag
	forceExclude, showFiles     *bool
	exitZero                    *bool
	root                        *string
	workers                     *int
	color                       *string
	includeSuppressed           *bool
	reportUnused                *bool
	baselinePath, writeBaseline *string
	sarifCategory               *string
	stdinName                   *string
	noCache                     *bool
}

func newCheckFlags() *checkFlags {
	f := &checkFlags{flagSet: newFlagSet("check", "[PATH...]", checkAbout)}
	f.formats = &multiFlag{}
	f.add(f.formats, "format", "", "FORMAT[=FILE]", "report format: "+strings.Join(report.Formats, ", ")+` (default "text"); repeat for several reports, FORMAT=FILE writes one to a file`)
	f.alias("output-format", "format")
	f.complete("format", report.Formats...)
	f.output = f.String("output", "o", "", "FILE", "write the report that has no =FILE (text if every --format has one) to FILE instead of standard output")
	f.statistics = f.Bool("statistics", "", false, "print the number of findings per rule instead of the findings (in the report that names no file)")
	f.quiet = f.Bool("quiet", "q", false, "print findings only: no summary line, progress or notes")
	f.verbose = f.Bool("verbose", "v", false, "print the project root, configuration, each file and timings to standard error")
	f.configs = &multiFlag{}
	f.add(f.configs, "config", "", "FILE|KEY=VALUE", `read the configuration from FILE (.djleak.toml format, or a pyproject.toml's [tool.djleak]) instead of the project's; or override one key with a TOML KEY=VALUE ('select = ["DJL4"]'); repeatable`)
	f.isolated = f.Bool("isolated", "", false, "ignore configuration files; use the defaults and the command line")
	f.selects = f.List("select", "RULES", "run only these rules, replacing the configuration's select (IDs, prefixes or names, comma-separated)")
	f.extendSelects = f.List("extend-select", "RULES", "run these rules in addition to the configuration's select")
	f.ignores = f.List("ignore", "RULES", "skip these rules, in addition to the configuration's ignore")
	f.extendIgnores = f.List("extend-ignore", "RULES", "the same as --ignore")
	f.excludes = f.List("exclude", "PATTERNS", "skip paths matching these gitignore-style patterns, replacing the configuration's exclude")
	f.extendExcludes = f.List("extend-exclude", "PATTERNS", "skip these patterns in addition to the configuration's exclude")
	f.forceExclude = f.Bool("force-exclude", "", false, "apply exclude to files named on the command line too (for pre-commit)")
	f.showFiles = f.Bool("show-files", "", false, "list the files that would be analysed, with their kind, and exit")
	f.exitZero = f.Bool("exit-zero", "", false, "exit 0 even when there are findings")
	f.root = f.String("root", "", "", "DIR", "project root (default: nearest directory with .djleak.toml, pyproject.toml [tool.djleak], .git or manage.py)")
	f.workers = f.Int("workers", 0, "N", "parser and rule workers; 0 means one per CPU")
	f.color = f.String("color", "", "auto", "WHEN", "colour in text output: auto, always, never")
	f.complete("color", "auto", "always", "never")
	f.includeSuppressed = f.Bool("include-suppressed", "", false, "also report findings that suppression comments cover, marked as suppressed")
	f.reportUnused = f.Bool("report-unused-ignores", "", os.Getenv("CI") != "", "report suppression comments that suppress nothing (default on when CI is set)")
	f.baselinePath = f.String("baseline", "", "", "FILE", "only report findings not recorded in the baseline FILE")
	f.writeBaseline = f.String("write-baseline", "", "", "FILE", "record the current findings in the baseline FILE and exit 0")
	f.sarifCategory = f.String("sarif-category", "", "", "NAME", "SARIF analysis category (automationDetails.id), to tell apart several djleak runs on one commit in code scanning")
	f.stdinName = f.String("stdin-filename", "", "", "PATH", `lint standard input as if it were the file at PATH (with the path "-")`)
	f.noCache = f.Bool("no-cache", "", false, "do not read or write the cache of per-file facts ($XDG_CACHE_HOME/djleak, else ~/.cache/djleak)")
	return f
}

// reportOut is one report: a format and a file ("" for standard output).
// main is true for the report that names no file of its own (standard
// output or --output); --statistics replaces that one.
type reportOut struct {
	format, path string
	main         bool
}

// outputs resolves --format and --output into the reports to write.
func (f *checkFlags) outputs() ([]reportOut, error) {
	specs := []string(*f.formats)
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	var outs []reportOut
	toStdout := 0
	seen := map[string]bool{}
	for _, s := range specs {
		format, path, _ := strings.Cut(s, "=")
		if !validFormat(format) {
			return nil, fmt.Errorf("unknown format %q%s (want one of %s)", format, analyzer.DidYouMean(format, report.Formats), strings.Join(report.Formats, ", "))
		}
		if strings.Contains(s, "=") && path == "" {
			return nil, fmt.Errorf("--format %s: the file name is missing after =", s)
		}
		if path == "" {
			path = *f.output
			toStdout++
		}
		if path != "" {
			if seen[path] {
				return nil, fmt.Errorf("two reports would be written to %s", path)
			}
			seen[path] = true
			if err := writableDir(path); err != nil {
				return nil, err
			}
		}
		outs = append(outs, reportOut{format, path, !strings.Contains(s, "=")})
	}
	if toStdout > 1 {
		return nil, fmt.Errorf("only one report can go to %s; write the others to files with --format FORMAT=FILE", stdoutName(*f.output))
	}
	if *f.output != "" && toStdout == 0 {
		// Every --format names its file: --output gets the text report.
		if seen[*f.output] {
			return nil, fmt.Errorf("two reports would be written to %s", *f.output)
		}
		if err := writableDir(*f.output); err != nil {
			return nil, err
		}
		outs = append(outs, reportOut{"text", *f.output, true})
	}
	return outs, nil
}

func stdoutName(output string) string {
	if output != "" {
		return output
	}
	return "standard output"
}

// writableDir checks, before any analysis, that a report file can be
// created: its directory exists and it is not a directory itself.
func writableDir(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("%s: directory %s does not exist", path, dir)
	}
	return nil
}

// resolveSelectors turns rule names into IDs and rejects selectors that
// match no rule.
func resolveSelectors(flag string, list []string) ([]string, error) {
	var out []string
	for _, s := range list {
		id, err := analyzer.ResolveSelector(s, rules.All())
		if err != nil {
			return nil, fmt.Errorf("--%s: %v", flag, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// checkPlan is what the command line asks of a check, with every value
// checked.
type checkPlan struct {
	outs                            []reportOut
	baseline                        *driver.Baseline
	selects, extendSelects, ignores []string // rule IDs
	configFile                      string
	overrides                       []string
}

// check validates the flags' values before anything is read: report
// destinations, enumerations, numbers, directories, rule selectors, the
// configuration file and the baseline.
func (f *checkFlags) check() (*checkPlan, error) {
	plan := &checkPlan{}
	var err error
	if plan.outs, err = f.outputs(); err != nil {
		return nil, err
	}
	if *f.color != "auto" && *f.color != "always" && *f.color != "never" {
		return nil, fmt.Errorf("--color must be auto, always or never, not %q", *f.color)
	}
	if *f.workers < 0 {
		return nil, fmt.Errorf("--workers must be 0 (one per CPU) or more, not %d", *f.workers)
	}
	if *f.root != "" {
		if info, err := os.Stat(*f.root); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("--root %s: no such directory", *f.root)
		}
	}
	if plan.configFile, plan.overrides, err = splitConfigArgs(*f.configs); err != nil {
		return nil, err
	}
	if plan.configFile != "" && *f.isolated {
		return nil, fmt.Errorf("--config FILE and --isolated exclude each other")
	}
	for _, s := range []struct {
		name string
		in   []string
		out  *[]string
	}{
		{"select", *f.selects, &plan.selects},
		{"extend-select", *f.extendSelects, &plan.extendSelects},
		{"ignore", append(append([]string{}, *f.ignores...), *f.extendIgnores...), &plan.ignores},
	} {
		if *s.out, err = resolveSelectors(s.name, s.in); err != nil {
			return nil, err
		}
	}
	if *f.writeBaseline != "" {
		if err := writableDir(*f.writeBaseline); err != nil {
			return nil, fmt.Errorf("--write-baseline: %v", err)
		}
	}
	if *f.baselinePath != "" {
		if plan.baseline, err = driver.ReadBaseline(*f.baselinePath); err != nil {
			return nil, fmt.Errorf("--baseline: %v", err)
		}
	}
	return plan, nil
}

func cmdCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	started := time.Now()
	f := newCheckFlags()
	paths, code, done := f.parseOrExit(args, stdout, stderr, 0, -1)
	if done {
		return code
	}
	// Every value is checked before anything is read.
	plan, err := f.check()
	if err != nil {
		return f.fail(stderr, err)
	}
	outs := plan.outs

	var overlay map[string][]byte
	if *f.stdinName != "" || (len(paths) == 1 && paths[0] == "-") {
		if *f.stdinName == "" || len(paths) != 1 || paths[0] != "-" {
			return f.fail(stderr, fmt.Errorf("lint standard input with: djleak check --stdin-filename PATH -"))
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
		abs, err := filepath.Abs(*f.stdinName)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		overlay = map[string][]byte{abs: data}
		paths = []string{*f.stdinName}
	}

	verbose := func(format string, args ...any) {
		if *f.verbose {
			fmt.Fprintf(stderr, "djleak: "+format+"\n", args...)
		}
	}
	prog := startProgress(stderr, progressEnabled(stderr, *f.quiet, *f.verbose), time.Second)
	defer prog.stop()
	prog.set("finding files")
	loadConfig := func(root string) (*analyzer.Config, error) {
		return f.loadConfig(root, plan.configFile, plan.overrides)
	}
	opts := driver.Options{Paths: paths, Root: *f.root, Workers: *f.workers, Overlay: overlay, LoadConfig: loadConfig, ParseOnDemand: true}
	found, err := driver.Discover(opts)
	if err != nil {
		prog.stop()
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	if *f.stdinName != "" && found.NoProject {
		fmt.Fprintf(stderr, "djleak: %s is in no project (no .djleak.toml, pyproject.toml with [tool.djleak], .git or manage.py above it); checking it alone with %s as the project root (use --root to name one)\n", *f.stdinName, found.Root)
	}
	verbose("project root %s", found.Root)
	verbose("configuration from %s", configSource(found.Config))
	if found.Config.ForceExclude && *f.verbose {
		for _, p := range paths {
			abs, _ := filepath.Abs(p)
			if rel, err := filepath.Rel(found.Root, abs); err == nil && rel != "." && found.Config.Excluded(filepath.ToSlash(rel), false) {
				verbose("skipping %s: excluded, and exclude applies to named files (force-exclude)", p)
			}
		}
	}
	if *f.showFiles {
		prog.stop()
		return showFiles(stdout, found)
	}
	for _, file := range found.Files {
		verbose("%s %s", file.Kind, file.Path)
	}
	verbose("found %d files in %s", len(found.Files), time.Since(started).Round(time.Millisecond))
	cache := openCache(*f.noCache || found.Config.NoCache)
	if cache != nil {
		opts.Facts = cache
		verbose("cache in %s", cache.Dir())
	}
	prog.set(fmt.Sprintf("parsing %d files", len(found.Files)))
	t := time.Now()
	proj, err := driver.Parse(found, opts)
	if err != nil {
		prog.stop()
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	verbose("parsed in %s", time.Since(t).Round(time.Millisecond))

	selects := append(append([]string{}, proj.Config.Select...), plan.extendSelects...)
	if f.Changed("select") {
		selects = append(plan.selects, plan.extendSelects...)
	}
	if len(proj.Config.Select) == 0 && !f.Changed("select") {
		selects = nil // the default selects every rule; extending it adds nothing
	}
	enabled := rules.Select(selects, append(append([]string{}, proj.Config.Ignore...), plan.ignores...))
	prog.set(fmt.Sprintf("running %d rules on %d files", len(enabled), len(proj.Files)))
	t = time.Now()
	findings, err := analyzer.RunWith(proj, enabled, analyzer.RunOptions{Workers: *f.workers, ReportUnused: *f.reportUnused})
	prog.stop()
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	for _, n := range proj.Notes {
		fmt.Fprintf(stderr, "djleak: %s\n", n)
	}
	verbose("ran %d rules in %s", len(enabled), time.Since(t).Round(time.Millisecond))
	if cache != nil {
		cache.Flush()
		st := cache.Stats()
		verbose("cache: %d facts reused, %d computed; %d files' facts read, %d written; %d syntax trees reused, %d written", st.Hits, st.Misses, st.Loaded, st.Written, st.BlobHits, st.BlobsWritten)
		if reused := proj.CachedPasses(); len(reused) > 0 {
			verbose("cache: the results of %s reused (no input of theirs changed)", strings.Join(reused, ", "))
		}
		if err := cache.Err(); err != nil && !*f.quiet {
			fmt.Fprintf(stderr, "djleak: note: the cache is not written (%v); results are not affected\n", err)
		}
	}
	if *f.writeBaseline != "" {
		b := driver.NewBaseline(findings)
		maskBaseline(b, findings, proj.Config.ExtraTokenNames)
		if err := b.WriteFile(*f.writeBaseline); err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		if !*f.quiet {
			fmt.Fprintf(stderr, "djleak: wrote %d findings to %s\n", len(b.Findings), *f.writeBaseline)
		}
		return exitClean
	}
	if plan.baseline != nil {
		findings = plan.baseline.Filter(findings)
	}
	active := 0
	var shown []*analyzer.Finding
	for _, fd := range findings {
		if fd.Suppressed == nil {
			active++
		}
		if fd.Suppressed == nil || *f.includeSuppressed {
			shown = append(shown, fd)
		}
	}
	res := proj.Result(shown, enabled)
	res.Cwd = workingDir()
	res.RepoRoot = driver.RepoRoot(proj.Root)

	toStdout := false
	for _, o := range outs {
		toStdout = toStdout || o.path == ""
	}
	if !toStdout && !*f.quiet && isTerminal(stdout) {
		outs = append(outs, reportOut{"text", "", true})
	}
	for _, o := range outs {
		if err := f.write(o, res, stdout); err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
	}
	verbose("done in %s", time.Since(started).Round(time.Millisecond))
	if active > 0 && !*f.exitZero {
		return exitFindings
	}
	return exitClean
}

// write writes one report.
func (f *checkFlags) write(o reportOut, res *analyzer.Result, stdout io.Writer) (err error) {
	w := stdout
	useColor := *f.color == "always"
	if o.path != "" {
		file, err := os.Create(o.path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := file.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}()
		w = file
	} else if *f.color == "auto" {
		useColor = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	}
	opts := report.Options{Color: useColor, Quiet: *f.quiet, SARIFCategory: *f.sarifCategory}
	if *f.statistics && o.main {
		if err := report.WriteStatistics(w, o.format, res, opts); err != nil {
			return fmt.Errorf("writing statistics: %v", err)
		}
		return nil
	}
	if err := report.Write(w, o.format, res, opts); err != nil {
		return fmt.Errorf("writing %s: %v", stdoutName(o.path), err)
	}
	return nil
}

// loadConfig is the configuration for a project at root, with --config,
// --isolated, --exclude, --extend-exclude and --force-exclude applied.
func (f *checkFlags) loadConfig(root, file string, overrides []string) (*analyzer.Config, error) {
	cfg, err := chooseConfig(*f.isolated, file, overrides, root)
	if err != nil {
		return nil, err
	}
	if f.Changed("exclude") {
		cfg.Exclude = append([]string{}, *f.excludes...)
	}
	cfg.Exclude = append(cfg.Exclude, *f.extendExcludes...)
	if *f.forceExclude {
		cfg.ForceExclude = true
	}
	return cfg, cfg.Compile()
}

// chooseConfig loads the defaults (--isolated), the file given with
// --config, or the project's configuration, then applies the --config
// KEY=VALUE overrides in order.
func chooseConfig(isolated bool, file string, overrides []string, root string) (*analyzer.Config, error) {
	var cfg *analyzer.Config
	var err error
	switch {
	case isolated:
		cfg = analyzer.DefaultConfig()
	case file != "":
		cfg, err = driver.LoadConfigFile(file, root)
	default:
		cfg, err = driver.LoadConfig(root)
	}
	for _, o := range overrides {
		if err != nil {
			break
		}
		err = driver.Override(cfg, o, root)
	}
	return cfg, err
}

// splitConfigArgs sorts --config values into the file (at most one) and
// KEY=VALUE overrides: a value that names no file and has an = is an
// override.
func splitConfigArgs(values []string) (file string, overrides []string, err error) {
	for _, v := range values {
		if _, statErr := os.Stat(v); statErr != nil && strings.Contains(v, "=") {
			overrides = append(overrides, v)
			continue
		}
		if info, statErr := os.Stat(v); statErr != nil || info.IsDir() {
			return "", nil, fmt.Errorf("--config %s: no such file (an override is written KEY=VALUE)", v)
		}
		if file != "" {
			return "", nil, fmt.Errorf("--config names two files, %s and %s", file, v)
		}
		file = v
	}
	return file, overrides, nil
}

func configSource(cfg *analyzer.Config) string {
	if cfg.Source == "" {
		return "defaults (no .djleak.toml or [tool.djleak] in pyproject.toml)"
	}
	return cfg.Source
}

// showFiles lists the files a check would analyse: kind and
// project-relative path, sorted by path.
func showFiles(stdout io.Writer, proj *analyzer.Found) int {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, file := range proj.Files {
		if proj.InTargets(file.Path) {
			fmt.Fprintf(tw, "%s\t%s\n", file.Kind, file.Path)
		}
	}
	tw.Flush()
	return exitClean
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

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func rulesFlags() *flagSet {
	f := newFlagSet("rules", "", "List djleak's rules: ID, name, severity, precision and title.")
	f.String("format", "", "text", "FORMAT", "text or json")
	f.complete("format", "text", "json")
	return f
}

func cmdRules(args []string, stdout, stderr io.Writer) int {
	f := rulesFlags()
	format := (*string)(f.fs.Lookup("format").Value.(*stringValue))
	if _, code, done := f.parseOrExit(args, stdout, stderr, 0, 0); done {
		return code
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
		return f.fail(stderr, fmt.Errorf("unknown format %q (want text or json)", *format))
	}
	return exitClean
}

func explainFlags() *flagSet {
	return newFlagSet("explain", "RULE", "Print a rule's documentation: what it does, why it matters, an example and what to use instead. RULE is an ID (DJL401) or a name (session-cookie-not-secure).")
}

func cmdExplain(args []string, stdout, stderr io.Writer) int {
	f := explainFlags()
	pos, code, done := f.parseOrExit(args, stdout, stderr, 1, 1)
	if done {
		return code
	}
	r := rules.Lookup(pos[0])
	if r == nil {
		var cands []string
		for _, r := range rules.All() {
			cands = append(cands, r.ID, r.Name)
		}
		fmt.Fprintf(stderr, "djleak: no rule %q%s (see djleak rules)\n", pos[0], analyzer.DidYouMean(pos[0], cands))
		return exitError
	}
	fmt.Fprint(stdout, r.Doc())
	return exitClean
}

// maskBaseline masks secrets in the messages a baseline records (they are
// for the reader; findings are matched by fingerprint).
func maskBaseline(b *driver.Baseline, findings []*analyzer.Finding, tokenNames []string) {
	var secrets []string
	for _, f := range findings {
		secrets = append(secrets, f.Secrets...)
	}
	m := mask.New(secrets, tokenNames)
	for i := range b.Findings {
		b.Findings[i].Message = m.Text(b.Findings[i].Message)
	}
}
