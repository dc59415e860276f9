package nginx

import (
	"reflect"
	"strings"
	"testing"
)

func TestConfigMapEntries(t *testing.T) {
	manifest := "apiVersion: v1\n" + // 1
		"kind: ConfigMap\n" + // 2
		"metadata:\n" + // 3
		"  name: web\n" + // 4
		"data:\n" + // 5
		"  nginx.conf: |\n" + // 6
		"    http {\n" + // 7
		"        include conf.d/*.conf;\n" + // 8
		"    }\n" + // 9
		"  default.conf: |-\n" + // 10
		"    server {\n" + // 11
		"        listen 443 ssl;\n" + // 12
		"        location / { proxy_pass http://app:8000; }\n" + // 13
		"    }\n" + // 14
		"  quoted.conf: \"server {\\n listen 80;\\n}\\n\"\n" + // 15
		"  notes: hello\n" + // 16
		"---\n" +
		"kind: ConfigMap\n" +
		"metadata: {name: other}\n" +
		"data:\n" +
		"  broken.conf: |\n" + // 21
		"    server {\n" + // 22
		"      listen 80;\n" + // 23
		"# a comment line ends the block\n"
	s := parseTree(t, map[string]string{"k8s/web.yaml": manifest})
	var entries []string
	for _, c := range s.Configs {
		if c.Path != "k8s/web.yaml" {
			t.Errorf("config path %q", c.Path)
		}
		entries = append(entries, c.Entry)
	}
	if want := []string{"other/broken.conf", "web/nginx.conf"}; !reflect.DeepEqual(entries, want) {
		t.Fatalf("roots %v, want %v", entries, want)
	}
	web := s.Configs[1]
	inc := findOne(t, web.Directives, "include", "*")
	if len(inc.Included) != 1 || inc.Missing {
		t.Fatalf("include of the sibling entry: %d directives, missing %v", len(inc.Included), inc.Missing)
	}
	srv := findOne(t, web.Directives, "server", "*")
	checkLoc(t, srv, 11, 5, 11, 13)
	checkLoc(t, findOne(t, web.Directives, "proxy_pass", "*"), 13, 22, 13, 49)
	if got := text(srv); got != "server {" {
		t.Errorf("server text %q", got)
	}
	if s.Files["k8s/web.yaml"] == nil || string(s.Files["k8s/web.yaml"].Content) != manifest {
		t.Errorf("the manifest itself is the file findings point into")
	}
	var msgs []string
	for _, e := range s.Errors {
		msgs = append(msgs, e.String())
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "k8s/web.yaml:1:1: ConfigMap entry web/quoted.conf (line 15) holds nginx configuration as a quoted") {
		t.Errorf("quoted entry not reported: %s", joined)
	}
	if !strings.Contains(joined, `k8s/web.yaml:23:1: unexpected end of file`) || !strings.Contains(joined, `"server" block on line 22 is not closed`) {
		t.Errorf("syntax error of an entry not at its manifest line: %s", joined)
	}
}
