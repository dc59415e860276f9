package analyzer

import (
	"path"
	"strings"

	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/nginx"
)

// Kind is what djleak treats a file as.
type Kind int

const (
	KindUnknown Kind = iota
	KindPython
	KindNginx
	KindTemplate
	KindCompose // a Docker Compose file, read for its nginx deployments
)

func (k Kind) String() string {
	switch k {
	case KindPython:
		return "python"
	case KindTemplate:
		return "template"
	case KindCompose:
		return "compose"
	}
	if l := languageOf(k); l != nil {
		return l.Name
	}
	return "unknown"
}

// nginxDirs are directory names whose *.conf files are nginx configs.
// conf.d and snippets are also other programs' (dovecot, needrestart,
// sysctl): under them a *.conf file is nginx only below one of the other
// three, or when it reads as nginx.
var nginxDirs = map[string]bool{
	"nginx": true, "sites-available": true, "sites-enabled": true,
	"conf.d": true, "snippets": true,
}

// sharedNginxDirs are the nginxDirs whose name other programs use too.
var sharedNginxDirs = map[string]bool{"conf.d": true, "snippets": true}

// nginxTemplateDirs are further directory names under which a file that
// reads as nginx is taken as nginx configuration: the official nginx
// image's /etc/nginx/templates (envsubst), Ansible and Salt role templates,
// and nginx-proxy's per-host vhost.d snippets.
var nginxTemplateDirs = map[string]bool{"vhost.d": true, "templates": true}

// anyNameDirs hold files named after a host ("example.com",
// "app.example.com_location"), whose last dot does not start an extension.
var anyNameDirs = map[string]bool{"sites-available": true, "sites-enabled": true, "vhost.d": true}

// nginxExts are the extensions (or none) a candidate nginx file may have.
var nginxExts = map[string]bool{
	"": true, ".conf": true, ".template": true, ".tmpl": true, ".tpl": true,
	".j2": true, ".jinja": true, ".jinja2": true, ".erb": true, ".in": true,
}

// LooksLikeNginx reports whether content reads as nginx configuration
// (see nginx.Sniff); name selects the template syntax to look through.
func LooksLikeNginx(name string, content []byte) bool {
	return nginx.Sniff(name, content)
}

// Classify decides a file's kind from its project-relative path and, where
// the name is not enough, its content (read lazily).
//
// nginx configuration is nginx.conf anywhere; a *.conf file under a
// directory named nginx, sites-available or sites-enabled (or under conf.d
// or snippets below one of those); and any file whose content reads as
// nginx and that either has "nginx" in its name or sits under one of those
// directories, conf.d, snippets, vhost.d or templates, with the extension .conf, .template, .tmpl, .tpl, .j2,
// .jinja, .erb, .in or none (under sites-*/ and vhost.d/ any name: hosts
// have dots). A *.conf or *.conf.template file elsewhere counts when its
// content reads as nginx, and so does a *.yaml / *.yml Kubernetes manifest
// with a ConfigMap whose entries hold nginx configuration.
func Classify(rel string, content func() []byte) Kind {
	base := path.Base(rel)
	switch {
	case strings.HasSuffix(base, ".py"):
		return KindPython
	case base != "nginx.conf" && composeKind(rel):
		return KindCompose
	}
	if k := claimLanguage(rel, content); k != KindUnknown {
		return k
	}
	if strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") {
		// Not nginx: perhaps another language's YAML (uwsgi, manifests).
		return classifyLanguage(rel, content)
	}
	for _, d := range strings.Split(path.Dir(rel), "/") {
		if d == "templates" && (strings.HasSuffix(base, ".html") || strings.HasSuffix(base, ".txt")) {
			return KindTemplate
		}
	}
	return classifyLanguage(rel, content)
}

// nginxLanguage is nginx, registered like every front end's format but
// parsed by project loading as one set per deployment (includes cross
// files). Its files keep the kind KindNginx.
var nginxLanguage = func() *Language {
	languagesMu.Lock()
	defer languagesMu.Unlock()
	return registerLocked(&Language{
		Name:  "nginx",
		Claim: claimNginx,
		Match: matchNginx,
		Last:  true,
		Named: func(rel string) bool {
			return strings.HasSuffix(rel, ".conf") || strings.HasSuffix(rel, ".conf.template")
		},
		Watch: []string{"**/*.conf", "**/*.conf.template", "**/nginx/**", "**/sites-available/**", "**/sites-enabled/**", "**/conf.d/**", "**/snippets/**"},
		set:   true,
	}, KindNginx)
}()

// claimNginx takes nginx.conf anywhere and Kubernetes manifests with a
// ConfigMap that embeds nginx.
func claimNginx(rel string, content func() []byte) bool {
	base := path.Base(rel)
	switch {
	case base == "nginx.conf":
		return true
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
		c := content()
		return c != nil && deploy.MightHaveConfigMap(c) && LooksLikeNginx(base, c)
	}
	return false
}

// matchNginx recognises the other nginx files (see Classify).
func matchNginx(rel string, content func() []byte) bool {
	base := path.Base(rel)
	dirs := strings.Split(path.Dir(rel), "/")
	inNginxDir, onlyShared, inTemplateDir, anyName := false, true, false, false
	for _, d := range dirs {
		inNginxDir = inNginxDir || nginxDirs[d]
		onlyShared = onlyShared && (!nginxDirs[d] || sharedNginxDirs[d])
		inTemplateDir = inTemplateDir || nginxTemplateDirs[d]
	}
	if n := len(dirs); n > 0 {
		anyName = anyNameDirs[dirs[n-1]]
	}
	if strings.HasSuffix(base, ".conf") && inNginxDir && !onlyShared {
		return true
	}
	ext := path.Ext(base)
	if strings.HasPrefix(base, ".") && strings.Count(base, ".") == 1 {
		ext = "" // a dot file: no extension
	}
	named := strings.Contains(strings.ToLower(base), "nginx") || inNginxDir || inTemplateDir
	candidate := (named && (nginxExts[ext] || anyName)) ||
		strings.HasSuffix(base, ".conf") || strings.HasSuffix(base, ".conf.template")
	if candidate {
		if c := content(); c != nil && LooksLikeNginx(base, c) {
			return true
		}
	}
	return false
}

// SourceFile is one discovered file.
type SourceFile struct {
	Path string // project-relative, slash-separated
	Kind Kind
}
