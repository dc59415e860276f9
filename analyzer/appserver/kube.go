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
	return deploy.MightHaveWorkload(c) && serverWord.Match(c) || bytes.Contains(c, []byte("kind: Service"))
}

// fromKubernetes returns the app servers that the project's manifests run
// in containers, each with the ports that Services of type NodePort or
// LoadBalancer (in any manifest of the project) publish. A manifest that
// is not valid YAML is left out.
func fromKubernetes(p *analyzer.Project) []*Server {
	type manifest struct {
		f  *source.File
		ws []deploy.Workload
	}
	var ms []manifest
	var services []struct {
		f *source.File
		s deploy.KubeService
	}
	for _, c := range p.Configs(Manifests) {
		ws, ss, err := deploy.Workloads(c.File.Content)
		if err != nil {
			continue
		}
		ms = append(ms, manifest{c.File, ws})
		for _, s := range ss {
			services = append(services, struct {
				f *source.File
				s deploy.KubeService
			}{c.File, s})
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
					if !sv.s.Public() || !sv.s.Selects(w.Labels) {
						continue
					}
					for _, sp := range sv.s.Ports {
						port := sp.TargetPort
						for _, cp := range ct.Ports {
							if sp.Targets(cp) {
								port = cp.Port
							}
						}
						c.Published = append(c.Published, Port{Container: port, At: lineSpan(sv.f, sp.Line),
							Via: "published outside the cluster by the " + sv.s.Type + " Service " + sv.s.Name})
					}
				}
				s.Container = c
				out = append(out, s)
			}
		}
	}
	return out
}
