package appserver

import (
	"testing"

	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// FuzzAppServerFiles reads arbitrary text as each kind of app-server file
// and asks the model about a request: nothing may panic, and every server
// found is of a known kind.
func FuzzAppServerFiles(f *testing.F) {
	f.Add("web: FORWARDED_ALLOW_IPS=* gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips='*' app:app\n")
	f.Add("ENV A=\"b c\" \\\n  D=e\nCMD [\"uvicorn\", \"app:app\", \"--host\", \"0.0.0.0\"]\n")
	f.Add("ExecStart=/usr/bin/daphne -e tcp:port=9000:interface=0.0.0.0 --proxy-headers a:b\n")
	f.Add("[uwsgi]\nhttp = :8080\nsocket = 0.0.0.0:3031\n[x]\n")
	f.Add("uwsgi:\n  socket:\n    - /run/a.sock\n  http-socket: :80\n")
	f.Add("[uwsgi]\nini = base.ini\nx = %(y)%d$(E)@(base.ini)\nroute-run = goto:a\nroute-label = a\nroute-if = regexp:${HTTP_A};(.*) addvar:B=$1\n")
	f.Add("{\"uwsgi\": {\"socket\": [\":1\", true], \"inherit\": \"uwsgi.json\", \"o\": {\"a\": [1]}}}")
	f.Add("kind: Deployment\nspec:\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - args: [gunicorn, '{{ x }}']\n---\nkind: Service\nspec: {type: NodePort, selector: {a: b}, ports: [{port: 1}]}\n")
	f.Fuzz(func(t *testing.T, text string) {
		req := Request{Peer: "127.0.0.1", Headers: [][2]string{{"X_Client_DN", "a"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-For", "1.2.3.4"}}}
		var servers []*Server
		for _, name := range []string{"Procfile", "Dockerfile", "app.service"} {
			servers = append(servers, fromCommands(source.NewFile(name, []byte(text)))...)
		}
		for _, name := range []string{"uwsgi.ini", "uwsgi.yaml", "uwsgi.json"} {
			servers = append(servers, parseUWSGI(source.NewFile(name, []byte(text))).(*Server))
		}
		read := func(rel string) []byte {
			switch rel {
			case "uwsgi.ini", "uwsgi.yaml", "uwsgi.json", "base.ini":
				return []byte(text)
			}
			return nil
		}
		if ws, ss, err := deploy.Workloads([]byte(text)); err == nil {
			for _, w := range ws {
				for _, sv := range ss {
					sv.Selects(w.Labels)
				}
			}
		}
		for _, s := range resolveUWSGI(linkConfigs(servers, nil), read) {
			switch s.Kind {
			case Gunicorn, Uvicorn, Daphne, UWSGI:
			default:
				t.Fatalf("server of kind %q", s.Kind)
			}
			s.Receive(req)
			s.ReceiveParams(req.Headers)
			s.Exposed(s.Binds)
			s.TrustSetting()
		}
	})
}
