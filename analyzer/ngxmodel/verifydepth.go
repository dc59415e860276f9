package ngxmodel

import (
	"strconv"

	"github.com/djleak/djleak/parsers/nginx"
)

// DefaultVerifyDepth is nginx's ssl_verify_depth when none is set.
const DefaultVerifyDepth = 1

// VerifyDepth is the client-certificate verification depth in effect at s
// (ssl_verify_depth, nginx's default 1) and the directive that sets it,
// nil for the default or a value that is not a number.
func (s *Scope) VerifyDepth() (int, *nginx.Directive) {
	d, _ := s.Simple("ssl_verify_depth")
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
// chain may hold and still verify under depth: at depth 0 only a
// certificate a CA of ssl_client_certificate signed itself, at nginx's
// default 1 also one issued through an intermediate — which is how every
// public CA issues. Proven against nginx by TestVerifyDepthOracle.
func IntermediatesVerified(depth int) int { return depth }
