package deploy

// Kubernetes workloads: the containers a manifest runs (command, args,
// environment, ports) and the Services that publish them outside the
// cluster.

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Workload is a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob or Pod of a manifest.
type Workload struct {
	Kind, Name string
	Labels     map[string]string // the pod template's labels
	Containers []Container
}

// Container is one container of a workload's pod.
type Container struct {
	Name          string
	Command, Args []string
	CommandLine   int // the line of command: (or args: when there is none)
	Env           map[string]EnvVar
	Ports         []ContainerPort
}

// ContainerPort is one ports: entry of a container.
type ContainerPort struct {
	Name string
	Port string
	Line int
}

// KubeService is a Service of a manifest.
type KubeService struct {
	Name, Type string // Type: ClusterIP (default), NodePort, LoadBalancer, ExternalName
	Selector   map[string]string
	Ports      []KubeServicePort
	// ExternalIPs is set when spec.externalIPs routes outside traffic to
	// the Service whatever its type.
	ExternalIPs bool
}

// KubeServicePort is one ports: entry of a Service.
type KubeServicePort struct {
	Name             string
	Port, TargetPort string // TargetPort: a number or a container port's name; Port when absent
	Line             int
}

// Public reports whether the Service takes traffic from outside the
// cluster.
func (s KubeService) Public() bool {
	return s.Type == "NodePort" || s.Type == "LoadBalancer" || s.ExternalIPs
}

// Selects reports whether the Service's selector picks a pod with these
// labels.
func (s KubeService) Selects(labels map[string]string) bool {
	if len(s.Selector) == 0 {
		return false
	}
	for k, v := range s.Selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// MightHaveWorkload is a cheap test on a file's content before parsing.
func MightHaveWorkload(content []byte) bool {
	return bytes.Contains(content, []byte("containers:")) && bytes.Contains(content, []byte("kind:"))
}

// KubeIngress is an Ingress (networking.k8s.io/v1): the Services it sends
// outside traffic to, through the cluster's ingress controller.
type KubeIngress struct {
	Name     string
	Line     int
	Backends []KubeIngressBackend
	// ClientCert is set when the Ingress asks its controller to verify
	// client certificates (ingress-nginx's auth-tls-verify-client or
	// auth-tls-secret annotation): the controller is then the TLS front
	// end.
	ClientCert bool
}

// KubeIngressBackend is one Service an Ingress routes to (a rule's path
// or the default backend).
type KubeIngressBackend struct {
	Service string
	Port    string // the Service port's number or name
	Line    int
}

// Routes reports whether the backend sends traffic to Service port sp.
func (b KubeIngressBackend) Routes(sp KubeServicePort) bool {
	return b.Port == "" || b.Port == sp.Port || b.Port == sp.Name
}

// Manifest is what djleak reads from a Kubernetes manifest.
type Manifest struct {
	Workloads []Workload
	Services  []KubeService
	Ingresses []KubeIngress
}

// Workloads reads every workload and Service of a manifest (see
// ReadManifest).
func Workloads(content []byte) ([]Workload, []KubeService, error) {
	m, err := ReadManifest(content)
	return m.Workloads, m.Services, err
}

// ReadManifest reads every workload, Service and Ingress of a manifest (all its YAML
// documents). Helm's {{ … }} actions are first replaced by underscores of
// the same length, so that a command's templated word stays a word (a
// value djleak does not know) rather than vanishing. A manifest that is
// not valid YAML is an error.
func ReadManifest(content []byte) (Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(fillActions(content, '_')))
	var ws []Workload
	var ss []KubeService
	var is []KubeIngress
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return Manifest{ws, ss, is}, err
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		top := doc.Content[0]
		kind := scalar(get(top, "kind"))
		name := scalar(get(get(top, "metadata"), "name"))
		spec := get(top, "spec")
		switch kind {
		case "Service":
			s := KubeService{Name: name, Type: scalar(get(spec, "type")), Selector: stringMap(get(spec, "selector"))}
			if s.Type == "" {
				s.Type = "ClusterIP"
			}
			if e := get(spec, "externalIPs"); e != nil && e.Kind == yaml.SequenceNode && len(e.Content) > 0 {
				s.ExternalIPs = true
			}
			for _, p := range seq(get(spec, "ports")) {
				sp := KubeServicePort{Name: scalar(get(p, "name")), Port: scalar(get(p, "port")), TargetPort: scalar(get(p, "targetPort")), Line: p.Line}
				if sp.TargetPort == "" {
					sp.TargetPort = sp.Port
				}
				s.Ports = append(s.Ports, sp)
			}
			ss = append(ss, s)
		case "Ingress":
			is = append(is, ingress(name, top))
		case "Pod":
			ws = append(ws, workload(kind, name, get(top, "metadata"), spec))
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
			t := get(spec, "template")
			ws = append(ws, workload(kind, name, get(t, "metadata"), get(t, "spec")))
		case "CronJob":
			t := get(get(get(spec, "jobTemplate"), "spec"), "template")
			ws = append(ws, workload(kind, name, get(t, "metadata"), get(t, "spec")))
		}
	}
	return Manifest{ws, ss, is}, nil
}

func ingress(name string, top *yaml.Node) KubeIngress {
	in := KubeIngress{Name: name, Line: top.Line}
	for k, v := range stringMap(get(get(top, "metadata"), "annotations")) {
		switch strings.TrimPrefix(k, "nginx.ingress.kubernetes.io/") {
		case "auth-tls-secret":
			in.ClientCert = in.ClientCert || v != ""
		case "auth-tls-verify-client":
			in.ClientCert = in.ClientCert || v == "on" || v == "optional"
		}
	}
	spec := get(top, "spec")
	add := func(b *yaml.Node) {
		svc := get(b, "service")
		if n := scalar(get(svc, "name")); n != "" {
			port := get(svc, "port")
			p := scalar(get(port, "number"))
			if p == "" {
				p = scalar(get(port, "name"))
			}
			in.Backends = append(in.Backends, KubeIngressBackend{Service: n, Port: p, Line: b.Line})
		}
	}
	if d := get(spec, "defaultBackend"); d != nil {
		add(d)
	}
	for _, r := range seq(get(spec, "rules")) {
		for _, p := range seq(get(get(r, "http"), "paths")) {
			if b := get(p, "backend"); b != nil {
				add(b)
			}
		}
	}
	return in
}

func workload(kind, name string, meta, podSpec *yaml.Node) Workload {
	w := Workload{Kind: kind, Name: name, Labels: stringMap(get(meta, "labels"))}
	for _, c := range seq(get(podSpec, "containers")) {
		ct := Container{Name: scalar(get(c, "name")), Env: map[string]EnvVar{}}
		ct.Command, ct.CommandLine = words(get(c, "command"))
		var argsLine int
		ct.Args, argsLine = words(get(c, "args"))
		if ct.CommandLine == 0 {
			ct.CommandLine = argsLine
		}
		for _, e := range seq(get(c, "env")) {
			if n := scalar(get(e, "name")); n != "" {
				ct.Env[n] = EnvVar{scalar(get(e, "value")), e.Line}
			}
		}
		for _, p := range seq(get(c, "ports")) {
			ct.Ports = append(ct.Ports, ContainerPort{Name: scalar(get(p, "name")), Port: scalar(get(p, "containerPort")), Line: p.Line})
		}
		w.Containers = append(w.Containers, ct)
	}
	return w
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func stringMap(n *yaml.Node) map[string]string {
	out := map[string]string{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1].Value
	}
	return out
}

// Targets reports whether a Service port's targetPort names the container
// port p (by number or by name).
func (sp KubeServicePort) Targets(p ContainerPort) bool {
	if _, err := strconv.Atoi(sp.TargetPort); err == nil {
		return sp.TargetPort == p.Port
	}
	return sp.TargetPort != "" && sp.TargetPort == p.Name
}
