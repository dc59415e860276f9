package appserver

import (
	"bytes"
	"path"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// Manifests are Kubernetes manifests (and Helm templates) that run an app
// server in a container, or that hold a Service.
var Manifests = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "kubernetes-app-server",
	Match: matchManifest,
	Parse: func(f *source.File) any { return f },
})

func matchManifest(rel string, content func() []byte) bool {
	base := strings.ToLower(path.Base(rel))
	if !(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) || deploy.IsComposeFile(base) {
		return false
	}
	c := content()
	if c == nil {
		return false
	}
	return deploy.MightHaveWorkload(c) && serverWord.Match(c) || bytes.Contains(c, []byte("kind: Service")) ||
		bytes.Contains(c, []byte("kind: Ingress"))
}

// fromKubernetes returns the app servers that the project's manifests run
// in containers, each with the ports that Services of type NodePort or
// LoadBalancer (in any manifest of the project) publish, and those that an
// Ingress routes outside traffic to. An Ingress whose controller verifies
// client certificates is the TLS front end itself, one djleak does not
// model, so it publishes nothing here. A manifest that is not valid YAML
// is left out.
func fromKubernetes(p *analyzer.Project) []*Server {
	type manifest struct {
		f  *source.File
		ws []deploy.Workload
	}
	var ms []manifest
	type located[T any] struct {
		f *source.File
		v T
	}
	var services []located[deploy.KubeService]
	var ingresses []located[deploy.KubeIngress]
	for _, c := range p.Configs(Manifests) {
		man, err := deploy.ReadManifest(c.File.Content)
		if err != nil {
			continue
		}
		ms = append(ms, manifest{c.File, man.Workloads})
		for _, s := range man.Services {
			services = append(services, located[deploy.KubeService]{c.File, s})
		}
		for _, in := range man.Ingresses {
			ingresses = append(ingresses, located[deploy.KubeIngress]{c.File, in})
		}
	}
	var out []*Server
	for _, m := range ms {
		for _, w := range m.ws {
			for _, ct := range w.Containers {
				if ct.CommandLine == 0 {
					continue
				}
				env := map[string]Setting{}
				for k, v := range ct.Env {
					env[k] = Setting{v.Value, lineSpan(m.f, v.Line)}
				}
				words := append(append([]string(nil), ct.Command...), ct.Args...)
				s := parseCommand(shellWords(strings.Join(words, " ")), lineSpan(m.f, ct.CommandLine), env)
				if s == nil {
					continue
				}
				c := &Container{File: m.f.Path, Name: "Kubernetes " + w.Kind + " " + w.Name}
				for _, sv := range services {
					if !sv.v.Selects(w.Labels) {
						continue
					}
					for _, sp := range sv.v.Ports {
						port := containerPort(sp, ct)
						if sv.v.Public() {
							c.Published = append(c.Published, Port{Container: port, At: lineSpan(sv.f, sp.Line),
								Via: "published outside the cluster by the " + sv.v.Type + " Service " + sv.v.Name})
						}
						for _, in := range ingresses {
							if in.v.ClientCert {
								continue
							}
							for _, b := range in.v.Backends {
								if b.Service == sv.v.Name && b.Routes(sp) {
									c.Published = append(c.Published, Port{Container: port, At: lineSpan(in.f, b.Line),
										Via: "reachable from outside the cluster through the Ingress " + in.v.Name +
											" (Service " + sv.v.Name + "), whose controller verifies no client certificate"})
								}
							}
						}
					}
				}
				s.Container = c
				out = append(out, s)
			}
		}
	}
	return out
}

// containerPort is the container port a Service port sends traffic to.
func containerPort(sp deploy.KubeServicePort, ct deploy.Container) string {
	port := sp.TargetPort
	for _, cp := range ct.Ports {
		if sp.Targets(cp) {
			port = cp.Port
		}
	}
	return port
}
