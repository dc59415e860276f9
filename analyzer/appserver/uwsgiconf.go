package appserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/djleak/djleak/parsers/source"
)

// How uwsgi 2.0 builds its configuration, as the model knows it (checked
// against the real uwsgi's --show-config by TestUWSGIConfigOracle):
//
//   - Options form one ordered list: first one per UWSGI_<NAME>
//     environment variable (NAME lower-cased, `_` as `-`), in the
//     environment's order, then the command line's, in order. Every value
//     of an option is kept (`socket` twice opens two sockets).
//   - An `ini`, `yaml` / `yml` or `json` / `js` option (and a bare
//     configuration file on the command line, by its extension) loads that
//     file in place: its options follow the including one. `path:section`
//     picks a section, else `uwsgi`; an included file starts over at
//     `uwsgi`. `inherit` loads its file after the rest of the current one.
//     A relative path is relative to uwsgi's working directory. A missing
//     file stops uwsgi.
//   - While a file is read, `%d` (its directory, with a trailing slash),
//     `%p` (its path), `%s` (its name), `%n` (its name without the
//     extension), `%e` (the extension), `%c` (its directory's name), `%x`
//     (the section named after `:`, "" without one), `%0`… (the
//     directory's components) and `%%` are replaced; `$(NAME)` is the
//     environment variable, left as written when unset; `@(path)` is that
//     file's content without its final newline. Other magic letters are
//     run-time facts (host name, user, time …) or nothing.
//   - When every file is read, `%(name)` is replaced in one pass over the
//     list, in order, by the current value of the first option called
//     name: an option before it has had its own placeholders replaced, one
//     after it has not. A name no option has stays as written.
//   - In ini files a line without `=` is an option with an empty value;
//     quotes and `;` or `#` after a value are part of it; a section may
//     appear more than once. In json files true is 1, false 0, and a list
//     is one option per element; in yaml files a list is one option per
//     element.

// UWSGIOption is one option of a resolved uwsgi configuration.
type UWSGIOption struct {
	Key, Value string
	At         source.Location
	// Undecided lists what the value depends on that djleak cannot know:
	// `$(PORT)`, `%d`, `%(name)` … Each stands as "{…}" in Value.
	Undecided []string
}

// UWSGIProblem is something in a uwsgi configuration that uwsgi refuses,
// or that djleak cannot resolve: a missing included file or section, a
// placeholder no option defines.
type UWSGIProblem struct {
	At  source.Location
	Msg string
}

// UWSGIConfig is one uwsgi invocation's resolved configuration.
type UWSGIConfig struct {
	Options  []UWSGIOption
	Problems []UWSGIProblem
}

// Values returns the values of every option called key, in order.
func (c *UWSGIConfig) Values(key string) []UWSGIOption {
	var out []UWSGIOption
	for _, o := range c.Options {
		if o.Key == key {
			out = append(out, o)
		}
	}
	return out
}

// unknownPart stands for a part of a value djleak cannot know.
const unknownPart = "{…}"

// uwsgiLoader reads the files of a uwsgi configuration.
type uwsgiLoader struct {
	// read returns a project file's content; nil when there is none.
	read func(rel string) []byte
	// env is the environment uwsgi starts with, in order; envKnown says it
	// is the whole environment (an unset variable is then left as written).
	env      [][2]string
	envKnown bool
	// cwdRel is uwsgi's working directory as a project path, cwdRun as it
	// is at run time; known says they are known. When not, a relative path
	// is looked up beside the including file, then at the project's root.
	cwdRel, cwdRun string
	cwdKnown       bool
	// alias maps a path the command line writes to the project file it
	// is (copied into an image under another directory).
	alias map[string]string

	opts     []UWSGIOption
	problems []UWSGIProblem
	stack    []string
	loaded   map[string]bool // the project files read
}

// uwsgiArg is one option of the command line.
type uwsgiArg struct {
	Key, Value string
	At         source.Location
	// Bare is a configuration file named on its own (`uwsgi app.ini`):
	// uwsgi loads it after every option, and shows no option for it.
	Bare bool
}

// uwsgiIncludes are the options that load a configuration file, by the
// format they read ("" for inherit: by the file's extension).
var uwsgiIncludes = map[string]string{"ini": "ini", "yaml": "yaml", "yml": "yaml", "json": "json", "js": "json", "inherit": ""}

// formatOf is the configuration format a file name's extension says.
func formatOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".ini":
		return "ini"
	case ".yaml", ".yml":
		return "yaml"
	case ".json", ".js":
		return "json"
	}
	return ""
}

// uwsgiInternalEnv are UWSGI_* variables uwsgi sets for itself, not options.
var uwsgiInternalEnv = map[string]bool{"UWSGI_RELOADS": true, "UWSGI_ORIGINAL_PROC_NAME": true, "UWSGI_VASSAL_CONFIG": true}

// resolve builds the configuration of a uwsgi that starts with the
// loader's environment and these command-line options.
func (ld *uwsgiLoader) resolve(args []uwsgiArg, at source.Location) *UWSGIConfig {
	for _, kv := range ld.env {
		if name, ok := strings.CutPrefix(kv[0], "UWSGI_"); ok && name != "" && !uwsgiInternalEnv[kv[0]] {
			ld.opts = append(ld.opts, UWSGIOption{Key: strings.ReplaceAll(strings.ToLower(name), "_", "-"), Value: kv[1], At: at})
		}
	}
	for _, bare := range []bool{false, true} {
		for _, a := range args {
			if a.Bare != bare {
				continue
			}
			if bare {
				ld.include(a.Key, a.Value, nil, a.At)
				continue
			}
			ld.option(a.Key, a.Value, nil, a.At, nil)
		}
	}
	ld.placeholders()
	return &UWSGIConfig{Options: ld.opts, Problems: ld.problems}
}

// uwsgiFileRef is a configuration file as uwsgi reads it.
type uwsgiFileRef struct {
	rel     string // the project path; "" when not in the project
	run     string // the path at run time, cleaned; "" when unknown
	written string // as the command line or option writes it
	section string // as written after ':'; "" when none
}

// option adds one option; an include loads its file. from is the file the
// option is written in (nil on the command line); undecided what its value
// already depends on.
func (ld *uwsgiLoader) option(key, val string, from *uwsgiFileRef, at source.Location, undecided []string) {
	format, include := uwsgiIncludes[key]
	if !include && key == "" {
		return
	}
	shown := val
	if include && (key == "json" || key == "js") {
		shown, _ = splitSection(val) // uwsgi shows a json include without its section
	}
	ld.opts = append(ld.opts, UWSGIOption{Key: key, Value: shown, At: at, Undecided: undecided})
	if !include || key == "inherit" && from != nil {
		return // a file's inherit loads after the rest of the file (load)
	}
	if rest, ok := strings.CutPrefix(val, unknownPart); ok && from != nil && from.rel != "" && len(undecided) == 1 && undecided[0] == "%d" {
		// %d is the including file's directory, wherever it is deployed.
		file, section := splitSection(rest)
		if format == "" {
			format = formatOf(file)
		}
		ref := uwsgiFileRef{rel: path.Join(path.Dir(from.rel), file), section: section}
		ref.written = ref.rel
		if ld.read(ref.rel) == nil {
			ref.rel = ""
		}
		ld.load(ref, format, at)
		return
	}
	if len(undecided) > 0 {
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi `%s = %s` depends on %s, which djleak cannot know: the file it loads is not analysed", key, val, strings.Join(undecided, ", "))})
		return
	}
	ld.include(format, val, from, at)
}

// include loads the file an include option names.
func (ld *uwsgiLoader) include(format, val string, from *uwsgiFileRef, at source.Location) {
	if strings.Contains(val, "://") {
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi loads `%s`, which is no file of the project: djleak cannot see its options", val)})
		return
	}
	file, section := splitSection(val)
	if format == "" {
		format = formatOf(file)
	}
	ref := ld.locate(file, from)
	ref.written, ref.section = val, section
	ld.load(ref, format, at)
}

// splitSection splits "file.ini:section" (a ':' after the last '/').
func splitSection(v string) (file, section string) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 || strings.Contains(v[i:], "/") {
		return v, ""
	}
	return v[:i], v[i+1:]
}

// locate finds the file a path names, as uwsgi running in its working
// directory would.
func (ld *uwsgiLoader) locate(p string, from *uwsgiFileRef) uwsgiFileRef {
	ref := uwsgiFileRef{}
	if rel, ok := ld.alias[p]; ok && ld.read(rel) != nil {
		ref.rel = rel
		if path.IsAbs(p) {
			ref.run = path.Clean(p)
		}
		return ref
	}
	if path.IsAbs(p) {
		ref.run = path.Clean(p)
		parts := strings.Split(strings.TrimPrefix(ref.run, "/"), "/")
		for i := range parts {
			if rel := strings.Join(parts[i:], "/"); ld.read(rel) != nil {
				ref.rel = rel
				break
			}
		}
		// A path under the including file's deployed directory is under
		// its project directory (the files were copied together).
		if ref.rel == "" && from != nil && from.run != "" && from.rel != "" {
			if rest, ok := strings.CutPrefix(ref.run, path.Dir(from.run)+"/"); ok {
				if rel := path.Join(path.Dir(from.rel), rest); ld.read(rel) != nil {
					ref.rel = rel
				}
			}
		}
		return ref
	}
	if ld.cwdKnown {
		ref.rel = path.Clean(path.Join(ld.cwdRel, p))
		if ld.cwdRun != "" {
			ref.run = path.Clean(path.Join(ld.cwdRun, p))
		}
		if ld.read(ref.rel) == nil {
			ref.rel = ""
		}
		return ref
	}
	var cands []string
	if from != nil && from.rel != "" {
		cands = append(cands, path.Join(path.Dir(from.rel), p))
	}
	cands = append(cands, path.Clean(p))
	for _, c := range cands {
		if !strings.HasPrefix(c, "../") && ld.read(c) != nil {
			ref.rel = c
			break
		}
	}
	return ref
}

// load reads one configuration file's section.
func (ld *uwsgiLoader) load(ref uwsgiFileRef, format string, at source.Location) {
	if ref.rel == "" {
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi loads `%s`, which is not in the project: uwsgi stops when it is missing, and djleak cannot see its options", ref.written)})
		return
	}
	key := ref.rel + ":" + ref.section
	for _, s := range ld.stack {
		if s == key {
			ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi loads `%s` again while reading it: the files include each other", ref.written)})
			return
		}
	}
	if ld.loaded == nil {
		ld.loaded = map[string]bool{}
	}
	ld.loaded[ref.rel] = true
	data := ld.read(ref.rel)
	f := source.NewFile(ref.rel, data)
	section := ref.section
	if section == "" {
		section = "uwsgi"
	}
	if bad, line, fatal := syntaxError(f, format); bad != "" {
		where := at
		if line > 0 {
			where = f.LineSpan(line)
		}
		if fatal {
			ld.problems = append(ld.problems, UWSGIProblem{where, fmt.Sprintf("uwsgi cannot parse `%s` as %s (%s): uwsgi stops", ref.rel, strings.ToUpper(format), bad)})
			return
		}
		ld.problems = append(ld.problems, UWSGIProblem{where, fmt.Sprintf("djleak cannot parse `%s` as %s (%s), and uwsgi reads such a file its own way: its options are not analysed", ref.rel, strings.ToUpper(format), bad)})
		return
	}
	var entries []uwsgiEntry
	found := true
	switch format {
	case "ini":
		entries, found = iniEntries(f, section)
	case "yaml":
		entries, found = yamlEntries(f, section)
	case "json":
		entries, found = jsonEntries(f, section)
	default:
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi cannot tell the format of `%s` from its name", ref.written)})
		return
	}
	switch {
	case !found && format == "json":
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi reads the object `%s` of `%s`, which has none: uwsgi stops", section, ref.rel)})
		return
	case !found && ref.section != "":
		ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi reads the section `%s` of `%s`, which has none: uwsgi reads no option from it", section, ref.rel)})
	}
	ld.stack = append(ld.stack, key)
	defer func() { ld.stack = ld.stack[:len(ld.stack)-1] }()
	var inherits []func()
	for _, e := range entries {
		val, und := ld.expand(e.val, &ref, e.at)
		ld.option(e.key, val, &ref, e.at, und)
		if e.key == "inherit" && len(und) == 0 {
			at := e.at
			inherits = append(inherits, func() { ld.include("", val, &ref, at) })
		}
	}
	for _, in := range inherits {
		in()
	}
}

// yamlLine finds the line number in a yaml.v3 error.
var yamlLine = regexp.MustCompile(`line ([0-9]+)`)

// syntaxError checks a yaml or json file: the error, its line (0 when
// unknown) and whether uwsgi stops on it (a json error; uwsgi's yaml
// reader goes on in its own way).
func syntaxError(f *source.File, format string) (msg string, line int, fatal bool) {
	switch format {
	case "json":
		var v any
		err := json.Unmarshal(f.Content, &v)
		if err == nil {
			return "", 0, false
		}
		if se, ok := err.(*json.SyntaxError); ok {
			return se.Error(), f.Pos(int(se.Offset)).Line, true
		}
		return err.Error(), 0, true
	case "yaml":
		var doc yaml.Node
		err := yaml.Unmarshal(f.Content, &doc)
		if err == nil {
			return "", 0, false
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return msg, line, false
	}
	return "", 0, false
}

// uwsgiEntry is one option as a file writes it.
type uwsgiEntry struct {
	key, val string
	at       source.Location
}

// iniEntries reads the options of an ini file's sections called section.
func iniEntries(f *source.File, section string) ([]uwsgiEntry, bool) {
	var out []uwsgiEntry
	in, found := false, false
	for ln := 1; ln <= f.LineCount(); ln++ {
		line := strings.TrimSpace(f.Line(ln))
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			name, _, _ := strings.Cut(line[1:], "]")
			in = name == section
			found = found || in
		case in:
			k, v, _ := strings.Cut(line, "=")
			out = append(out, uwsgiEntry{strings.TrimSpace(k), strings.TrimSpace(v), f.LineSpan(ln)})
		}
	}
	return out, found
}

// yamlEntries reads the options of a yaml file's top-level mapping called
// section.
func yamlEntries(f *source.File, section string) ([]uwsgiEntry, bool) {
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(f.Content)).Decode(&doc) != nil || len(doc.Content) == 0 {
		return nil, false
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, false
	}
	var out []uwsgiEntry
	found := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != section || top.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		found = true
		m := top.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			key := m.Content[j].Value
			v := m.Content[j+1]
			vals := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				vals = v.Content
			}
			for _, x := range vals {
				if x.Kind == yaml.ScalarNode {
					out = append(out, uwsgiEntry{key, x.Value, f.LineSpan(x.Line)})
				}
			}
		}
	}
	return out, found
}

// jsonEntries reads the options of a json file's top-level object called
// section, in order.
func jsonEntries(f *source.File, section string) ([]uwsgiEntry, bool) {
	dec := json.NewDecoder(bytes.NewReader(f.Content))
	dec.UseNumber()
	lineAt := func() source.Location {
		return f.LineSpan(f.Pos(int(dec.InputOffset())).Line)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []uwsgiEntry
	found := false
	scalar := func(t json.Token) (string, bool) {
		switch v := t.(type) {
		case string:
			return v, true
		case json.Number:
			return v.String(), true
		case bool:
			if v {
				return "1", true
			}
			return "0", true
		}
		return "", false
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return out, found
		}
		name, _ := kt.(string)
		if name != section {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return out, found
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return out, found
		}
		found = true
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return out, found
			}
			key, _ := kt.(string)
			at := lineAt()
			t, err := dec.Token()
			if err != nil {
				return out, found
			}
			if t == json.Delim('[') {
				for dec.More() {
					et, err := dec.Token()
					if err != nil {
						return out, found
					}
					if s, ok := scalar(et); ok {
						out = append(out, uwsgiEntry{key, s, at})
					}
				}
				dec.Token()
				continue
			}
			if t == json.Delim('{') {
				depth := 1
				for depth > 0 {
					t, err := dec.Token()
					if err != nil {
						return out, found
					}
					switch t {
					case json.Delim('{'), json.Delim('['):
						depth++
					case json.Delim('}'), json.Delim(']'):
						depth--
					}
				}
				continue
			}
			if s, ok := scalar(t); ok {
				out = append(out, uwsgiEntry{key, s, at})
			}
		}
		dec.Token()
	}
	return out, found
}

// uwsgiRuntimeMagic are the magic letters that stand for run-time facts
// djleak cannot know (host name, CPU cores, user and group, time, uwsgi's
// version, the working directory …).
const uwsgiRuntimeMagic = "hkuUgGtTjVvioOP"

// expand replaces what uwsgi replaces while it reads a file: magic
// variables, $(ENV) and @(file). %(name) stays for placeholders.
func (ld *uwsgiLoader) expand(v string, ref *uwsgiFileRef, at source.Location) (string, []string) {
	var b strings.Builder
	var und []string
	unknown := func(what string) {
		b.WriteString(unknownPart)
		und = append(und, what)
	}
	name := path.Base(ref.rel)
	if ref.run != "" {
		name = path.Base(ref.run)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '$' && strings.HasPrefix(v[i:], "$(") {
			if j := strings.IndexByte(v[i:], ')'); j > 0 {
				envName := v[i+2 : i+j]
				val, ok := "", false
				for _, kv := range ld.env {
					if kv[0] == envName {
						val, ok = kv[1], true
					}
				}
				switch {
				case ok:
					b.WriteString(val)
				case ld.envKnown:
					b.WriteString(v[i : i+j+1])
				default:
					unknown("$(" + envName + ")")
				}
				i += j
				continue
			}
		}
		if c == '@' && strings.HasPrefix(v[i:], "@(") {
			if j := strings.IndexByte(v[i:], ')'); j > 0 {
				p := v[i+2 : i+j]
				i += j
				if strings.Contains(p, "://") {
					unknown("@(" + p + ")")
					continue
				}
				r := ld.locate(p, ref)
				if r.rel == "" {
					ld.problems = append(ld.problems, UWSGIProblem{at, fmt.Sprintf("uwsgi reads `@(%s)`, which is not in the project: uwsgi stops when it is missing", p)})
					unknown("@(" + p + ")")
					continue
				}
				b.WriteString(strings.TrimSuffix(string(ld.read(r.rel)), "\n"))
				continue
			}
		}
		if c != '%' || i+1 >= len(v) {
			b.WriteByte(c)
			continue
		}
		m := v[i+1]
		i++
		dir := ""
		if ref.run != "" {
			dir = path.Dir(ref.run)
		}
		switch {
		case m == '(':
			b.WriteString("%(") // a placeholder, replaced at the end
		case m == '%':
			b.WriteByte('%')
		case m == 's':
			b.WriteString(name)
		case m == 'n':
			b.WriteString(strings.TrimSuffix(name, path.Ext(name)))
		case m == 'e':
			b.WriteString(strings.TrimPrefix(path.Ext(name), "."))
		case m == 'x':
			b.WriteString(ref.section)
		case m == 'p' && ref.run != "":
			b.WriteString(ref.run)
		case m == 'd' && ref.run != "":
			b.WriteString(strings.TrimSuffix(dir, "/") + "/")
		case m == 'c' && ref.run != "":
			b.WriteString(path.Base(dir))
		case m >= '0' && m <= '9' && ref.run != "":
			parts := strings.Split(strings.Trim(dir, "/"), "/")
			if n := int(m - '0'); n < len(parts) && dir != "/" {
				b.WriteString(parts[n])
			}
		case m == 'v' && ld.cwdKnown && ld.cwdRun != "":
			b.WriteString(ld.cwdRun)
		case strings.IndexByte("pdc0123456789", m) >= 0 || strings.IndexByte(uwsgiRuntimeMagic, m) >= 0:
			unknown("%" + string(m))
		default:
			// uwsgi replaces an unknown magic variable by nothing
		}
	}
	return b.String(), und
}

// placeholders replaces %(name) in every option, in one pass, as uwsgi
// does once every file is read.
func (ld *uwsgiLoader) placeholders() {
	for i := range ld.opts {
		o := &ld.opts[i]
		if !strings.Contains(o.Value, "%(") {
			continue
		}
		logFormat := strings.HasPrefix(o.Key, "logformat") || strings.HasPrefix(o.Key, "log-format")
		var b strings.Builder
		v := o.Value
		for {
			j := strings.Index(v, "%(")
			if j < 0 {
				b.WriteString(v)
				break
			}
			k := strings.IndexByte(v[j:], ')')
			if k < 0 {
				b.WriteString(v)
				break
			}
			b.WriteString(v[:j])
			name := v[j+2 : j+k]
			ref := -1
			for n := range ld.opts {
				if ld.opts[n].Key == name {
					ref = n
					break
				}
			}
			switch {
			case ref >= 0:
				b.WriteString(ld.opts[ref].Value)
				o.Undecided = append(o.Undecided, ld.opts[ref].Undecided...)
			case ld.envKnown || logFormat: // a log format's %(uri) is a log variable
				b.WriteString(v[j : j+k+1])
				if logFormat {
					break
				}
				ld.problems = append(ld.problems, UWSGIProblem{o.At, fmt.Sprintf("uwsgi placeholder `%%(%s)` names no option of the configuration: uwsgi leaves it as written", name)})
			default:
				b.WriteString(unknownPart)
				o.Undecided = append(o.Undecided, "%("+name+")")
				ld.problems = append(ld.problems, UWSGIProblem{o.At, fmt.Sprintf("uwsgi placeholder `%%(%s)` names no option of the configuration djleak sees (uwsgi leaves it as written unless the command line or a UWSGI_%s variable sets it)", name, strings.ToUpper(strings.ReplaceAll(name, "-", "_")))})
			}
			v = v[j+k+1:]
		}
		o.Value = b.String()
	}
}
