package analyzer_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/parsers/source"
)

// Compose files split the nginx files into deployments; includes resolve
// through each deployment's mounts (templates/NAME.template is
// conf.d/NAME), and files no Compose file mounts form the default set.
func TestDeployments(t *testing.T) {
	dir := analyzertest.WriteFiles(t, map[string]string{
		"docker-compose.yml": "services:\n  web:\n    build: .\n  nginx:\n    image: nginx:1.25\n    volumes:\n" +
			"      - ./deploy/dev/nginx.conf:/etc/nginx/nginx.conf:ro\n      - ./deploy/dev/conf.d:/etc/nginx/conf.d\n      - data:/var/lib/x\n" +
			"      - ./config/site:/etc/nginx/conf.d/site.conf\n",
		"config/site": "server {\n listen 8081;\n}\n",
		"deploy/prod/compose.prod.yaml": "services:\n  app: {image: mysite}\n  edge:\n    image: openresty/openresty\n    volumes:\n" +
			"      - {type: bind, source: ./nginx.conf, target: /usr/local/openresty/nginx/conf/nginx.conf}\n" +
			"      - ./templates:/etc/nginx/templates\n  other:\n    image: nginx\n    volumes: [\"./unused:/srv\"]\n",
		"deploy/dev/nginx.conf":                       "http {\n include /etc/nginx/conf.d/*.conf;\n}\n",
		"deploy/dev/conf.d/app.conf":                  "server {\n listen 80;\n location / { proxy_pass http://web:8000; }\n}\n",
		"deploy/prod/nginx.conf":                      "http {\n include conf.d/*.conf;\n include /etc/nginx/conf.d/extra.conf;\n}\n",
		"deploy/prod/templates/default.conf.template": "server {\n listen ${PORT};\n}\n",
		"deploy/prod/templates/extra.conf.template":   "server {\n listen 81;\n}\n",
		"legacy/nginx/site.conf":                      "server {\n listen 8080;\n}\n",
	})
	p, err := driver.Load(driver.Options{Root: dir, Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for _, d := range p.Deployments {
		deps = append(deps, d.Name+" "+d.Service+" "+strings.Join(d.Files, ",")+" peers="+strings.Join(d.Peers, ",")+
			" to="+strings.Join(d.ProxiesTo, ","))
	}
	want := []string{
		"deploy/prod/compose.prod.yaml edge deploy/prod/nginx.conf,deploy/prod/templates/default.conf.template,deploy/prod/templates/extra.conf.template peers=app,other to=",
		"docker-compose.yml nginx config/site,deploy/dev/conf.d/app.conf,deploy/dev/nginx.conf peers=web to=web",
	}
	if !reflect.DeepEqual(deps, want) {
		t.Errorf("deployments\n got %q\nwant %q", deps, want)
	}
	var cfgs []string
	for _, c := range p.Nginx.Configs {
		cfgs = append(cfgs, c.Path+" @"+c.Deployment+fmt.Sprintf(" files=%d", len(c.Files)))
	}
	wantCfgs := []string{
		"deploy/dev/nginx.conf @docker-compose.yml files=3",
		"deploy/prod/nginx.conf @deploy/prod/compose.prod.yaml files=3",
		"legacy/nginx/site.conf @ files=1",
	}
	if !reflect.DeepEqual(cfgs, wantCfgs) {
		t.Errorf("configs\n got %q\nwant %q", cfgs, wantCfgs)
	}
	for _, e := range p.Nginx.Errors {
		t.Errorf("unexpected error %s", e)
	}
	if k := analyzer.Classify("deploy/prod/compose.prod.yaml", func() []byte { return nil }); k != analyzer.KindCompose {
		t.Errorf("compose file classified %s", k)
	}
}

// testFront is a front-end language for the deployment tests: files
// named *.tfront, run by images named "tfront" or mounted under /etc/tfront.
var testFront = analyzer.RegisterLanguage(&analyzer.Language{
	Name:   "testfront",
	Match:  func(rel string, _ func() []byte) bool { return strings.HasSuffix(rel, ".tfront") },
	Parse:  func(f *source.File) any { return nil },
	Deploy: &analyzer.Deploy{Dirs: []string{"/etc/tfront"}, Images: []string{"tfront"}},
})

// The files of a language with a Deploy carry the Compose deployment
// that runs them: by mount, by build context, by image name; a Compose
// file with two such services names each one.
func TestLanguageDeployments(t *testing.T) {
	dir := analyzertest.WriteFiles(t, map[string]string{
		"a/compose.yaml":        "services:\n  lb:\n    image: tfront:2\n    volumes: [\"./conf:/etc/tfront:ro\"]\n  web: {image: mysite}\n",
		"a/conf/main.tfront":    "x\n",
		"b/compose.yaml":        "services:\n  one:\n    image: tfront\n    volumes: [\"./one.tfront:/etc/tfront/main.tfront\"]\n  two:\n    build: ./tfront-two\n",
		"b/one.tfront":          "x\n",
		"b/tfront-two/x.tfront": "x\n",
		"c/compose.yaml":        "services:\n  lb:\n    image: other\n    volumes: [\"./x:/srv\"]\n",
		"c/unrun.tfront":        "x\n",
	})
	p, err := driver.Load(driver.Options{Root: dir, Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range p.Files {
		if f.Kind == testFront.Kind() {
			got[f.Path] = p.DeploymentOf(testFront, f.Path)
		}
	}
	want := map[string]string{
		"a/conf/main.tfront":    "a/compose.yaml",
		"b/one.tfront":          "b/compose.yaml (one)",
		"b/tfront-two/x.tfront": "b/compose.yaml (two)",
		"c/unrun.tfront":        "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deployments\n got %q\nwant %q", got, want)
	}
}

// analyzer.BuildMain builds the files no other file includes, and a file that only
// an include cycle reaches.
func TestBuildMain(t *testing.T) {
	paths := []string{"a", "b", "c", "d", "e"}
	includes := map[string][]string{"a": {"b"}, "c": {"d"}, "d": {"c"}, "e": {"b"}}
	reach := func(i int) map[string]bool {
		out := map[string]bool{}
		var walk func(p string)
		walk = func(p string) {
			for _, q := range includes[p] {
				if !out[q] {
					out[q] = true
					walk(q)
				}
			}
		}
		walk(paths[i])
		return out
	}
	got := analyzer.BuildMain(paths, reach, func(i int) (string, map[string]bool) { return paths[i], reach(i) })
	if want := []string{"a", "e", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("BuildMain = %q, want %q", got, want)
	}
}
