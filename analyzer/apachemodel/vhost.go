package apachemodel

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// Op is one `RequestHeader` directive.
type Op struct {
	D      *apache.Directive
	Action string // set, append, add, merge, setifempty, unset, edit, edit*
	Header string
	Value  string
	// Cond is an `env=` or `expr=` condition, or the `<If …>` / `<Else>`
	// section the directive sits in; "" when none.
	Cond string
	// Early is set for `RequestHeader … early`, which httpd runs before
	// every other RequestHeader, wherever it is written.
	Early bool
	// Dead is set for an `early` directive inside a section (<Location>,
	// <Proxy>, <Directory>, <If>, …) or a .htaccess file: httpd accepts it
	// and never runs it, early directives run only from the server's and
	// the virtual host's own lists.
	Dead bool
	// all are the conditions that must all hold, when there are several
	// (nested <If> sections, a container djleak cannot decide); Cond then
	// names them together.
	all []string
}

// atoms are the conditions of the directive, each decided on its own.
func (o *Op) atoms() []string {
	if o.all != nil {
		return o.all
	}
	if o.Cond != "" {
		return []string{o.Cond}
	}
	return nil
}

// within adds conditions that must hold as well.
func (o *Op) within(conds []string, text string) {
	if len(conds) == 0 {
		return
	}
	o.all = append(append([]string(nil), o.atoms()...), conds...)
	if o.Cond == "" {
		o.Cond = text
	} else {
		o.Cond += " and " + text
	}
}

func parseOp(d *apache.Directive) *Op {
	a := d.Texts()
	if len(a) < 2 {
		return nil
	}
	o := &Op{D: d, Action: strings.ToLower(a[0]), Header: a[1]}
	rest := a[2:]
	if o.Action != "unset" && len(rest) > 0 {
		o.Value, rest = rest[0], rest[1:]
		if strings.HasPrefix(o.Action, "edit") && len(rest) > 0 {
			o.Value, rest = rest[0], rest[1:]
		}
	}
	for _, r := range rest {
		switch {
		case strings.HasPrefix(r, "env=") || strings.HasPrefix(r, "expr="):
			o.Cond = r
		case strings.EqualFold(r, "early"):
			o.Early = true
		}
	}
	return o
}

// Scope is the configuration in effect for part of a virtual host: the
// directives of the vhost and of the sections that apply, outer first.
type Scope struct {
	Ops      []*Op
	Verify   string // SSLVerifyClient: none, optional, optional_no_ca, require
	VerifyAt *apache.Directive
	// DepthAt and CAAt are the SSLVerifyDepth and the
	// SSLCACertificateFile / SSLCACertificatePath in effect, nil when
	// unset.
	DepthAt, CAAt *apache.Directive
	StdEnvVars    bool
	ExportCert    bool
	SectionPath   string // the <Location> path that narrows this scope, "" for the vhost
	// sectionRegex is set when SectionPath is a <LocationMatch> expression.
	sectionRegex bool
	Sections     []*apache.Directive
	// ifs are the <If>, <ElseIf> and <Else> sections met so far: httpd
	// merges them after every <Directory> and <Location>.
	ifs []*apache.Directive
	// HTAccess are the .htaccess files whose RequestHeader directives
	// apply (`AllowOverride FileInfo` in effect for their directory).
	HTAccess []*File
	// Rejected is a .htaccess RequestHeader that the AllowOverride in
	// effect does not allow: httpd answers every request with 500.
	Rejected *apache.Directive
	// cond holds the conditions of the containers djleak cannot decide
	// around a directive (see cond.go).
	cond map[*apache.Directive][]string
	// HSTS is the `Header … Strict-Transport-Security` directive with a
	// positive max-age in effect on a TLS virtual host (unconditional or
	// under env=HTTPS, which mod_ssl sets there), nil when there is none
	// or a later one may remove it. hstsIf is set when an <If> section
	// names the header: httpd runs those last, and djleak then does not
	// count the header.
	HSTS   *apache.Directive
	hstsIf bool
}

// withMatch merges sec when r says it applies; when djleak cannot tell,
// its RequestHeader directives hold only under the section's condition.
func (s Scope) withMatch(sec *apache.Directive, r tri) Scope {
	switch r {
	case yes:
		return s.with(sec)
	case no:
		return s
	}
	n := s.with(sec)
	text := "<" + sec.Name + " " + strings.Join(sec.Texts(), " ") + ">"
	for i := len(s.Ops); i < len(n.Ops); i++ {
		o := *n.Ops[i]
		o.within([]string{text}, text)
		n.Ops[i] = &o
	}
	return n
}

func (s Scope) with(sec *apache.Directive) Scope {
	n := s
	n.Ops = append([]*Op(nil), s.Ops...)
	n.ifs = append([]*apache.Directive(nil), s.ifs...)
	n.Sections = append(append([]*apache.Directive(nil), s.Sections...), sec)
	for _, d := range sec.Body {
		n.apply(d)
	}
	n.deadEarly(len(s.Ops))
	return n
}

// deadEarly marks the early directives from index i on as never run.
func (s *Scope) deadEarly(i int) {
	for ; i < len(s.Ops); i++ {
		if s.Ops[i].Early {
			s.Ops[i].Dead = true
		}
	}
}

// final is the scope as mod_headers runs it: the <If> sections' directives
// after everything else, conditional on their expression, and the early
// directives first. An <ElseIf> holds when its expression does and those
// before it in the chain do not, an <Else> when none does; a nested <If>
// is merged after the directives of the section that holds it, under both
// conditions.
func (s Scope) final() Scope {
	n := s
	n.Ops = append([]*Op(nil), s.Ops...)
	n.ifs = nil
	var walk func(secs []*apache.Directive, outer []string, outerText string)
	walk = func(secs []*apache.Directive, outer []string, outerText string) {
		var prev []string // the expressions of the chain so far
		for _, sec := range secs {
			expr := strings.Join(sec.Texts(), " ")
			if len(sec.Args) == 1 && sec.Args[0].Quoted {
				expr = `"` + expr + `"`
			}
			var own []string
			for _, p := range prev {
				if !sec.Is("If") {
					own = append(own, "<Else of "+p+">")
				}
			}
			text := "<If " + expr + ">"
			switch {
			case sec.Is("If"):
				prev = []string{expr}
				own = []string{text}
			case sec.Is("ElseIf"):
				prev = append(prev, expr)
				own = append(own, text)
				text = "<ElseIf " + expr + ">"
			default:
				text = "<Else>"
				if len(own) == 1 {
					text = own[0]
				}
				prev = nil
			}
			atoms := append(append([]string(nil), outer...), own...)
			full := text
			if outerText != "" {
				full = outerText + " and " + text
			}
			var nested []*apache.Directive
			for _, d := range sec.Body {
				switch {
				case d.Is("RequestHeader") && !d.Section:
					if o := parseOp(d); o != nil {
						o.Dead = o.Early
						o.within(s.cond[d], strings.Join(s.cond[d], " and "))
						o.within(atoms, full)
						n.Ops = append(n.Ops, o)
					}
				case d.Section && (d.Is("If") || d.Is("ElseIf") || d.Is("Else")):
					nested = append(nested, d)
				}
			}
			walk(nested, atoms, full)
		}
	}
	walk(s.ifs, nil, "")
	sort.SliceStable(n.Ops, func(i, j int) bool { return n.Ops[i].Early && !n.Ops[j].Early })
	return n
}

func (s *Scope) apply(d *apache.Directive) {
	switch {
	case d.Section && (d.Is("If") || d.Is("ElseIf") || d.Is("Else")):
		s.ifs = append(s.ifs, d)
		s.hstsIf = s.hstsIf || namesHSTS(d)
	case d.Is("Header") && !d.Section:
		s.header(d)
	case d.Is("RequestHeader"):
		if o := parseOp(d); o != nil {
			o.within(s.cond[d], strings.Join(s.cond[d], " and "))
			s.Ops = append(s.Ops, o)
		}
	case d.Is("SSLVerifyClient"):
		s.Verify, s.VerifyAt = strings.ToLower(d.Arg(0)), d
	case d.Is("SSLVerifyDepth"):
		s.DepthAt = d
	case d.Is("SSLCACertificateFile"), d.Is("SSLCACertificatePath"):
		s.CAAt = d
	case d.Is("SSLOptions"):
		for _, o := range d.Texts() {
			switch strings.TrimPrefix(o, "+") {
			case "StdEnvVars":
				s.StdEnvVars = !strings.HasPrefix(o, "-")
			case "ExportCertData":
				s.ExportCert = !strings.HasPrefix(o, "-")
			}
			if o == "-StdEnvVars" {
				s.StdEnvVars = false
			}
		}
	}
}

// hstsHeader is the response header that makes browsers keep to HTTPS.
const hstsHeader = "Strict-Transport-Security"

// header applies a mod_headers `Header [always|onsuccess] action name
// [value] [condition]` directive to the HSTS in effect: a set, add,
// append, merge or setifempty with a positive max-age provides it, an
// unset or a zero max-age removes it, and one that djleak cannot be sure
// of (an edit, another condition, a container it cannot decide) removes
// it too unless it can only add the header again.
func (s *Scope) header(d *apache.Directive) {
	a := d.Texts()
	if len(a) > 0 && (strings.EqualFold(a[0], "always") || strings.EqualFold(a[0], "onsuccess")) {
		a = a[1:]
	}
	if len(a) < 2 || !strings.EqualFold(a[1], hstsHeader) {
		return
	}
	action := strings.ToLower(a[0])
	value, cond := "", ""
	rest := a[2:]
	if action != "unset" && len(rest) > 0 {
		value, rest = rest[0], rest[1:]
	}
	for _, r := range rest {
		if strings.HasPrefix(r, "env=") || strings.HasPrefix(r, "expr=") {
			cond = r
		}
	}
	sure := len(s.cond[d]) == 0 && (cond == "" || cond == "env=HTTPS")
	switch action {
	case "set", "add", "append", "merge", "setifempty":
		if hstsMaxAge(value) <= 0 {
			s.HSTS = nil
		} else if sure {
			s.HSTS = d
		}
	case "unset", "edit", "edit*":
		s.HSTS = nil
	}
}

// namesHSTS reports whether a section or one nested in it has a Header
// directive for Strict-Transport-Security.
func namesHSTS(sec *apache.Directive) bool {
	for _, d := range sec.Body {
		switch {
		case d.Section && namesHSTS(d):
			return true
		case d.Is("Header") && !d.Section:
			for _, t := range d.Texts() {
				if strings.EqualFold(t, hstsHeader) {
					return true
				}
			}
		}
	}
	return false
}

// hstsMaxAge reads the max-age of a Strict-Transport-Security value, -1
// when it has none.
func hstsMaxAge(v string) int {
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "max-age") {
			continue
		}
		n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(val), `"`))
		if err != nil {
			return -1
		}
		return n
	}
	return -1
}

// VHost is one <VirtualHost> (or the main server) with what it passes.
type VHost struct {
	File    *File // the file that holds the section (the main file for the main server)
	cfg     *Config
	Section *apache.Directive // nil for the main server
	// Anchor is where findings about the main server as a whole go: its
	// first ProxyPass or WSGIScriptAlias (nil for a virtual host).
	Anchor *apache.Directive
	Addrs  []string
	TLS    bool
	CA     string
	Base   Scope
	Routes []*Route
}

// Label names the virtual host.
func (v *VHost) Label() string {
	if v.Section == nil {
		return "main server"
	}
	return "<VirtualHost " + strings.Join(v.Addrs, " ") + ">"
}

// Route is one way into the application: a ProxyPass or WSGIScriptAlias,
// narrowed by a <Location> under it when one adds directives.
type Route struct {
	VHost *VHost
	Path  string
	Pass  *apache.Directive
	WSGI  bool
	Scope Scope
	// Target is the backend URL or WSGI script.
	Target string
}

// Label names the route as a reviewer would.
func (r *Route) Label() string {
	what := "ProxyPass " + r.Path
	switch {
	case r.Pass.Is("ProxyPassMatch"), r.Pass.Is("WSGIScriptAliasMatch"):
		what = r.Pass.Name + " " + r.Path
	case r.WSGI:
		what = "WSGIScriptAlias " + r.Path
	}
	l := r.VHost.Label() + ", " + what
	if r.Scope.SectionPath != "" && r.Scope.SectionPath != r.Path {
		l += " (" + r.Scope.sectionLabel() + ")"
	}
	return l
}

// Config is one main configuration file's virtual hosts, with the files it
// includes.
type Config struct {
	File *File
	// Directives are the file's directives with includes expanded.
	Directives []*apache.Directive
	// Includes are the includes djleak could not follow.
	Includes []IncludeProblem
	VHosts   []*VHost
	// Deployment is the Compose deployment that runs the main file, ""
	// when none does.
	Deployment string
	tree       *tree
}

// Root is the project directory that stands for the ServerRoot, against
// which relative includes resolve.
func (c *Config) Root() string { return c.tree.root }

// At is the location of a directive of the configuration, in the file
// that holds it.
func (c *Config) At(d *apache.Directive) source.Location {
	if f := c.tree.owner[d]; f != nil {
		return f.At(d)
	}
	return c.File.At(d)
}

// At is the location of a directive in effect for the virtual host.
func (v *VHost) At(d *apache.Directive) source.Location { return v.cfg.At(d) }

// Build resolves one file on its own: its includes are not followed.
func Build(f *File) *Config { return BuildTree(f, MapLoader{}) }

// BuildTree resolves one main configuration file and the files it
// includes. Directives outside any <VirtualHost> are the main server's and
// are merged into every virtual host.
func BuildTree(f *File, loader Loader) *Config {
	t, dirs := expandTree(f, loader)
	dirs = t.resolveConds(dirs)
	c := &Config{File: f, Directives: dirs, Includes: t.problems, tree: t}
	server := Scope{cond: t.conds}
	var main *VHost
	for _, d := range dirs {
		if !d.Section || !d.Is("VirtualHost") {
			server.apply(d)
		}
	}
	mainHost := &VHost{File: f, cfg: c, Base: server}
	for _, d := range dirs {
		switch {
		case d.Section && d.Is("VirtualHost"):
			owner := t.owner[d]
			if owner == nil {
				owner = f
			}
			v := &VHost{File: owner, cfg: c, Section: d, Addrs: d.Texts(), Base: server}
			v.Base.Ops = append([]*Op(nil), server.Ops...)
			for _, x := range d.Body {
				v.Base.apply(x)
				switch {
				case x.Is("SSLEngine"):
					v.TLS = strings.EqualFold(x.Arg(0), "on")
				case x.Is("SSLCACertificateFile"), x.Is("SSLCACertificatePath"):
					v.CA = x.Arg(0)
				}
			}
			v.collect(d.Body)
			c.VHosts = append(c.VHosts, v)
		case !d.Section && (d.Is("ProxyPass") || d.Is("WSGIScriptAlias") || d.Is("ProxyPassMatch") || d.Is("WSGIScriptAliasMatch")):
			if main == nil {
				mainHost.Anchor = d
			}
			main = mainHost
		}
	}
	if main != nil {
		main.collect(dirs)
		c.VHosts = append(c.VHosts, main)
	}
	return c
}

// collect finds the routes of a vhost body.
func (v *VHost) collect(body []*apache.Directive) {
	var locs, dirs, dirRes, files, proxies []*apache.Directive
	levels := [][]*apache.Directive{body}
	if v.Section != nil {
		// the main server's sections apply to every virtual host, first
		levels = [][]*apache.Directive{v.cfg.Directives, body}
	}
	for _, level := range levels {
		for _, d := range level {
			if !d.Section {
				continue
			}
			switch {
			case d.Is("Location") || d.Is("LocationMatch"):
				locs = append(locs, d)
			case d.Is("Directory") && !isRegexSection(d):
				dirs = append(dirs, d)
			case d.Is("Directory") || d.Is("DirectoryMatch"):
				dirRes = append(dirRes, d)
			case d.Is("Files") || d.Is("FilesMatch"):
				files = append(files, d)
			case d.Is("Proxy") || d.Is("ProxyMatch"):
				proxies = append(proxies, d)
			}
		}
	}
	add := func(pathPrefix string, pass *apache.Directive, wsgi bool, target string, scope Scope) {
		// sections whose path covers the whole route apply to all of it;
		// those under it narrow a route of their own
		regex := pass.Is("ProxyPassMatch") || pass.Is("WSGIScriptAliasMatch")
		base := scope
		if wsgi {
			base = v.directories(base, dirs, target)
			base = v.fileSections(base, dirs, dirRes, files, target)
		} else {
			for _, sec := range proxies {
				base = base.withMatch(sec, proxyCovers(sec, target))
			}
		}
		var narrower []*apache.Directive
		for _, l := range locs {
			lp := l.Arg(0)
			if isRegexSection(l) {
				// <LocationMatch>, <Location ~>: merged where the expression
				// matches every path of the route, a route of its own where
				// it may match some
				r := unknown
				if !regex {
					r = regexCovers(sectionPattern(l), pathPrefix)
				}
				switch r {
				case yes:
					base = base.with(l)
				case unknown:
					narrower = append(narrower, l)
				}
				continue
			}
			switch {
			case lp == "/":
				base = base.with(l)
			case regex:
				narrower = append(narrower, l)
			case under(pathPrefix, lp):
				base = base.with(l)
			case under(lp, pathPrefix):
				narrower = append(narrower, l)
			}
		}
		v.Routes = append(v.Routes, &Route{VHost: v, Path: pathPrefix, Pass: pass, WSGI: wsgi, Target: target, Scope: base.final()})
		for _, l := range narrower {
			s := base.with(l)
			s.SectionPath = sectionPattern(l)
			s.sectionRegex = isRegexSection(l)
			v.Routes = append(v.Routes, &Route{VHost: v, Path: pathPrefix, Pass: pass, WSGI: wsgi, Target: target, Scope: s.final()})
		}
	}
	for _, d := range body {
		switch {
		case (d.Is("ProxyPass") || d.Is("ProxyPassMatch")) && !d.Section && len(d.Args) >= 2 && d.Arg(1) != "!":
			add(d.Arg(0), d, false, d.Arg(1), v.Base)
		case (d.Is("WSGIScriptAlias") || d.Is("WSGIScriptAliasMatch")) && !d.Section && len(d.Args) >= 2:
			add(d.Arg(0), d, true, d.Arg(1), v.Base)
		case d.Section && (d.Is("Location") || d.Is("LocationMatch")):
			// the one-argument form: the section's path (or expression)
			// is the pass's. A ProxyPass takes an expression as a plain
			// path prefix, which no request path starts with (httpd
			// answers 404), so only ProxyPassMatch passes there.
			for _, x := range d.Body {
				if (x.Is("ProxyPassMatch") || x.Is("ProxyPass") && !isRegexSection(d)) && len(x.Args) >= 1 && x.Arg(0) != "!" {
					s := v.Base
					for _, sec := range proxies {
						s = s.withMatch(sec, proxyCovers(sec, x.Arg(0)))
					}
					s = s.with(d)
					s.SectionPath = sectionPattern(d)
					s.sectionRegex = isRegexSection(d)
					v.Routes = append(v.Routes, &Route{VHost: v, Path: s.SectionPath, Pass: x, Target: x.Arg(0), Scope: s.final()})
				}
			}
		}
	}
}

// sectionLabel names the <Location> that narrows the scope.
func (s Scope) sectionLabel() string {
	if s.sectionRegex {
		return "<LocationMatch " + s.SectionPath + ">"
	}
	return "<Location " + s.SectionPath + ">"
}

// takes reports whether a request for URL path p may fall to the route's
// narrowing <Location> (true when there is none).
func (r *Route) takes(p string) bool {
	switch {
	case r.Scope.SectionPath == "":
		return true
	case r.Scope.sectionRegex:
		re, err := regexp.Compile(r.Scope.SectionPath)
		return err != nil || re.MatchString(p)
	}
	return under(p, r.Scope.SectionPath)
}

// under reports whether path p lies under prefix (both URL paths).
func under(p, prefix string) bool {
	if prefix == "/" || prefix == p {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/")
}

// Mode is the route's SSLVerifyClient mode ("none" when not TLS).
func (r *Route) Mode() string {
	if !r.VHost.TLS || r.Scope.Verify == "" {
		return "none"
	}
	return r.Scope.Verify
}

// value classes a header can end up with (see frontend.Values).
type vset = frontend.Values

const (
	vClient = frontend.ValClient
	vCert   = frontend.ValCert
	vRogue  = frontend.ValRogue
	vNone   = frontend.ValNone
	vServer = frontend.ValServer
)

type scenario struct {
	name string
	cert int // 0 none, 1 valid, 2 rogue
}

func (r *Route) scenarios() []scenario {
	none, valid, rogue := scenario{"no certificate", 0}, scenario{"a valid certificate", 1}, scenario{"a certificate from another CA", 2}
	if !r.VHost.TLS {
		return []scenario{{"plain HTTP", 0}}
	}
	switch r.Mode() {
	case "optional":
		return []scenario{none, valid}
	case "optional_no_ca":
		return []scenario{none, valid, rogue}
	case "require":
		return []scenario{valid}
	}
	return []scenario{none}
}

var sslVar = regexp.MustCompile(`%\{([A-Za-z0-9_:]+)\}s`)

// HasCertVar reports whether a RequestHeader value reads the client
// certificate (%{SSL_CLIENT_…}s).
func HasCertVar(v string) bool {
	for _, m := range sslVar.FindAllStringSubmatch(v, -1) {
		if strings.HasPrefix(strings.ToUpper(m[1]), "SSL_CLIENT_") {
			return true
		}
	}
	return false
}

func (s scenario) valueClass(v string) vset {
	if v == "" {
		return vNone
	}
	if HasCertVar(v) {
		switch s.cert {
		case 1:
			return vCert
		case 2:
			return vRogue
		}
		return vServer // "(null)" or NONE
	}
	return vServer
}

// Outcome is what one header is on a route.
type Outcome struct {
	Set       vset
	At        *Op
	Undecided *Op
	// Dead is an `early` directive for the header that httpd never runs.
	Dead *Op
	// Unmet is a conditional directive whose condition does not hold for
	// a client of UnmetIn, who then keeps its own value.
	Unmet    *Op
	UnmetIn  string
	ClientIn string
}

// Header evaluates header name on the route.
func (r *Route) Header(name string) Outcome {
	var out Outcome
	for _, s := range r.scenarios() {
		cur := vClient
		var unmet *Op
		for _, o := range r.Scope.Ops {
			if !strings.EqualFold(o.Header, name) {
				continue
			}
			if o.Dead {
				if out.Dead == nil {
					out.Dead = o
				}
				continue
			}
			var next vset
			switch o.Action {
			case "unset":
				next = vNone
			case "set":
				next = s.valueClass(o.Value)
			case "setifempty":
				next = cur
				if cur&vClient != 0 {
					next = vClient
				}
			case "append", "merge", "add":
				next = cur | s.valueClass(o.Value)
			default: // edit, edit*: a rewrite of the client's value
				next = cur
			}
			if len(o.atoms()) > 0 {
				switch r.decideOp(o, s) {
				case no:
					if cur&vClient != 0 && unmet == nil {
						unmet = o
					}
					continue
				case yes:
					cur = next
					if out.At == nil || o.D.Start > out.At.D.Start {
						out.At = o
					}
					continue
				}
				if cur&vClient != 0 && out.Undecided == nil {
					out.Undecided = o
				}
				next |= cur
			}
			cur = next
			if out.At == nil || o.D.Start > out.At.D.Start {
				out.At = o
			}
		}
		if cur&vClient != 0 && out.ClientIn == "" {
			out.ClientIn = s.name
			if unmet != nil {
				out.Unmet, out.UnmetIn = unmet, s.name
			}
		}
		out.Set |= cur
	}
	return out
}

type tri int

const (
	unknown tri = iota
	yes
	no
)

func (t tri) not() tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// decideOp evaluates all the conditions of a directive.
func (r *Route) decideOp(o *Op, s scenario) tri {
	res := yes
	for _, a := range o.atoms() {
		switch r.decide(a, s) {
		case no:
			return no
		case unknown:
			res = unknown
		}
	}
	return res
}

// decide evaluates the conditions djleak can decide for a client of
// scenario s: env=HTTPS (mod_ssl sets it on every TLS request), and the
// `<If>` expressions `true`, `false`, `%{HTTPS} == 'on'`,
// `%{SSL_CLIENT_VERIFY} == 'SUCCESS'` and `-n %{SSL_CLIENT_S_DN}` /
// `-z …`, with `!` and the `<Else>` of such an `<If>`.
func (r *Route) decide(cond string, s scenario) tri {
	switch cond {
	case "env=HTTPS":
		if r.VHost.TLS {
			return yes
		}
		return no
	case "env=!HTTPS":
		if r.VHost.TLS {
			return no
		}
		return yes
	}
	if e, ok := strings.CutPrefix(cond, "expr="); ok {
		return r.decideExpr(e, s)
	}
	unquote := func(e string) string {
		e = strings.TrimSuffix(e, ">")
		if len(e) >= 2 && e[0] == '"' && e[len(e)-1] == '"' {
			e = e[1 : len(e)-1]
		}
		return e
	}
	if e, ok := strings.CutPrefix(cond, "<Else of "); ok {
		return r.decideExpr(unquote(e), s).not()
	}
	if e, ok := strings.CutPrefix(cond, "<If "); ok {
		return r.decideExpr(unquote(e), s)
	}
	return unknown
}

var spaces = regexp.MustCompile(`\s+`)

func (r *Route) decideExpr(e string, s scenario) tri {
	e = strings.TrimSpace(spaces.ReplaceAllString(strings.ReplaceAll(e, `"`, "'"), " "))
	if x, ok := strings.CutPrefix(e, "!"); ok {
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "(") && strings.HasSuffix(x, ")") {
			x = x[1 : len(x)-1]
		}
		return r.decideExpr(x, s).not()
	}
	b := func(v bool) tri {
		if v {
			return yes
		}
		return no
	}
	// a certificate reaches the request when httpd asks for one
	hasCert := r.VHost.TLS && r.Mode() != "none" && s.cert != 0
	switch strings.ToLower(e) {
	case "true":
		return yes
	case "false":
		return no
	case "%{https} == 'on'":
		return b(r.VHost.TLS)
	case "%{ssl_client_verify} == 'success'":
		return b(hasCert && s.cert == 1)
	case "-n %{ssl_client_s_dn}", "-n %{ssl:ssl_client_s_dn}":
		return b(hasCert)
	case "-z %{ssl_client_s_dn}", "-z %{ssl:ssl_client_s_dn}":
		return b(!hasCert)
	}
	return unknown
}

// Configs builds every main httpd configuration with its includes (a
// project fact).
var Configs = &analyzer.Pass[[]*Config]{Name: "apache", Run: func(p *analyzer.Project) []*Config {
	l := &projectLoader{p: p, files: map[string]*File{}}
	var files []*File
	for _, f := range Files(p) {
		f := f
		l.files[f.Src.Path] = &f
		if p.LinksToLoaded(f.Src.Path) {
			continue
		}
		files = append(files, &f)
	}
	out := BuildAll(files, l)
	for _, c := range out {
		c.Deployment = p.DeploymentOf(Language, c.File.Src.Path)
	}
	return out
}, Reads: []analyzer.Kind{Language.Kind()}}

func init() {
	frontend.RegisterConfigs(frontend.Apache, Configs, func(c *Config) []*frontend.Route {
		var out []*frontend.Route
		for _, v := range c.VHosts {
			for _, r := range v.Routes {
				fr := r.Frontend()
				fr.Deployment = c.Deployment
				out = append(out, fr)
			}
		}
		return out
	})
}

// Frontend converts the route to the proxy-neutral model.
func (r *Route) Frontend() *frontend.Route {
	f := r.VHost
	v := r.VHost
	fr := &frontend.Route{Front: frontend.Apache, Label: r.Label(), At: f.At(r.Pass), ServerLabel: v.Label(), Target: r.Target, PassesClientHeaders: true}
	if v.Section != nil {
		fr.Server = f.At(v.Section)
	} else if v.Anchor != nil {
		fr.Server = f.At(v.Anchor)
	}
	if len(r.Scope.Sections) > 0 && r.Scope.SectionPath != "" {
		fr.At = f.At(r.Scope.Sections[len(r.Scope.Sections)-1])
	}
	fr.Pass = frontend.PassHTTP
	fr.PassesUnderscores = true // mod_proxy forwards underscored names
	if r.WSGI {
		fr.Pass = frontend.PassWSGI
		fr.PassesUnderscores = false // mod_wsgi drops them from the environ
	}
	for _, a := range v.Addrs {
		l := frontend.Listener{Addr: a, TLS: v.TLS, CA: v.CA}
		if v.Section != nil {
			l.At = f.At(v.Section)
		}
		if r.Scope.VerifyAt != nil {
			l.At = f.At(r.Scope.VerifyAt)
		}
		switch r.Mode() {
		case "optional":
			l.ClientCert = frontend.CertOptional
		case "optional_no_ca":
			l.ClientCert = frontend.CertOptionalNoCA
		case "require":
			l.ClientCert = frontend.CertRequire
		}
		fr.Listeners = append(fr.Listeners, l)
	}
	fr.Transport = r.transport()
	if h := r.Scope.HSTS; h != nil && !r.Scope.hstsIf && v.TLS {
		at := f.At(h)
		fr.HSTS = &at
	}
	if r.Scope.Rejected != nil {
		at := f.At(r.Scope.Rejected)
		fr.Answered = &at
	}
	var keys []string
	fr.HeaderDirective, fr.VerifyVar = "RequestHeader", "SSL_CLIENT_VERIFY"
	if r.Scope.SectionPath != "" {
		fr.Where = r.Scope.sectionLabel()
	}
	for _, o := range r.Scope.Ops {
		keys = append(keys, frontend.HeaderKey(o.Header))
		fr.Spellings = append(fr.Spellings, o.Header)
		if !o.Dead && o.Action != "unset" && strings.Contains(strings.ToUpper(o.Value), "%{SSL_CLIENT_VERIFY}S") {
			fr.VerifyKeys = append(fr.VerifyKeys, frontend.HeaderKey(o.Header))
		}
	}
	if r.WSGI && r.Mode() != "none" {
		fr.VerifyKeys = append(fr.VerifyKeys, "SSL_CLIENT_VERIFY") // httpd sets it itself under mod_wsgi
	}
	if r.WSGI && r.Scope.StdEnvVars {
		keys = append(keys, "SSL_CLIENT_S_DN", "SSL_CLIENT_VERIFY")
	}
	fr.SetLookup(r.lookup, keys)
	return fr
}

func (r *Route) lookup(key string) frontend.Name {
	f := r.VHost
	if r.Scope.Rejected != nil {
		return frontend.Name{Source: frontend.NotSent, At: f.At(r.Scope.Rejected), Why: "httpd answers 500: the AllowOverride in effect does not allow RequestHeader in .htaccess"}
	}
	written := ""
	if !strings.HasPrefix(key, "HTTP_") {
		if !r.WSGI || !strings.HasPrefix(key, "SSL_CLIENT_") {
			return frontend.Name{Source: frontend.NotSent, Why: "only httpd itself sets " + key}
		}
		if !r.Scope.StdEnvVars && key != "SSL_CLIENT_VERIFY" {
			return frontend.Name{Source: frontend.NotSent, Why: "`SSLOptions +StdEnvVars` is not in effect"}
		}
		switch r.Mode() {
		case "optional_no_ca":
			return frontend.Name{Source: frontend.Unverified, At: f.At(r.Scope.VerifyAt), Why: "`SSLVerifyClient optional_no_ca` accepts certificates from any issuer"}
		case "optional", "require":
			return frontend.Name{Source: frontend.Verified, At: f.At(r.Scope.VerifyAt)}
		}
		return frontend.Name{Source: frontend.ServerValue, Why: "httpd does not ask for client certificates here"}
	}
	// The client can always send the canonical spelling; operations on
	// another spelling (X_SSL_Client_DN) leave it in place. Under mod_wsgi
	// httpd drops names with underscores from the environ.
	name := frontend.HeaderName(key)
	o := r.Header(name)
	for _, op := range r.Scope.Ops {
		if frontend.HeaderKey(op.Header) != key || strings.EqualFold(op.Header, name) {
			continue
		}
		if r.WSGI && strings.Contains(op.Header, "_") {
			continue
		}
		alt := r.Header(op.Header)
		alt.Set &^= vClient // the client's own value of that spelling is judged by the app server
		o.Set |= alt.Set
		if o.At == nil {
			o.At = alt.At
		}
		if alt.At != nil && o.Set&vClient != 0 {
			written = alt.At.Header
		}
	}
	n := frontend.Name{Written: written}
	if o.At != nil {
		n.At = f.At(o.At.D)
	}
	line := func(op *Op) string { return "`RequestHeader " + strings.Join(op.D.Texts(), " ") + "`" }
	n.Source = o.Set.Source()
	switch n.Source {
	case frontend.Forgeable:
		switch {
		case o.Unmet != nil:
			n.At = f.At(o.Unmet.D)
			n.Why = "`" + o.Unmet.Cond + "` does not hold for a client with " + o.UnmetIn + ", whose own " + name + " then passes"
		case o.Dead != nil && (o.At == nil || o.At.D.Start < o.Dead.D.Start):
			n.At = f.At(o.Dead.D)
			n.Why = line(o.Dead) + " never runs: httpd runs `early` directives only from the server and the virtual host, not from a section or .htaccess"
		case o.Undecided != nil:
			n.At = f.At(o.Undecided.D)
			n.Condition = "httpd condition `" + o.Undecided.Cond + "`"
			n.Why = "when `" + o.Undecided.Cond + "` does not hold, the client's own " + name + " passes"
		case written != "":
			n.Why = line(o.At) + " sets " + written + ", and a client's " + name + " reaches the application as the same " + key
		case o.At != nil:
			n.Why = line(o.At) + " keeps the client's own " + name
		default:
			n.Why = "nothing unsets " + name + ", and httpd passes the client's headers"
		}
	case frontend.Unverified:
		n.Why = "`SSLVerifyClient optional_no_ca` accepts certificates from any issuer"
	case frontend.ServerValue:
		if o.At != nil && HasCertVar(o.At.Value) {
			n.Why = "without a client certificate the value is `(null)`"
		}
	}
	return n
}

func (r *Route) transport() frontend.Transport {
	if r.WSGI {
		return frontend.Transport{Known: true, Loopback: true, TLS: true, Verified: true, Endpoints: []string{"wsgi:" + r.Target}}
	}
	u := r.Target
	t := frontend.Transport{Known: !strings.Contains(u, "$")}
	scheme := ""
	if i := strings.Index(u, "://"); i >= 0 {
		scheme, u = strings.ToLower(u[:i]), u[i+3:]
	}
	if strings.HasPrefix(scheme, "unix:") || strings.HasPrefix(r.Target, "unix:") {
		t.Loopback = true
		t.Endpoints = []string{"unix:" + strings.SplitN(strings.TrimPrefix(r.Target, "unix:"), "|", 2)[0]}
		return t
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	host, port := u, map[string]string{"https": "443", "wss": "443"}[scheme]
	if port == "" {
		port = "80"
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		host, port = u[:i], u[i+1:]
	}
	host = strings.Trim(host, "[]")
	t.TLS = scheme == "https" || scheme == "wss"
	t.Verified = t.TLS && r.proxyVerifies()
	if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
		t.Loopback = true
		t.Endpoints = []string{"loopback:" + port}
	} else {
		t.Endpoints = []string{host + ":" + port}
		t.Remote = []source.Location{r.VHost.At(r.Pass)}
	}
	sort.Strings(t.Endpoints)
	return t
}

// proxyVerifies reports whether `SSLProxyVerify require` is in effect.
func (r *Route) proxyVerifies() bool {
	body := r.VHost.cfg.Directives
	if r.VHost.Section != nil {
		body = append(append([]*apache.Directive(nil), body...), r.VHost.Section.Body...)
	}
	ok := false
	for _, d := range body {
		if d.Is("SSLProxyVerify") {
			ok = strings.EqualFold(d.Arg(0), "require")
		}
	}
	return ok
}
