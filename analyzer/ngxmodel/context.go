package ngxmodel

import "github.com/djleak/djleak/parsers/nginx"

// mainOnly are directives that appear only in nginx's main context: a root
// file with any of them at its top level is a whole nginx.conf.
var mainOnly = map[string]bool{
	"http": true, "events": true, "stream": true, "mail": true, "worker_processes": true,
	"pid": true, "load_module": true, "user": true, "daemon": true, "master_process": true,
}

// ContextOf is the context the directives of scope s are in, as nginx
// judges where a directive may appear. ok is false where it is unknown:
// the top level of a root file that is not a whole nginx.conf (a
// sites-enabled file or a snippet that some other file includes), and an
// `if` nested where nginx accepts none. The servers and locations of such
// files are assumed to be in http, where nginx includes them.
func ContextOf(s *Scope) (c nginx.Context, ok bool) {
	parent := func() nginx.Context {
		if s.Parent == nil {
			return 0
		}
		pc, _ := ContextOf(s.Parent)
		return pc
	}
	switch s.Kind {
	case "main":
		for _, d := range s.Directives {
			if mainOnly[d.Name] {
				return nginx.CtxMain, true
			}
		}
		return 0, false
	case "http":
		return nginx.CtxHTTP, true
	case "stream":
		return nginx.CtxStream, true
	case "mail":
		return nginx.CtxMail, true
	case "server":
		switch parent() {
		case nginx.CtxStream:
			return nginx.CtxStreamServer, true
		case nginx.CtxMail:
			return nginx.CtxMailServer, true
		}
		return nginx.CtxServer, true
	case "upstream":
		if parent() == nginx.CtxStream {
			return nginx.CtxStreamUpstream, true
		}
		return nginx.CtxUpstream, true
	case "location":
		return nginx.CtxLocation, true
	case "limit_except":
		return nginx.CtxLimitExcept, true
	case "if":
		switch parent() {
		case nginx.CtxServer:
			return nginx.CtxServerIf, true
		case nginx.CtxLocation:
			return nginx.CtxLocationIf, true
		}
	}
	return 0, false
}
