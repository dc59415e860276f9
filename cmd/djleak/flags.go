package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// flagSet is a subcommand's flags. Values live in a standard flag.FlagSet;
// parsing and help are djleak's own, to give GNU-style answers:
//
//   - flags are written --name (a single dash is accepted too) and may
//     follow paths; "--" ends them;
//   - -x short forms exist for a few flags (-o, -q, -v, -h), and may be
//     grouped (-qv);
//   - a flag that takes a value and is given last, or is followed by
//     another flag, is an error instead of swallowing what follows;
//   - an unknown flag is an error with a "did you mean";
//   - --help prints the help to standard output.
type flagSet struct {
	name    string // "check"; the command line is "djleak " + name
	args    string // positional arguments in the usage line, "[PATH...]"
	about   string
	fs      *flag.FlagSet
	order   []string          // long names in declaration order
	short   map[string]string // long name → one-letter alias
	aliases map[string]string // alias → long name ("output-format" → "format")
	meta    map[string]string // long name → value placeholder ("FILE")
	values  map[string]string // long name → completion values ("text json")
	set     map[string]bool   // long names given on the command line
}

var errHelp = errors.New("help requested")

func newFlagSet(name, args, about string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &flagSet{name: name, args: args, about: about, fs: fs,
		short: map[string]string{}, aliases: map[string]string{}, meta: map[string]string{}, values: map[string]string{}, set: map[string]bool{}}
	return f
}

// add registers v under long (and short, when not ""); meta is the value
// placeholder ("" for a boolean flag).
func (f *flagSet) add(v flag.Value, long, short, meta, help string) {
	f.fs.Var(v, long, help)
	f.order = append(f.order, long)
	f.meta[long] = meta
	if short != "" {
		f.fs.Var(v, short, help)
		f.short[long] = short
	}
}

func (f *flagSet) String(long, short, def, meta, help string) *string {
	p := new(string)
	*p = def
	f.add((*stringValue)(p), long, short, meta, help)
	return p
}

func (f *flagSet) Bool(long, short string, def bool, help string) *bool {
	p := new(bool)
	*p = def
	f.add((*boolValue)(p), long, short, "", help)
	return p
}

func (f *flagSet) Int(long string, def int, meta, help string) *int {
	p := new(int)
	*p = def
	f.add((*intValue)(p), long, "", meta, help)
	return p
}

func (f *flagSet) List(long, meta, help string) *listFlag {
	p := new(listFlag)
	f.add(p, long, "", meta, help)
	return p
}

// alias makes name another spelling of the long flag.
func (f *flagSet) alias(name, long string) {
	fl := f.fs.Lookup(long)
	f.fs.Var(fl.Value, name, fl.Usage)
	f.aliases[name] = long
}

// complete records the values a flag takes, for shell completion.
func (f *flagSet) complete(long string, values ...string) {
	f.values[long] = strings.Join(values, " ")
}

// Changed reports whether the flag was given.
func (f *flagSet) Changed(long string) bool { return f.set[long] }

// longName maps a name as typed (long or short) to the long name.
func (f *flagSet) longName(name string) string {
	if long, ok := f.aliases[name]; ok {
		return long
	}
	for long, s := range f.short {
		if s == name {
			return long
		}
	}
	return name
}

func (f *flagSet) isBool(name string) bool {
	fl := f.fs.Lookup(name)
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// looksLikeFlag reports whether a would be read as a flag: "--x", or "-x"
// naming a defined flag (so "-3" can be a value).
func (f *flagSet) looksLikeFlag(a string) bool {
	if strings.HasPrefix(a, "--") {
		return true
	}
	if !strings.HasPrefix(a, "-") || a == "-" {
		return false
	}
	name, _, _ := strings.Cut(a[1:], "=")
	return f.fs.Lookup(name) != nil
}

// parse sets the flags in args and returns the positional arguments. It
// returns errHelp for -h/--help and a usage error otherwise.
func (f *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name == "h" || name == "help" {
			return nil, errHelp
		}
		if expanded, ok := f.shortCluster(a); ok {
			// -qv is -q -v; the last letter may take a value (-qo FILE).
			args = append(append(append([]string{}, args[:i]...), expanded...), args[i+1:]...)
			i--
			continue
		}
		if f.fs.Lookup(name) == nil {
			return nil, fmt.Errorf("unknown flag %s%s", a, f.suggestFlag(name))
		}
		long := f.longName(name)
		if !hasValue {
			if f.isBool(name) {
				value = "true"
			} else {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag %s needs a value (%s)", a, f.metaOf(long))
				}
				if next := args[i+1]; f.looksLikeFlag(next) {
					return nil, fmt.Errorf("flag %s needs a value (%s), but is followed by the flag %s", a, f.metaOf(long), next)
				}
				i++
				value = args[i]
			}
		}
		if err := f.fs.Set(name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for --%s: %v", value, long, err)
		}
		f.set[long] = true
	}
	return pos, nil
}

// shortCluster expands "-qv" into "-q", "-v" when every letter is a
// one-letter flag and all but the last are booleans.
func (f *flagSet) shortCluster(a string) ([]string, bool) {
	if strings.HasPrefix(a, "--") || len(a) < 3 || strings.Contains(a, "=") {
		return nil, false
	}
	var out []string
	letters := a[1:]
	for i, r := range letters {
		name := string(r)
		long := f.longName(name)
		if _, isShort := f.short[long]; !isShort || f.short[long] != name {
			return nil, false
		}
		if i < len(letters)-1 && !f.isBool(name) {
			return nil, false
		}
		out = append(out, "-"+name)
	}
	return out, true
}

func (f *flagSet) metaOf(long string) string {
	if m := f.meta[long]; m != "" {
		return m
	}
	return "a value"
}

func (f *flagSet) suggestFlag(name string) string {
	var names []string
	names = append(names, f.order...)
	for a := range f.aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	if s := analyzer.Suggest(name, names); s != "" {
		return " (did you mean --" + s + "?)"
	}
	return ""
}

// usage prints the help: usage line, description and one line per flag,
// "-o, --output FILE".
func (f *flagSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: djleak %s [flags]", f.name)
	if f.args != "" {
		fmt.Fprintf(w, " %s", f.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(f.about))
	if len(f.order) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFlags:\n")
	type row struct{ left, help string }
	var rows []row
	width := 0
	for _, long := range f.order {
		left := "    --" + long
		if s := f.short[long]; s != "" {
			left = "-" + s + ", --" + long
		}
		for _, a := range f.aliasesOf(long) {
			left += ", --" + a
		}
		if m := f.meta[long]; m != "" {
			left += " " + m
		}
		fl := f.fs.Lookup(long)
		help := fl.Usage
		switch d := fl.DefValue; {
		case strings.Contains(help, "default"), d == "", d == "false", d == "0":
		case f.isBool(long):
			help += " (default on; --" + long + "=false turns it off)"
		default:
			help += " (default " + strconv.Quote(d) + ")"
		}
		rows = append(rows, row{left, help})
		width = max(width, len(left))
	}
	rows = append(rows, row{"-h, --help", "print this help"})
	for _, r := range rows {
		lines := wrap(r.help, max(40, helpWidth-width-4))
		fmt.Fprintf(w, "  %-*s  %s\n", width, r.left, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "  %-*s  %s\n", width, "", l)
		}
	}
}

// helpWidth is the width help text is wrapped to.
const helpWidth = 100

// wrap breaks text into lines of at most width bytes at spaces (a longer
// word gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

func (f *flagSet) aliasesOf(long string) []string {
	var out []string
	for a, l := range f.aliases {
		if l == long {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// longFlags lists "--name" for every flag, sorted, for completion.
func (f *flagSet) longFlags() []string {
	var out []string
	for _, l := range f.order {
		out = append(out, "--"+l)
		for _, a := range f.aliasesOf(l) {
			out = append(out, "--"+a)
		}
	}
	out = append(out, "--help")
	sort.Strings(out)
	return out
}

// fail reports a usage error: the message, then where to find help.
func (f *flagSet) fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "djleak %s: %v\nRun \"djleak %s --help\" for usage.\n", f.name, err, f.name)
	return exitError
}

// parseOrExit parses args and checks that there are minArgs to maxArgs
// positional arguments (maxArgs < 0: no limit); done is true when the
// command must return code (help printed, or a usage error).
func (f *flagSet) parseOrExit(args []string, stdout, stderr io.Writer, minArgs, maxArgs int) (pos []string, code int, done bool) {
	pos, err := f.parse(args)
	if errors.Is(err, errHelp) {
		f.usage(stdout)
		return nil, exitClean, true
	}
	switch {
	case err != nil:
	case maxArgs == 0 && len(pos) > 0:
		err = fmt.Errorf("unexpected argument %q", pos[0])
	case len(pos) < minArgs || (maxArgs >= 0 && len(pos) > maxArgs):
		err = fmt.Errorf("want %s, got %d arguments", f.args, len(pos))
	}
	if err != nil {
		return nil, f.fail(stderr, err), true
	}
	return pos, 0, false
}

type stringValue string

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }
func (s *stringValue) String() string     { return string(*s) }

type boolValue bool

func (b *boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	*b = boolValue(x)
	return nil
}
func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (n *intValue) Set(v string) error {
	x, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want a whole number")
	}
	*n = intValue(x)
	return nil
}
func (n *intValue) String() string { return strconv.Itoa(int(*n)) }

// listFlag collects comma-separated values; repeating the flag adds more.
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

// multiFlag collects each value as given; repeating the flag adds more.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
