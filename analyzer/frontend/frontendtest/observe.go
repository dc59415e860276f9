package frontendtest

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// Observed is what an echo backend received for one identity name on one
// route of an oracle battery, over every request the battery sent there.
type Observed struct {
	Requests                    int
	Forged, Valid, Rogue, Other bool
}

// See records one value received on a request made with cert
// (nginxtest.NoCert, ValidCert or RogueCert). The battery's forged values
// contain "forged"; certificate values carry the test client's CN (a DN
// with CN=client, or the CN alone).
func (o *Observed) See(v, cert string) {
	fromCert := strings.Contains(v, "CN="+nginxtest.ClientCN) || v == nginxtest.ClientCN
	switch {
	case strings.Contains(v, "forged"):
		o.Forged = true
	case fromCert && cert == nginxtest.RogueCert:
		o.Rogue = true
	case fromCert && cert == nginxtest.ValidCert:
		o.Valid = true
	case v != "":
		o.Other = true
	}
}

// Source is the verdict the observations support, in the model's terms.
func (o Observed) Source() frontend.Source {
	switch {
	case o.Forged:
		return frontend.Forgeable
	case o.Rogue:
		return frontend.Unverified
	case o.Valid:
		return frontend.Verified
	case o.Other:
		return frontend.ServerValue
	case o.Requests > 0:
		return frontend.Cleared
	}
	return frontend.NotSent
}

// Compare fails the test when the model's verdict for key on a route
// differs from what the server delivered, or from the verdict the battery
// pins for it (want, may be nil). server names the real server in the
// message; conf is the configuration it ran.
func Compare(t *testing.T, server, route, key string, got frontend.Name, obs *Observed, want map[string]frontend.Source, conf string) {
	t.Helper()
	if real := obs.Source(); got.Source != real {
		t.Errorf("%s, %s: model says %s (%s), %s %s (%+v)\n%s", route, key, got.Source, got.Why, server, real, *obs, conf)
	}
	if w, ok := want[key]; ok && got.Source != w {
		t.Errorf("%s, %s: model says %s, the battery expects %s", route, key, got.Source, w)
	}
}
