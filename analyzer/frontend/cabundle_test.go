package frontend

import "testing"

func TestPublicCABundle(t *testing.T) {
	for path, want := range map[string]bool{
		"/etc/ssl/certs/ca-certificates.crt":                        true,
		`"/etc/ssl/certs/ca-certificates.crt"`:                      true,
		"/etc/ssl/certs/":                                           true,
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem":         true,
		"/opt/venv/lib/python3.11/site-packages/certifi/cacert.pem": true,
		"/etc/ssl/certs/client-ca.pem":                              false,
		"/etc/nginx/ca-certificates.crt":                            false,
		"certifi/cacert.pem.bak":                                    false,
		"":                                                          false,
	} {
		if got := PublicCABundle(path); got != want {
			t.Errorf("PublicCABundle(%q) = %v, want %v", path, got, want)
		}
	}
}
