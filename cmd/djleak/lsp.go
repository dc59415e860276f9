package main

import (
	"io"
	"os"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/cmd/djleak/internal/lsp"
)

type lspFlags struct {
	*flagSet
	verbose, reportUnused *bool
	root                  *string
}

func newLSPFlags() *lspFlags {
	f := &lspFlags{flagSet: newFlagSet("lsp", "", "Run the djleak language server (LSP 3.17) over standard input and output.")}
	f.verbose = f.Bool("verbose", "v", os.Getenv("DJLEAK_LSP_LOG") != "", "log the server's work to standard error (also when DJLEAK_LSP_LOG is set)")
	f.root = f.String("root", "", "", "DIR", "project root (default: the editor's workspace folder, else found from the first opened file)")
	f.reportUnused = f.Bool("report-unused-ignores", "", true, "report suppression comments that suppress nothing")
	f.Bool("stdio", "", true, "communicate over standard input and output (the only transport; accepted for editors that pass it)")
	return f
}

// cmdLSP runs the language server on standard input and output.
func cmdLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newLSPFlags()
	if _, code, done := f.parseOrExit(args, stdout, stderr, 0, 0); done {
		return code
	}
	// Standard output carries the protocol: anything else that prints to
	// it would corrupt the stream, so send stray output to standard error.
	if f, ok := stdout.(*os.File); ok && f == os.Stdout {
		os.Stdout = os.Stderr
		defer func() { os.Stdout = f }()
	}
	opts := lsp.Options{Version: analyzer.Version, Root: *f.root, ReportUnused: *f.reportUnused}
	if *f.verbose {
		opts.Log = stderr
	}
	return lsp.Serve(stdin, stdout, opts)
}
