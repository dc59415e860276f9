package deploy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestComposeMounts(t *testing.T) {
	src := `services:
  nginx:
    image: nginx:1.25
    build:
      context: ./docker/nginx
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
      - ../shared/snippets:/etc/nginx/snippets
      - ${PWD}/conf.d:/etc/nginx/conf.d/
      - type: bind
        source: ./templates
        target: /etc/nginx/templates
      - type: volume
        source: certs
        target: /etc/ssl
      - logs:/var/log/nginx
      - /etc/letsencrypt:/etc/letsencrypt:ro
      - ../../../outside:/srv
    configs:
      - source: site
        target: /etc/nginx/conf.d/site.conf
      - extra
      - missing
  web:
    build: ..
configs:
  site:
    file: ./site.conf
  extra:
    file: extra.conf
`
	f, err := Parse("deploy/prod/docker-compose.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Services) != 2 || f.Services[0].Name != "nginx" || f.Services[1].Name != "web" {
		t.Fatalf("services %+v", f.Services)
	}
	ng := f.Services[0]
	var got []string
	for _, m := range ng.Mounts {
		got = append(got, m.Source+" -> "+m.Target)
	}
	want := []string{
		"deploy/prod/site.conf -> /etc/nginx/conf.d/site.conf",
		"deploy/prod/extra.conf -> /extra",
		"deploy/prod/nginx.conf -> /etc/nginx/nginx.conf",
		"deploy/shared/snippets -> /etc/nginx/snippets",
		"deploy/prod/conf.d -> /etc/nginx/conf.d",
		"deploy/prod/templates -> /etc/nginx/templates",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mounts\n got %q\nwant %q", got, want)
	}
	if ng.Image != "nginx:1.25" || ng.Context != "deploy/prod/docker/nginx" || f.Services[1].Context != "deploy" {
		t.Errorf("image %q, contexts %q %q", ng.Image, ng.Context, f.Services[1].Context)
	}
	if _, err := Parse("docker-compose.yml", []byte("services: [\n")); err == nil || !strings.Contains(err.Error(), "docker-compose.yml") {
		t.Errorf("invalid YAML: %v", err)
	}
	for name, want := range map[string]bool{
		"docker-compose.yml": true, "docker-compose.prod.yaml": true, "compose.yaml": true,
		"compose.override.yml": true, "values.yaml": false, "docker-compose.json": false,
	} {
		if IsComposeFile(name) != want {
			t.Errorf("IsComposeFile(%s) = %v", name, !want)
		}
	}
}

// Every entry's text, read back from the blanked manifest with the block
// indentation removed, is exactly the value the YAML library decodes: the
// byte-for-byte mapping loses nothing and adds nothing.
func TestConfigMapEntryMatchesYAML(t *testing.T) {
	src := "# manifest\n" +
		"apiVersion: v1\n" +
		"kind: ConfigMap\n" +
		"metadata:\n  name: web\n" +
		"data:\n" +
		"  nginx.conf: |\n" +
		"    http {\n" +
		"\n" +
		"        server { listen 80; }   \n" +
		"    }\n" +
		"  other.conf: |+\n" +
		"      server {\n" +
		"        listen 81;\n" +
		"      }\n" +
		"\n" +
		"  folded.conf: >\n" +
		"    server { listen 82; }\n" +
		"---\n" +
		"kind: Secret\n" +
		"data:\n  x.conf: |\n    server {}\n"
	var values = map[string]string{}
	es, skipped, err := ConfigMapEntries([]byte(src), func(k, v string) bool { values[k] = v; return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Key != "nginx.conf" || es[1].Key != "other.conf" || es[0].ConfigMap != "web" || es[0].Line != 7 {
		t.Fatalf("entries %+v", es)
	}
	if !reflect.DeepEqual(skipped, []string{"web/folded.conf (line 17)"}) {
		t.Errorf("skipped %q", skipped)
	}
	for _, e := range es {
		if len(e.Content) > len(src) {
			t.Fatalf("%s: content longer than the manifest", e.Key)
		}
		for i, c := range e.Content {
			if c != ' ' && c != src[i] {
				t.Fatalf("%s: byte %d moved", e.Key, i)
			}
		}
		lines := strings.Split(string(e.Content), "\n")
		indent := -1
		var body []string
		for _, l := range lines {
			if strings.TrimSpace(l) == "" {
				if indent >= 0 {
					body = append(body, "")
				}
				continue
			}
			if indent < 0 {
				indent = len(l) - len(strings.TrimLeft(l, " "))
			}
			body = append(body, l[indent:])
		}
		got := strings.TrimRight(strings.Join(body, "\n"), "\n")
		if want := strings.TrimRight(values[e.Key], "\n"); got != want {
			t.Errorf("%s: read back %q, YAML decodes %q", e.Key, got, want)
		}
	}
}

// A Helm chart's manifest is a Go template; its actions do not stop the
// YAML from being read, and the entry keeps them.
func TestHelmConfigMap(t *testing.T) {
	src := "apiVersion: v1\n" +
		"kind: ConfigMap\n" +
		"metadata:\n" +
		"  name: {{ include \"chart.fullname\" . }}-nginx\n" +
		"  labels:\n" +
		"    {{- include \"chart.labels\" . | nindent 4 }}\n" +
		"data:\n" +
		"{{- if .Values.nginx.enabled }}\n" +
		"  default.conf: |\n" +
		"    server {\n" +
		"        listen {{ .Values.nginx.port }} ssl;\n" +
		"    }\n" +
		"{{- end }}\n"
	es, _, err := ConfigMapEntries([]byte(src), func(string, string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Key != "default.conf" || !strings.Contains(string(es[0].Content), "listen {{ .Values.nginx.port }} ssl;") {
		t.Fatalf("entries %+v", es)
	}
}

// TestComposeCommandsAndPorts reads the fields that start app servers and
// publish them.
func TestComposeCommandsAndPorts(t *testing.T) {
	f, err := Parse("deploy/compose.yaml", []byte(`services:
  web:
    build:
      context: ..
      dockerfile: docker/web.Dockerfile
    entrypoint: /entrypoint.sh
    command: ["gunicorn", "app.wsgi", "-b", "0.0.0.0:8000"]
    environment:
      FORWARDED_ALLOW_IPS: "*"
    ports:
      - "8000"
      - "127.0.0.1:8001:8001/tcp"
      - "[::]:8002:8002"
      - target: 8003
        published: "9003"
        host_ip: 0.0.0.0
  worker:
    build: ./worker
    command: uwsgi --ini /srv/uwsgi.ini
    environment:
      - A=1
      - B
`))
	if err != nil {
		t.Fatal(err)
	}
	web, worker := f.Services[0], f.Services[1]
	got := fmt.Sprintf("%q %d %q %d %v %v %q", web.Entrypoint, web.EntrypointLine, web.Command, web.CommandLine, web.Environment, web.Ports, web.Dockerfile)
	want := `["/entrypoint.sh"] 6 ["gunicorn" "app.wsgi" "-b" "0.0.0.0:8000"] 7 map[FORWARDED_ALLOW_IPS:{* 9}] [{  8000 11} {127.0.0.1 8001 8001 12} {:: 8002 8002 13} {0.0.0.0 9003 8003 14}] "docker/web.Dockerfile"`
	if got != want {
		t.Errorf("web:\n got %s\nwant %s", got, want)
	}
	got = fmt.Sprintf("%q %v %q", worker.Command, worker.Environment, worker.Dockerfile)
	if want := `["uwsgi" "--ini" "/srv/uwsgi.ini"] map[A:{1 21}] "deploy/worker/Dockerfile"`; got != want {
		t.Errorf("worker:\n got %s\nwant %s", got, want)
	}
}

// TestWorkloads reads containers and Services from every kind of workload.
func TestWorkloads(t *testing.T) {
	ws, ss, err := Workloads([]byte(`apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}}
        spec:
          containers:
            - name: job
              command: python manage.py clearsessions
---
kind: Pod
metadata:
  name: one
  labels: {app: one}
spec:
  containers:
    - name: web
      args: ["uvicorn", "a:app", "--host", "{{ .Values.host }}"]
      env:
        - name: FORWARDED_ALLOW_IPS
          value: "*"
      ports:
        - {name: http, containerPort: 8000}
---
kind: Service
metadata: {name: one}
spec:
  externalIPs: [203.0.113.1]
  selector: {app: one}
  ports:
    - port: 80
      targetPort: http
`))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v\n%+v", ws, ss)
	want := `[{Kind:CronJob Name:nightly Labels:map[app:nightly] Containers:[{Name:job Command:[python manage.py clearsessions] Args:[] CommandLine:12 Env:map[] Ports:[]}]} {Kind:Pod Name:one Labels:map[app:one] Containers:[{Name:web Command:[] Args:[uvicorn a:app --host __________________] CommandLine:21 Env:map[FORWARDED_ALLOW_IPS:{Value:* Line:23}] Ports:[{Name:http Port:8000 Line:26}]}]}]
[{Name:one Type:ClusterIP Selector:map[app:one] Ports:[{Name: Port:80 TargetPort:http Line:34}] ExternalIPs:true}]`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !ss[0].Public() || !ss[0].Selects(ws[1].Labels) || ss[0].Selects(ws[0].Labels) || !ss[0].Ports[0].Targets(ws[1].Containers[0].Ports[0]) {
		t.Error("the Service with externalIPs publishes pod one's http port")
	}
}

func TestIngresses(t *testing.T) {
	m, err := ReadManifest([]byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  defaultBackend:
    service: {name: app, port: {number: 8000}}
  rules:
    - host: example.org
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port: {name: http}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: mtls
  annotations:
    nginx.ingress.kubernetes.io/auth-tls-verify-client: "on"
    nginx.ingress.kubernetes.io/auth-tls-secret: default/ca
spec:
  defaultBackend:
    service: {name: app, port: {number: 8000}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v", m.Ingresses)
	want := `[{Name:web Line:1 Backends:[{Service:app Port:8000 Line:7} {Service:api Port:http Line:15}] ClientCert:false} {Name:mtls Line:19 Backends:[{Service:app Port:8000 Line:28}] ClientCert:true}]`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	b := m.Ingresses[0].Backends[1]
	if !b.Routes(KubeServicePort{Name: "http", Port: "80"}) || b.Routes(KubeServicePort{Name: "metrics", Port: "9100"}) {
		t.Error("a backend routes to the Service port it names, by name or number, and no other")
	}
}
