package apachemodel

import (
	"slices"
	"strconv"
	"strings"

	"github.com/djleak/djleak/parsers/apache"
)

// How httpd reads its conditional containers (each point checked against
// httpd 2.4 by the oracle):
//   - `<IfModule name>` holds when the module is loaded at that point of
//     the reading (a LoadModule further down does not count); httpd names
//     a module by its source file (`mod_headers.c`) or its identifier
//     (`headers_module`), `!` negates; the modules compiled into Debian's
//     httpd always count;
//   - `<IfDefine name>` holds when a `Define` earlier in the reading (or
//     `-D name` on the command line, which djleak cannot see) defines it;
//   - `<IfVersion [op] version>` compares httpd's version, 2.4 here: a
//     comparison the patch level decides is left open.
//
// When the configuration loads no module at all (a virtual host file read
// on its own), a module counts as loaded when one of its directives
// appears outside every `<IfModule>` (httpd would reject the file
// otherwise), and is otherwise unknown. A container djleak cannot decide
// keeps its contents, and the `RequestHeader` directives inside carry its
// condition, so that a header it alone removes counts as forgeable with the
// condition named; a `<VirtualHost>` inside one is judged as it stands
// (when it does not exist, nothing reaches the application through it).

// staticModules are the modules compiled into Debian's httpd (`apache2 -l`).
var staticModules = []string{"core", "so", "watchdog", "http_core", "http", "log_config", "logio", "version", "unixd"}

// moduleOf names the module of a directive djleak knows, "" for others.
func moduleOf(d *apache.Directive) string {
	n := strings.ToLower(d.Name)
	switch {
	case d.Section && (n == "proxy" || n == "proxymatch"):
		return "proxy"
	case d.Section:
		return ""
	case n == "requestheader" || n == "header":
		return "headers"
	case strings.HasPrefix(n, "sslproxy") || strings.HasPrefix(n, "ssl"):
		return "ssl"
	case strings.HasPrefix(n, "proxy"):
		return "proxy"
	case strings.HasPrefix(n, "wsgi"):
		return "wsgi"
	}
	return ""
}

// moduleName normalises `mod_headers.c` and `headers_module` to `headers`.
func moduleName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if x, ok := strings.CutSuffix(s, ".c"); ok {
		return strings.TrimPrefix(x, "mod_")
	}
	return strings.TrimSuffix(s, "_module")
}

// condState is what the reading has met so far.
type condState struct {
	known   bool // the configuration loads its modules
	loaded  map[string]bool
	used    map[string]bool // modules whose directives appear unconditionally
	defined map[string]bool // Define (true) and UnDefine (false)
}

func newCondState(body []*apache.Directive) *condState {
	st := &condState{loaded: map[string]bool{}, used: map[string]bool{}, defined: map[string]bool{}}
	for _, m := range staticModules {
		st.loaded[m] = true
	}
	var scan func(body []*apache.Directive, inIf bool)
	scan = func(body []*apache.Directive, inIf bool) {
		for _, d := range body {
			if d.Is("LoadModule") {
				st.known = true
			}
			if m := moduleOf(d); m != "" && !inIf {
				st.used[m] = true
			}
			if d.Section {
				scan(d.Body, inIf || d.Is("IfModule"))
			}
		}
	}
	scan(body, false)
	return st
}

func (st *condState) module(arg string) tri {
	neg := strings.HasPrefix(arg, "!")
	m := moduleName(strings.TrimPrefix(arg, "!"))
	r := unknown
	switch {
	case st.loaded[m]:
		r = yes
	case st.known:
		r = no
	case st.used[m]:
		r = yes
	}
	if neg {
		return r.not()
	}
	return r
}

func (st *condState) define(arg string) tri {
	neg := strings.HasPrefix(arg, "!")
	v, ok := st.defined[strings.TrimPrefix(arg, "!")]
	r := unknown
	if ok {
		r = no
		if v {
			r = yes
		}
	}
	if neg {
		return r.not()
	}
	return r
}

// httpdMajor, httpdMinor are the release the model stands for; the patch
// level is unknown.
const httpdMajor, httpdMinor = 2, 4

func version(args []string) tri {
	if len(args) == 0 || len(args) > 2 {
		return unknown
	}
	op, v := "=", args[len(args)-1]
	if len(args) == 2 {
		op = args[0]
	}
	neg := false
	if x, ok := strings.CutPrefix(op, "!"); ok {
		neg, op = true, x
		if op == "" {
			op = "="
		}
	}
	var want [3]int
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return unknown
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return unknown // a regular expression: not modelled
		}
		want[i] = n
	}
	cmp := func(patch int) int {
		have := [3]int{httpdMajor, httpdMinor, patch}
		for i := range have {
			if have[i] != want[i] {
				if have[i] < want[i] {
					return -1
				}
				return 1
			}
		}
		return 0
	}
	holds := func(c int) bool {
		switch op {
		case "=", "==":
			return c == 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		}
		return false
	}
	switch op {
	case "=", "==", ">", ">=", "<", "<=":
	default:
		return unknown
	}
	lo, hi := holds(cmp(0)), holds(cmp(1<<20))
	if lo != hi {
		return unknown
	}
	r := no
	if lo {
		r = yes
	}
	if neg {
		return r.not()
	}
	return r
}

// resolveHT reads a .htaccess file's containers with what the main
// configuration loaded and defined.
func (t *tree) resolveHT(body []*apache.Directive) []*apache.Directive {
	if t.state == nil {
		return body
	}
	st := *t.state
	st.loaded, st.defined = clone(t.state.loaded), clone(t.state.defined)
	return t.resolve(&st, body, nil)
}

func clone(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// resolveConds replaces the conditional containers of body by what httpd
// reads of them; directives inside one djleak cannot decide are recorded
// in t.conds with its condition.
func (t *tree) resolveConds(body []*apache.Directive) []*apache.Directive {
	st := newCondState(body)
	out := t.resolve(st, body, nil)
	t.state = st
	return out
}

func (t *tree) resolve(st *condState, body []*apache.Directive, atoms []string) []*apache.Directive {
	var out []*apache.Directive
	for _, d := range body {
		switch {
		case d.Is("LoadModule") && !d.Section:
			st.loaded[moduleName(d.Arg(0))] = true
		case d.Is("Define") && !d.Section && d.Arg(0) != "":
			st.defined[d.Arg(0)] = true
		case d.Is("UnDefine") && !d.Section && d.Arg(0) != "":
			st.defined[d.Arg(0)] = false
		}
		if d.Section && (d.Is("IfModule") || d.Is("IfDefine") || d.Is("IfVersion")) {
			var r tri
			switch {
			case d.Is("IfModule"):
				r = st.module(d.Arg(0))
			case d.Is("IfDefine"):
				r = st.define(d.Arg(0))
			default:
				r = version(d.Texts())
			}
			switch r {
			case yes:
				out = append(out, t.resolve(st, d.Body, atoms)...)
			case unknown:
				cond := "<" + d.Name + " " + strings.Join(d.Texts(), " ") + ">"
				out = append(out, t.resolve(st, d.Body, append(append([]string(nil), atoms...), cond))...)
			}
			continue
		}
		if d.Section {
			inner := atoms
			if d.Is("VirtualHost") {
				inner = nil // judged as it stands
			}
			body := t.resolve(st, d.Body, inner)
			if !slices.Equal(body, d.Body) {
				c := *d
				c.Body = body
				if f := t.owner[d]; f != nil {
					t.owner[&c] = f
				}
				d = &c
			}
		}
		if len(atoms) > 0 {
			t.conds[d] = atoms
		}
		out = append(out, d)
	}
	return out
}
