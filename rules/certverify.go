package rules

import (
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// certVerifiers are calls that check a certificate against trust anchors.
var certVerifiers = []string{
	"verify_directly_issued_by", "verify_certificate", "X509StoreContext",
	"build_client_verifier", "build_server_verifier", "PolicyBuilder",
}

// verifiesCert reports whether a function body calls a certificate
// verifier.
func verifiesCert(_ *analyzer.Project, fn *python.Node, m *python.Module) bool {
	text := m.NodeText(fn)
	for _, v := range certVerifiers {
		if strings.Contains(text, v+"(") || strings.Contains(text, "."+v) {
			return true
		}
	}
	return false
}
