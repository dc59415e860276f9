package nginx

import (
	"strings"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
)

// Context is a configuration context a directive can appear in. The values
// are the context bits of crossplane's directive tables, so that they can
// be tested against crossplane's masks directly.
type Context uint

// The contexts nginx distinguishes when it checks where a directive may
// appear.
const (
	CtxMain           Context = 0x00040000
	CtxEvents         Context = 0x00080000
	CtxMail           Context = 0x00100000
	CtxMailServer     Context = 0x00200000
	CtxStream         Context = 0x00400000
	CtxStreamServer   Context = 0x00800000
	CtxStreamUpstream Context = 0x01000000
	CtxHTTP           Context = 0x02000000
	CtxServer         Context = 0x04000000
	CtxLocation       Context = 0x08000000
	CtxUpstream       Context = 0x10000000
	CtxServerIf       Context = 0x20000000
	CtxLocationIf     Context = 0x40000000
	CtxLimitExcept    Context = 0x80000000
)

// contextNames lists the contexts in the order messages name them.
var contextNames = []struct {
	c    Context
	name string
}{
	{CtxMain, "the main context"},
	{CtxEvents, "events"},
	{CtxHTTP, "http"},
	{CtxServer, "server"},
	{CtxLocation, "location"},
	{CtxServerIf, "if in server"},
	{CtxLocationIf, "if in location"},
	{CtxLimitExcept, "limit_except"},
	{CtxUpstream, "upstream"},
	{CtxStream, "stream"},
	{CtxStreamServer, "stream server"},
	{CtxStreamUpstream, "stream upstream"},
	{CtxMail, "mail"},
	{CtxMailServer, "mail server"},
}

// String names the context as nginx's documentation does ("if in
// location").
func (c Context) String() string {
	for _, n := range contextNames {
		if n.c == c {
			return n.name
		}
	}
	return "an unknown context"
}

// AllowedIn reports whether directive name may appear in context c, and
// whether the directive is known at all (directives of modules djleak has
// no table for are never judged). The tables are crossplane's: nginx's own
// directives, NGINX Plus, njs and OpenTelemetry.
func AllowedIn(name string, c Context) (allowed, known bool) {
	masks, known := crossplane.DefaultDirectivesMatchFunc(name)
	if !known {
		return false, false
	}
	for _, m := range masks {
		if Context(m)&c != 0 {
			return true, true
		}
	}
	return false, true
}

// AllowedContexts lists, for messages, the contexts directive name may
// appear in: "http, server, location".
func AllowedContexts(name string) string {
	var out []string
	for _, n := range contextNames {
		if allowed, _ := AllowedIn(name, n.c); allowed {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}
