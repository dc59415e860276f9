package apachemodel

import (
	"strconv"

	"github.com/djleak/djleak/parsers/apache"
)

// DefaultVerifyDepth is httpd's SSLVerifyDepth when none is set.
const DefaultVerifyDepth = 1

// VerifyDepth is the client-certificate verification depth of the virtual
// host (SSLVerifyDepth there or at server level, httpd's default 1) and
// the directive that sets it, nil for the default or a value that is not
// a number.
func (v *VHost) VerifyDepth() (int, *apache.Directive) {
	d := v.Base.DepthAt
	if d == nil {
		return DefaultVerifyDepth, nil
	}
	n, err := strconv.Atoi(d.Arg(0))
	if err != nil || n < 0 {
		return DefaultVerifyDepth, nil
	}
	return n, d
}

// IntermediatesVerified is how many intermediate CA certificates a client
// chain may hold and still verify under depth. httpd counts the CA of
// SSLCACertificateFile in the depth (nginx does not): at 1, its default,
// only a certificate that CA signed itself verifies; a public CA's chain,
// through an intermediate, needs 2. Proven against httpd by
// TestVerifyDepthOracle.
func IntermediatesVerified(depth int) int { return depth - 1 }
