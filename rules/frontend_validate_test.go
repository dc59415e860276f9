package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer/apachemodel"
	"github.com/djleak/djleak/analyzer/apachemodel/apachetest"
	"github.com/djleak/djleak/analyzer/caddymodel"
	"github.com/djleak/djleak/analyzer/caddymodel/caddytest"
	"github.com/djleak/djleak/analyzer/haproxymodel/haproxytest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/caddy"
	"github.com/djleak/djleak/parsers/haproxy"
	"github.com/djleak/djleak/parsers/source"
)

// apacheConfig is one main httpd configuration of a doc or fixture with
// the files it includes, by path relative to its ServerRoot.
type apacheConfig struct {
	main  string
	files map[string]string
}

// apacheConfigs returns the main configurations of an archive's httpd
// files that djleak reads without a syntax error or an include it cannot
// follow.
func apacheConfigs(origin string, a *txtar.Archive, out map[string]apacheConfig) {
	loader := apachemodel.MapLoader{}
	var files []*apachemodel.File
	for _, f := range a.Files {
		data := f.Data
		if apachemodel.Language.Match(f.Name, func() []byte { return data }) {
			af := &apachemodel.File{Src: source.NewFile(f.Name, data), Parsed: apache.Parse(data)}
			loader[f.Name] = af
			files = append(files, af)
		}
	}
	for _, c := range apachemodel.BuildAll(files, loader) {
		if len(c.Includes) > 0 {
			continue
		}
		ac := apacheConfig{main: string(c.File.Src.Content), files: map[string]string{}}
		broken := false
		for rel, f := range loader {
			broken = broken || len(f.Parsed.Errors) > 0 && (f == c.File || strings.HasPrefix(rel, c.Root()+"/"))
			if r, ok := strings.CutPrefix(rel, c.Root()+"/"); ok && f != c.File {
				ac.files[r] = string(f.Src.Content)
			}
		}
		if !broken {
			out[origin+" "+c.File.Src.Path] = ac
		}
	}
}

// caddyExtra are the files beside each Caddyfile of frontConfigs, by
// origin: path relative to the Caddyfile's directory, and content.
var caddyExtra map[string][][2]string

// frontConfigs collects every HAProxy and Caddy configuration of the rule
// docs and fixtures, by kind, keyed by where it comes from, and the httpd
// ones.
func frontConfigs(t *testing.T) (map[string]map[string]string, map[string]apacheConfig) {
	out := map[string]map[string]string{"haproxy": {}, "caddy": {}}
	apacheOut := map[string]apacheConfig{}
	caddyExtra = map[string][][2]string{}
	add := func(origin string, a *txtar.Archive) {
		for _, f := range a.Files {
			switch {
			case strings.HasSuffix(f.Name, "haproxy.cfg"):
				out["haproxy"][origin+" "+f.Name] = string(f.Data)
			case strings.HasSuffix(f.Name, "Caddyfile"):
				out["caddy"][origin+" "+f.Name] = string(f.Data)
				// the files beside it that it may import
				dir := strings.TrimSuffix(f.Name, "Caddyfile")
				for _, g := range a.Files {
					if rel, ok := strings.CutPrefix(g.Name, dir); ok && g.Name != f.Name {
						caddyExtra[origin+" "+f.Name] = append(caddyExtra[origin+" "+f.Name], [2]string{rel, string(g.Data)})
					}
				}
			}
		}
		apacheConfigs(origin, a, apacheOut)
	}
	for _, r := range All() {
		add(r.ID+" Example", txtar.Parse([]byte(r.Example)))
		add(r.ID+" UseInstead", txtar.Parse([]byte(r.UseInstead)))
	}
	files, _ := filepath.Glob("testdata/fixtures/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		add(filepath.Base(file), txtar.Parse(data))
	}
	return out, apacheOut
}

var (
	haproxyCrt       = regexp.MustCompile(`(\s)crt \S+`) // a word of its own: not the end of "ca-certificates.crt"
	haproxyCA        = regexp.MustCompile(`\bca-file \S+`)
	caddyTLS         = regexp.MustCompile(`(?m)^(\s*tls) /\S+ /\S+`)
	caddyCA          = regexp.MustCompile(`\b(trusted_ca_cert_file|tls_trusted_ca_certs) \S+`)
	apacheServerRoot = regexp.MustCompile(`(?m)^\s*ServerRoot .*$`)
	apacheFile       = regexp.MustCompile(`(?m)^(\s*)(SSLCertificateFile|SSLCertificateKeyFile|SSLCACertificateFile|SSLProxyCACertificateFile|WSGIScriptAlias /) \S+`)
)

var apacheFiles = map[string]string{"SSLCertificateFile": "{{CERT}}", "SSLCertificateKeyFile": "{{KEY}}", "SSLCACertificateFile": "{{CA}}", "SSLProxyCACertificateFile": "{{CA}}", "WSGIScriptAlias /": "{{WSGI}}"}

// TestFrontEndsAcceptWhatDjleakParses runs the real servers' own config
// checks (`haproxy -c`, `caddy validate`, `httpd -t`) on every HAProxy and Caddy
// configuration of the docs and fixtures that djleak parses without an
// error, with the certificate paths pointed at files that exist.
func TestFrontEndsAcceptWhatDjleakParses(t *testing.T) {
	haproxytest.Require(t)
	caddytest.Require(t)
	apachetest.Require(t)
	pki := nginxtest.NewPKI(t)
	cfgs, apacheCfgs := frontConfigs(t)
	for kind, c := range cfgs {
		if len(c) < 10 {
			t.Fatalf("too few %s configurations: %d", kind, len(c))
		}
	}
	if len(apacheCfgs) < 10 {
		t.Fatalf("too few httpd configurations: %d", len(apacheCfgs))
	}
	checked := map[string]int{}
	for origin, text := range cfgs["haproxy"] {
		if len(haproxy.Parse([]byte(text)).Errors) > 0 {
			continue
		}
		checked["haproxy"]++
		conf := haproxyCA.ReplaceAllString(haproxyCrt.ReplaceAllString(text, "${1}crt {{PEM}}"), "ca-file {{CA}}")
		if out, ok := haproxytest.Check(t, conf, pki); !ok {
			t.Errorf("%s: haproxy -c rejects it:\n%s\n%s", origin, out, conf)
		}
	}
	for origin, text := range cfgs["caddy"] {
		if len(caddy.Parse([]byte(text)).Errors) > 0 {
			continue
		}
		checked["caddy"]++
		caddyText := func(text string) string {
			return caddyCA.ReplaceAllString(caddyTLS.ReplaceAllString(text, "$1 {{CERT}} {{KEY}}"), "$1 {{CA}}")
		}
		conf := caddyText(text)
		extra := map[string]string{}
		for _, e := range caddyExtra[origin] {
			extra[e[0]] = caddyText(e[1])
		}
		if caddyNoImport(conf, extra) {
			continue // djleak reports the import it cannot follow (CDY002)
		}
		if out, ok := caddytest.CheckFiles(t, "{{GLOBAL}}\n"+conf, extra, pki); !ok {
			t.Errorf("%s: caddy validate rejects it:\n%s\n%s", origin, out, conf)
		}
	}
	apacheText := func(text string) string {
		text = apacheServerRoot.ReplaceAllString(text, "") // the prelude's ServerRoot holds the included files
		return apacheFile.ReplaceAllStringFunc(text, func(m string) string {
			sub := apacheFile.FindStringSubmatch(m)
			return sub[1] + sub[2] + " " + apacheFiles[sub[2]]
		})
	}
	for origin, c := range apacheCfgs {
		checked["apache"]++
		conf := apacheText(c.main)
		extra := map[string]string{}
		for rel, text := range c.files {
			extra[rel] = apacheText(text)
		}
		if out, ok := apachetest.CheckFiles(t, "{{PRELUDE}}\n"+conf, extra, pki); !ok {
			t.Errorf("%s: httpd -t rejects it:\n%s\n%s", origin, out, conf)
		}
	}
	if checked["haproxy"] < 10 || checked["caddy"] < 10 || checked["apache"] < 10 {
		t.Errorf("checked %v configurations; every doc and fixture should count", checked)
	}
	t.Logf("checked %v", checked)
}

// caddyNoImport reports whether a Caddyfile imports a file that is not
// among extra, as djleak reads it.
func caddyNoImport(conf string, extra map[string]string) bool {
	loader := caddymodel.MapLoader{}
	for rel, text := range extra {
		loader[rel] = &caddymodel.File{Src: source.NewFile(rel, []byte(text)), Parsed: caddy.Parse([]byte(text))}
	}
	c := caddymodel.BuildTree(&caddymodel.File{Src: source.NewFile("Caddyfile", []byte(conf)), Parsed: caddy.Parse([]byte(conf))}, loader)
	return len(c.Imports) > 0
}
