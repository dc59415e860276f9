package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/djleak/djleak/analyzer"
)

// cmdConfig prints the effective configuration for a project.
func cmdConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "project root `DIR` (default: detected from PATH or the current directory)")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	start := "."
	if fs.NArg() > 0 {
		start = fs.Arg(0)
	}
	dir := *root
	if dir == "" {
		abs, err := filepath.Abs(start)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		dir = analyzer.FindRoot(abs)
	}
	cfg, err := analyzer.LoadConfig(dir)
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	src := cfg.Source
	if src == "" {
		src = "defaults (no .djleak.toml or [tool.djleak] in pyproject.toml)"
	}
	fmt.Fprintf(stdout, "# project root: %s\n# configuration from: %s\n", dir, src)
	eff := struct {
		Select          []string                      `toml:"select"`
		Ignore          []string                      `toml:"ignore"`
		Exclude         []string                      `toml:"exclude"`
		NginxRoots      []string                      `toml:"nginx-roots"`
		PerFileIgnores  map[string][]string           `toml:"per-file-ignores"`
		IdentityHeaders []string                      `toml:"identity-headers"`
		SettingsModule  string                        `toml:"settings-module"`
		MaxFileSize     analyzer.ByteSize             `toml:"max-file-size"`
		IncludeTests    bool                          `toml:"include-tests"`
		IdentityMW      []analyzer.IdentityMiddleware `toml:"identity-middleware"`
	}{nonNil(cfg.Select), nonNil(cfg.Ignore), nonNil(cfg.Exclude), nonNil(cfg.NginxRoots), cfg.PerFileIgnores,
		nonNil(cfg.IdentityHeaders), cfg.SettingsModule, cfg.MaxFileSize, cfg.IncludeTests, cfg.IdentityMiddleware}
	if eff.PerFileIgnores == nil {
		eff.PerFileIgnores = map[string][]string{}
	}
	if err := toml.NewEncoder(stdout).Encode(eff); err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	return exitClean
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
