package rules

import (
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// versionLess compares dotted nginx versions ("1.22.1" < "1.25.1").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"1.22.1", "1.25.1", true}, {"1.25.1", "1.25.1", false}, {"1.25.10", "1.25.9", false}, {"1.9.5", "1.15.0", true}, {"1.26", "1.25.1", false}} {
		if got := versionLess(c.a, c.b); got != c.want {
			t.Errorf("versionLess(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestNGX003VersionsAgreeWithNginx: what NGX003 says about each removed
// directive holds for the installed nginx — it refuses the directive from
// the release that removed it, accepts it before (with a deprecation
// warning from the release that deprecated it) — and NGX003 reports the
// directive with that explanation.
func TestNGX003VersionsAgreeWithNginx(t *testing.T) {
	nginxtest.Require(t)
	pki := nginxtest.NewPKI(t)
	ver := nginxtest.Version()
	samples := map[string]string{"ssl": "ssl on;"}
	for name, v := range removedDirectives {
		line, ok := samples[name]
		if !ok {
			t.Fatalf("no sample line for %s", name)
		}
		conf := "server {\n    listen 127.0.0.1:{{PORT1}};\n    {{SSL}}\n    " + line + "\n    location / {\n        return 204;\n    }\n}"
		out, accepted := nginxtest.CheckConfig(t, nginxtest.Config{HTTP: conf, PKI: pki})
		removed := !versionLess(ver, v.removed)
		switch {
		case removed && accepted:
			t.Errorf("nginx %s accepts `%s`, but the table says %s removed it", ver, line, v.removed)
		case removed && !strings.Contains(out, "unknown directive \""+name+"\""):
			t.Errorf("nginx %s refuses `%s` otherwise than the message says:\n%s", ver, line, out)
		case !removed && !accepted:
			t.Errorf("nginx %s refuses `%s`, but the table says only %s removed it:\n%s", ver, line, v.removed, out)
		case !removed && !versionLess(ver, v.deprecated) && !strings.Contains(out, "deprecated"):
			t.Errorf("nginx %s accepts `%s` without a deprecation warning, but the table says %s deprecated it:\n%s", ver, line, v.deprecated, out)
		}
		if strings.HasPrefix(ver, v.example+".") && !accepted {
			t.Errorf("the message says nginx %s accepts `%s`, but nginx %s refuses it", v.example, line, ver)
		}
		t.Logf("nginx %s, `%s`: accepted=%v", ver, line, accepted)

		fs := analyzertest.Run(t, "-- nginx/site.conf --\nserver {\n    listen 443;\n    "+line+"\n}\n", Lookup("NGX003"))
		if len(fs) != 1 || fs[0].Location.Start.Line != 3 || !strings.Contains(fs[0].Message, "removed in "+v.removed) {
			t.Errorf("NGX003 on `%s`: got\n%s", line, analyzertest.Brief(fs))
		}
	}
}
