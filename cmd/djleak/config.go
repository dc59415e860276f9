package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"github.com/BurntSushi/toml"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

type configFlags struct {
	*flagSet
	root     *string
	configs  *multiFlag
	isolated *bool
}

func newConfigFlags() *configFlags {
	f := &configFlags{flagSet: newFlagSet("config", "[PATH]", `Print the effective configuration of the project that contains PATH (default
"."): every key with its value, defaults included, and the file it came from.`)}
	f.root = f.String("root", "", "", "DIR", "project root (default: detected from PATH)")
	f.configs = &multiFlag{}
	f.add(f.configs, "config", "", "FILE|KEY=VALUE", "read the configuration from FILE instead of the project's, or override one key (TOML KEY=VALUE); repeatable")
	f.isolated = f.Bool("isolated", "", false, "ignore configuration files and print the defaults")
	return f
}

// cmdConfig prints the effective configuration for a project.
func cmdConfig(args []string, stdout, stderr io.Writer) int {
	f := newConfigFlags()
	pos, code, done := f.parseOrExit(args, stdout, stderr, 0, 1)
	if done {
		return code
	}
	start := "."
	if len(pos) == 1 {
		start = pos[0]
	}
	if _, err := os.Stat(start); err != nil {
		fmt.Fprintf(stderr, "djleak: %s: no such file or directory\n", start)
		return exitError
	}
	dir := *f.root
	if dir == "" {
		abs, err := filepath.Abs(start)
		if err != nil {
			fmt.Fprintf(stderr, "djleak: %v\n", err)
			return exitError
		}
		if info, err := os.Stat(abs); err == nil && !info.IsDir() {
			abs = filepath.Dir(abs)
		}
		dir = driver.FindRoot(abs)
	} else if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		fmt.Fprintf(stderr, "djleak: --root %s: no such directory\n", dir)
		return exitError
	}
	file, overrides, err := splitConfigArgs(*f.configs)
	if err != nil {
		return f.fail(stderr, err)
	}
	cfg, err := chooseConfig(*f.isolated, file, overrides, dir)
	if err == nil {
		// Values that depend on the project's files (settings-module).
		_, err = driver.Discover(driver.Options{Paths: []string{dir}, Root: dir,
			LoadConfig: func(string) (*analyzer.Config, error) { return cfg, nil }})
	}
	if err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "# project root: %s\n# configuration from: %s\n", dir, configSource(cfg))
	if err := toml.NewEncoder(stdout).Encode(effective(cfg)); err != nil {
		fmt.Fprintf(stderr, "djleak: %v\n", err)
		return exitError
	}
	return exitClean
}

// effective is a copy of cfg in which every list and table is present
// (empty rather than nil), so that the TOML shows every key.
func effective(cfg *analyzer.Config) any {
	in := reflect.ValueOf(cfg).Elem()
	t := in.Type()
	var fields []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		if sf := t.Field(i); sf.IsExported() && sf.Tag.Get("toml") != "-" {
			fields = append(fields, sf)
		}
	}
	out := reflect.New(reflect.StructOf(fields)).Elem()
	for i, sf := range fields {
		v := in.FieldByName(sf.Name)
		switch {
		case v.Kind() == reflect.Slice && v.IsNil():
			v = reflect.MakeSlice(v.Type(), 0, 0)
		case v.Kind() == reflect.Map && v.IsNil():
			v = reflect.MakeMap(v.Type())
		}
		out.Field(i).Set(v)
	}
	return out.Interface()
}
