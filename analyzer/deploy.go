package analyzer

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/nginx"
)

// Deployment is one nginx that a deployment description runs: a Compose
// file's nginx service, with the project paths mounted into it. Each
// deployment's nginx configuration is parsed and judged as a set of its
// own: includes, default servers and "another server sets this header"
// never reach into another deployment.
type Deployment struct {
	// Name labels the deployment in Config.Deployment and messages: the
	// Compose file's path, followed by " (service)" when the file runs
	// more than one nginx.
	Name    string
	Compose string // project-relative path of the Compose file
	Service string // the nginx service
	Mounts  []nginx.Mount
	// Peers are the other services of the Compose file: the hosts nginx
	// can proxy to by name (proxy_pass http://web:8000).
	Peers []string
	// ProxiesTo are the peers the deployment's nginx passes requests to
	// (named by a *_pass directive or an upstream server), sorted.
	ProxiesTo []string
	// Files are the nginx files the deployment runs, sorted.
	Files []string
}

// nginxPrefixes are the configuration directories of nginx images: the
// official image and Debian's (/etc/nginx) and OpenResty's, which reads
// the same layout from its own prefix.
var nginxPrefixes = []string{"/etc/nginx", "/usr/local/openresty/nginx/conf"}

// Deploy tells how a front end's images are recognised in a Compose file,
// so that its configuration files are told apart by deployment as nginx's
// are.
type Deploy struct {
	// Dirs are where the server's images read their configuration (a
	// directory, or a file such as /etc/caddy/Caddyfile).
	Dirs []string
	// Images are words that name the server's images ("haproxy"); a built
	// service whose name or context holds one counts too.
	Images []string
}

// DeploymentOf names the Compose deployment that runs the file rel of
// language l (see Deployment.Name), or "" when none does.
func (p *Project) DeploymentOf(l *Language, rel string) string {
	return p.frontDeployments[l.kind][rel]
}

// deployments reads the project's Compose files and returns their nginx
// deployments, in Compose path and service order; it records the
// deployments of the registered languages that declare a Deploy in
// p.frontDeployments. A Compose file that is not valid YAML is reported on
// stderr and left out.
func (p *Project) deployments(overlay map[string][]byte) []*Deployment {
	var nginxFiles []string
	langFiles := map[Kind][]string{}
	for _, f := range p.Files {
		if f.Kind == nginxLanguage.kind {
			nginxFiles = append(nginxFiles, f.Path)
		} else if l := languageOf(f.Kind); l != nil && l.Deploy != nil {
			langFiles[f.Kind] = append(langFiles[f.Kind], f.Path)
		}
	}
	p.frontDeployments = map[Kind]map[string]string{}
	var out []*Deployment
	for _, f := range p.Files {
		if f.Kind != KindCompose {
			continue
		}
		data, err := p.readFile(f.Path, overlay)
		if err != nil {
			fmt.Fprintf(os.Stderr, "djleak: %s: %v\n", f.Path, err)
			continue
		}
		cf, err := deploy.Parse(f.Path, data)
		if err != nil {
			fmt.Fprintf(os.Stderr, "djleak: %v; its nginx deployments are not told apart\n", err)
			continue
		}
		isFile := func(rel string) bool { return p.isRegular(rel, overlay) }
		var deps []*Deployment
		for _, s := range cf.Services {
			d := nginxDeployment(cf, s, nginxFiles, isFile)
			if d != nil {
				deps = append(deps, d)
			}
		}
		for _, d := range deps {
			d.Name = cf.Path
			if len(deps) > 1 {
				d.Name += " (" + d.Service + ")"
			}
		}
		out = append(out, deps...)
		p.languageDeployments(cf, langFiles)
	}
	return out
}

// languageDeployments records which Compose service of cf runs each file
// of the registered languages with a Deploy. A deployment is named like an
// nginx one: the Compose path, followed by " (service)" when the file runs
// more than one server of that language.
func (p *Project) languageDeployments(cf *deploy.File, langFiles map[Kind][]string) {
	for _, l := range registeredLanguages() {
		if l.Deploy == nil || len(langFiles[l.kind]) == 0 {
			continue
		}
		type run struct {
			service string
			files   []string
		}
		var runs []run
		for _, s := range cf.Services {
			var sources []string
			for _, m := range s.Mounts {
				for _, dir := range l.Deploy.Dirs {
					if m.Target == dir || strings.HasPrefix(m.Target, dir+"/") {
						sources = append(sources, m.Source)
						break
					}
				}
			}
			if len(sources) == 0 && !namesServer(s, l.Deploy.Images) {
				continue
			}
			if files := filesRun(sources, s.Context, langFiles[l.kind]); len(files) > 0 {
				runs = append(runs, run{s.Name, files})
			}
		}
		if p.frontDeployments[l.kind] == nil {
			p.frontDeployments[l.kind] = map[string]string{}
		}
		for _, r := range runs {
			name := cf.Path
			if len(runs) > 1 {
				name += " (" + r.service + ")"
			}
			for _, f := range r.files {
				if _, ok := p.frontDeployments[l.kind][f]; !ok {
					p.frontDeployments[l.kind][f] = name
				}
			}
		}
	}
}

// namesServer reports whether a service runs an image named by one of
// words, or is built from a context or under a name that holds one.
func namesServer(s *deploy.Service, words []string) bool {
	image := strings.ToLower(s.Image)
	for _, w := range words {
		if strings.Contains(image, w) || s.Image == "" && strings.Contains(strings.ToLower(s.Name+" "+s.Context), w) {
			return true
		}
	}
	return false
}

// filesRun returns the files among files that a service runs: those under
// a mount's source, or under its build context when it mounts nothing,
// sorted.
func filesRun(sources []string, context string, files []string) []string {
	under := func(f, dir string) bool { return f == dir || dir == "." || strings.HasPrefix(f, dir+"/") }
	var out []string
	for _, f := range files {
		in := false
		for _, src := range sources {
			in = in || under(f, src)
		}
		if len(sources) == 0 && context != "" {
			in = under(f, context) // configuration copied in by the image's build
		}
		if in {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// nginxDeployment returns the deployment of service s when it runs nginx
// (an nginx or OpenResty image, a mount into nginx's configuration
// directory, or a build context named for nginx) and runs some of the
// project's nginx files; else nil.
func nginxDeployment(cf *deploy.File, s *deploy.Service, nginxFiles []string, isFile func(string) bool) *Deployment {
	d := &Deployment{Compose: cf.Path, Service: s.Name}
	for _, m := range s.Mounts {
		for _, prefix := range nginxPrefixes {
			if m.Target != prefix && !strings.HasPrefix(m.Target, prefix+"/") {
				continue
			}
			target := "/etc/nginx" + strings.TrimPrefix(m.Target, prefix)
			d.Mounts = append(d.Mounts, nginx.Mount{Target: target, Source: m.Source})
			if target == "/etc/nginx/templates" {
				// The official image renders templates/NAME.template into
				// conf.d/NAME with envsubst.
				d.Mounts = append(d.Mounts, nginx.Mount{Target: "/etc/nginx/conf.d", Source: m.Source, Suffix: ".template"})
			}
		}
	}
	image := strings.ToLower(s.Image)
	isNginx := len(d.Mounts) > 0 || strings.Contains(image, "nginx") || strings.Contains(image, "openresty") ||
		(s.Image == "" && strings.Contains(strings.ToLower(s.Name+" "+s.Context), "nginx"))
	if !isNginx {
		return nil
	}
	var sources []string
	for _, m := range d.Mounts {
		sources = append(sources, m.Source)
	}
	d.Files = filesRun(sources, s.Context, nginxFiles)
	// A file mounted as an nginx configuration file is one, whatever its
	// name (./config/site:/etc/nginx/conf.d/default.conf).
	for _, m := range d.Mounts {
		if m.Suffix == "" && isFile(m.Source) && !containsString(d.Files, m.Source) {
			d.Files = append(d.Files, m.Source)
		}
	}
	sort.Strings(d.Files)
	if len(d.Files) == 0 {
		return nil
	}
	for _, o := range cf.Services {
		if o != s {
			d.Peers = append(d.Peers, o.Name)
		}
	}
	sort.Strings(d.Peers)
	return d
}

// parseNginx parses the project's nginx files, one set per deployment and
// one for the files no deployment runs, and joins the sets. A
// configuration embedded in a Kubernetes manifest is a deployment of its
// own, named by the manifest.
func (p *Project) parseNginx(opts Inputs) *nginx.Set {
	overlay := overlayRel(p.Root, opts.Overlay)
	p.Deployments = p.deployments(overlay)
	inDeployment := map[string]bool{}
	var sets []*nginx.Set
	for _, d := range p.Deployments {
		for _, f := range d.Files {
			inDeployment[f] = true
		}
		set := nginx.ParseFiles(p.Root, d.Files, nginx.Options{FS: p.rootedFS(),
			Roots: p.Config.NginxRoots, Overlay: overlay, Deployment: d.Name, Mounts: d.Mounts,
			MaxFileSize: p.Config.FileSizeLimit(),
		})
		d.ProxiesTo = proxiedPeers(set, d.Peers)
		sets = append(sets, set)
	}
	var rest []string
	for _, f := range p.Files {
		if f.Kind == nginxLanguage.kind && !inDeployment[f.Path] {
			rest = append(rest, f.Path)
		}
	}
	def := nginx.ParseFiles(p.Root, rest, nginx.Options{FS: p.rootedFS(), Roots: p.Config.NginxRoots, Overlay: overlay, MaxFileSize: p.Config.FileSizeLimit()})
	for _, c := range def.Configs {
		if c.Entry != "" {
			c.Deployment = c.Path
		}
	}
	if len(sets) == 0 {
		return def
	}
	return nginx.Merge(append(sets, def)...)
}

// isRegular reports whether a project-relative path is a regular file (or
// an editor buffer).
func (p *Project) isRegular(rel string, overlay map[string][]byte) bool {
	if _, ok := overlay[rel]; ok {
		return true
	}
	info, err := p.FS().Stat(filepath.Join(p.Root, filepath.FromSlash(rel)))
	return err == nil && info.Mode().IsRegular()
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// proxiedPeers lists the peers that a set's *_pass directives or upstream
// servers name as their host.
func proxiedPeers(set *nginx.Set, peers []string) []string {
	isPeer := map[string]bool{}
	for _, p := range peers {
		isPeer[p] = true
	}
	found := map[string]bool{}
	for _, c := range set.Configs {
		nginx.Walk(c.Directives, func(d *nginx.Directive) bool {
			var target string
			switch {
			case strings.HasSuffix(d.Name, "_pass"):
				target = d.Arg(0)
			case d.Name == "server" && !d.IsBlock:
				target = d.Arg(0)
			default:
				return true
			}
			if _, rest, ok := strings.Cut(target, "://"); ok {
				target = rest
			}
			host, _, _ := strings.Cut(target, "/")
			if i := strings.LastIndexByte(host, ':'); i >= 0 {
				host = host[:i]
			}
			if isPeer[host] {
				found[host] = true
			}
			return true
		})
	}
	out := make([]string, 0, len(found))
	for h := range found {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// composeKind classifies Compose files (deployment descriptions djleak
// reads for the nginx they run).
func composeKind(rel string) bool { return deploy.IsComposeFile(path.Base(rel)) }
