package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

// nginxVerdict says what the project's nginx config proves about an
// identity key the application reads.
type nginxVerdict int

const (
	// noNginx: the project has no nginx config that passes to the app, so
	// the Django side is judged on its own.
	noNginx nginxVerdict = iota
	// nginxSafe: every upstream overwrites the key from a certificate
	// variable (or, for server-environment keys, sets or omits it) and
	// every such server verifies client certificates (`on`).
	nginxSafe
	// nginxUnsafe: some path lets the value through; the NGX2xx rules
	// report it at that nginx location.
	nginxUnsafe
)

func nginxProves(p *analyzer.Project, key string) nginxVerdict {
	ups := analyzer.Fact(p, ngxmodel.Pass).Upstreams()
	if len(ups) == 0 {
		return noNginx
	}
	for _, u := range ups {
		v := u.Lookup(key)
		if v.Source != ngxmodel.Verified && v.Source != ngxmodel.Absent {
			return nginxUnsafe
		}
		if v.Source == ngxmodel.Verified {
			if u.Server == nil {
				return nginxUnsafe
			}
			if d, _ := u.Server.Simple("ssl_verify_client"); d == nil || d.Arg(0) != "on" {
				return nginxUnsafe
			}
		}
	}
	return nginxSafe
}
