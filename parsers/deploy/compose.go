// Package deploy reads the deployment descriptions that decide which nginx
// configuration runs where, and how app servers are started and reached:
// Docker Compose files (each service's image, build context and
// Dockerfile, bind mounts, command, entrypoint, environment, published
// ports and the other services it can reach) and Kubernetes manifests
// (nginx configuration embedded in ConfigMaps).
package deploy

// Compose files.

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// IsComposeFile reports whether a file name is a Compose file:
// docker-compose*.yml / .yaml or compose*.yml / .yaml.
func IsComposeFile(base string) bool {
	if !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") {
		return false
	}
	return strings.HasPrefix(base, "docker-compose") || strings.HasPrefix(base, "compose")
}

// File is one Compose file.
type File struct {
	Path     string // project-relative
	Services []*Service
}

// Service is one service of a Compose file. Mounts holds its bind mounts
// and its configs (a top-level `configs:` entry's file mounted at the
// service's target).
type Service struct {
	Name  string
	Image string
	// Context is the project-relative build context directory, "" when the
	// service is not built here or its context is outside the project.
	Context string
	// Dockerfile is the project-relative Dockerfile the service builds
	// (build.dockerfile, by default Dockerfile in the context); "" when
	// Context is.
	Dockerfile string
	Mounts     []Mount
	Line       int // the line of the service's key
	// Command and Entrypoint are the service's `command:` and
	// `entrypoint:` as words (the string form split at spaces), with
	// their lines; nil when not set.
	Command, Entrypoint []string
	CommandLine         int
	EntrypointLine      int
	// Environment is the service's `environment:` (map or list form).
	Environment map[string]EnvVar
	// Ports are the service's `ports:` entries.
	Ports []Port
}

// EnvVar is one environment variable of a service.
type EnvVar struct {
	Value string
	Line  int
}

// Port is one `ports:` entry: the host address it publishes on ("" for
// every interface), the host port ("" for a random one) and the container
// port.
type Port struct {
	HostIP, Published, Target string
	Line                      int
}

// Mount is a bind mount of a project path into a container.
type Mount struct {
	Source string // project-relative path of the host file or directory
	Target string // absolute path in the container, cleaned
	Line   int
}

// Parse reads a Compose file's services. rel is the file's project-relative
// path: relative host paths are resolved against its directory. Named
// volumes and host paths outside the project are left out.
func Parse(rel string, content []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(content)).Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return &File{Path: rel}, nil
		}
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	f := &File{Path: rel}
	if len(doc.Content) == 0 {
		return f, nil
	}
	services := get(doc.Content[0], "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return f, nil
	}
	dir := path.Dir(rel)
	// Top-level configs: name → project file (configs: {nginx_conf: {file: ./nginx.conf}}).
	configs := map[string]string{}
	if cs := get(doc.Content[0], "configs"); cs != nil && cs.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(cs.Content); i += 2 {
			if fn := get(cs.Content[i+1], "file"); fn != nil {
				if p, ok := hostPath(dir, asPath(fn.Value)); ok {
					configs[cs.Content[i].Value] = p
				}
			}
		}
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		k, v := services.Content[i], services.Content[i+1]
		s := &Service{Name: k.Value, Line: k.Line}
		if img := get(v, "image"); img != nil {
			s.Image = img.Value
		}
		if b := get(v, "build"); b != nil {
			ctx := b.Value
			if b.Kind == yaml.MappingNode {
				if c := get(b, "context"); c != nil {
					ctx = c.Value
				}
			}
			if p, ok := hostPath(dir, asPath(ctx)); ok {
				s.Context = p
				s.Dockerfile = path.Join(p, "Dockerfile")
				if b.Kind == yaml.MappingNode {
					if d := get(b, "dockerfile"); d != nil && d.Value != "" && !strings.HasPrefix(d.Value, "/") {
						s.Dockerfile = path.Join(p, d.Value)
					}
				}
			}
		}
		// A config is mounted at its target, by default /<name>.
		if cs := get(v, "configs"); cs != nil && cs.Kind == yaml.SequenceNode {
			for _, c := range cs.Content {
				name, target := c.Value, ""
				if c.Kind == yaml.MappingNode {
					if n := get(c, "source"); n != nil {
						name = n.Value
					}
					if t := get(c, "target"); t != nil {
						target = t.Value
					}
				}
				if target == "" {
					target = "/" + name
				}
				if src, ok := configs[name]; ok && strings.HasPrefix(target, "/") {
					s.Mounts = append(s.Mounts, Mount{Source: src, Target: path.Clean(target), Line: c.Line})
				}
			}
		}
		if vols := get(v, "volumes"); vols != nil && vols.Kind == yaml.SequenceNode {
			for _, vol := range vols.Content {
				if m, ok := mount(dir, vol); ok {
					s.Mounts = append(s.Mounts, m)
				}
			}
		}
		s.Command, s.CommandLine = words(get(v, "command"))
		s.Entrypoint, s.EntrypointLine = words(get(v, "entrypoint"))
		if env := get(v, "environment"); env != nil {
			s.Environment = environment(env)
		}
		if ps := get(v, "ports"); ps != nil && ps.Kind == yaml.SequenceNode {
			for _, p := range ps.Content {
				if pt, ok := port(p); ok {
					s.Ports = append(s.Ports, pt)
				}
			}
		}
		f.Services = append(f.Services, s)
	}
	sort.Slice(f.Services, func(i, j int) bool { return f.Services[i].Name < f.Services[j].Name })
	return f, nil
}

// mount reads one entry of a service's volumes, in the short syntax
// ("./nginx/conf.d:/etc/nginx/conf.d:ro") or the long one (type: bind,
// source, target).
func mount(dir string, n *yaml.Node) (Mount, bool) {
	var src, dst string
	switch n.Kind {
	case yaml.ScalarNode:
		parts := strings.Split(n.Value, ":")
		if len(parts) < 2 {
			return Mount{}, false
		}
		src, dst = parts[0], parts[1]
	case yaml.MappingNode:
		if t := get(n, "type"); t != nil && t.Value != "bind" {
			return Mount{}, false
		}
		s, t := get(n, "source"), get(n, "target")
		if s == nil || t == nil {
			return Mount{}, false
		}
		src, dst = s.Value, t.Value
	default:
		return Mount{}, false
	}
	p, ok := hostPath(dir, src)
	if !ok || !strings.HasPrefix(dst, "/") {
		return Mount{}, false
	}
	return Mount{Source: p, Target: path.Clean(dst), Line: n.Line}, true
}

// hostPath resolves a host path of the Compose file in dir to a
// project-relative one. Only relative paths (./x, ../x, x/y, $PWD/x) are in
// the project; a bare name is a named volume.
func hostPath(dir, p string) (string, bool) {
	for _, pwd := range []string{"${PWD}", "$PWD"} {
		if strings.HasPrefix(p, pwd) {
			p = "." + strings.TrimPrefix(p, pwd)
		}
	}
	if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.Contains(p, "$") || strings.Contains(p, "://") {
		return "", false
	}
	if p != "." && p != ".." && !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") && !strings.Contains(p, "/") {
		return "", false // a named volume
	}
	j := path.Join(dir, p)
	if j == ".." || strings.HasPrefix(j, "../") {
		return "", false
	}
	return j, true
}

// asPath makes a value that is always a path (a build context, a config's
// file) look like one to hostPath: "nginx" is ./nginx.
func asPath(p string) string {
	if p != "" && !strings.HasPrefix(p, ".") && !strings.HasPrefix(p, "/") && !strings.Contains(p, "://") {
		return "./" + p
	}
	return p
}

// words reads a command: or entrypoint: value, a string (split at spaces,
// quotes kept for the reader) or a list of words.
func words(n *yaml.Node) ([]string, int) {
	if n == nil {
		return nil, 0
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return strings.Fields(n.Value), n.Line
	case yaml.SequenceNode:
		out := []string{}
		for _, w := range n.Content {
			if w.Kind == yaml.ScalarNode {
				out = append(out, w.Value)
			}
		}
		return out, n.Line
	}
	return nil, 0
}

// environment reads a service's environment: in the map form (NAME: value)
// or the list form (- NAME=value).
func environment(n *yaml.Node) map[string]EnvVar {
	out := map[string]EnvVar{}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = EnvVar{n.Content[i+1].Value, n.Content[i].Line}
		}
	case yaml.SequenceNode:
		for _, e := range n.Content {
			if k, v, ok := strings.Cut(e.Value, "="); ok {
				out[k] = EnvVar{v, e.Line}
			}
		}
	}
	return out
}

// port reads one ports: entry, in the short syntax ("8000",
// "8000:8000", "127.0.0.1:8000:8000/tcp", "[::1]:8000:8000") or the long
// one (target, published, host_ip).
func port(n *yaml.Node) (Port, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		v, _, _ := strings.Cut(n.Value, "/")
		host := ""
		if strings.HasPrefix(v, "[") {
			if i := strings.Index(v, "]:"); i > 0 {
				host, v = v[1:i], v[i+2:]
			}
		}
		parts := strings.Split(v, ":")
		p := Port{Line: n.Line}
		switch len(parts) {
		case 1:
			p.Target = parts[0]
		case 2:
			p.Published, p.Target = parts[0], parts[1]
		case 3:
			host, p.Published, p.Target = parts[0], parts[1], parts[2]
		default:
			return Port{}, false
		}
		p.HostIP = host
		return p, p.Target != ""
	case yaml.MappingNode:
		p := Port{Line: n.Line}
		if t := get(n, "target"); t != nil {
			p.Target = t.Value
		}
		if pub := get(n, "published"); pub != nil {
			p.Published = pub.Value
		}
		if h := get(n, "host_ip"); h != nil {
			p.HostIP = h.Value
		}
		return p, p.Target != ""
	}
	return Port{}, false
}
