package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/cmd/djleak/internal/lsp"
)

// cmdLSP runs the language server on standard input and output.
func cmdLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lsp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("verbose", os.Getenv("DJLEAK_LSP_LOG") != "", "log the server's work to standard error (also when DJLEAK_LSP_LOG is set)")
	root := fs.String("root", "", "project root `DIR` (default: the editor's workspace folder, else found from the first opened file)")
	reportUnused := fs.Bool("report-unused-ignores", true, "report suppression comments that suppress nothing")
	fs.Bool("stdio", true, "communicate over standard input and output (the only transport; accepted for editors that pass it)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: djleak lsp [flags]\n\nRuns the djleak language server (LSP 3.17) over standard input and output.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "djleak lsp: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	// Standard output carries the protocol: anything else that prints to
	// it would corrupt the stream, so send stray output to standard error.
	if f, ok := stdout.(*os.File); ok && f == os.Stdout {
		os.Stdout = os.Stderr
		defer func() { os.Stdout = f }()
	}
	opts := lsp.Options{Version: analyzer.Version, Root: *root, ReportUnused: *reportUnused}
	if *verbose {
		opts.Log = stderr
	}
	return lsp.Serve(stdin, stdout, opts)
}
