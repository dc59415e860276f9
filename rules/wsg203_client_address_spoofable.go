package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG203",
		Name:      "app-server-client-address-spoofable",
		Title:     "App server takes the client address from X-Forwarded-For entries the client writes",
		Severity:  analyzer.Warning,
		CWE:       []int{348},
		Precision: analyzer.High,
		WhatItDoes: "For every front-end route that passes requests over HTTP to a daphne with `--proxy-headers` or a " +
			"uvicorn that trusts the front end's address, reports an X-Forwarded-For (for daphne, the " +
			"`--proxy-headers-host` header when one is named) that the client decides the part of: daphne (and uvicorn with `--forwarded-allow-ips=*`) takes the header's first entry " +
			"as the client address, so a front end that appends to the client's header " +
			"(`$proxy_add_x_forwarded_for`, HAProxy's `option forwardfor`) or passes it unchanged lets the " +
			"client choose; uvicorn with a list of trusted addresses takes the last entry it does not trust, so " +
			"only a front end that passes the client's header unchanged does.",
		WhyBad: "The client then chooses `REMOTE_ADDR` (the ASGI scope's client): the address Django logs, and that " +
			"rate limits, lockouts (django-axes) and IP allow-lists decide on. The oracle battery shows which " +
			"entry each server takes against the real uvicorn and daphne.",
		Example: `
-- Procfile --
web: daphne -b 127.0.0.1 -p 8000 --proxy-headers mysite.asgi:application
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}
`,
		UseInstead: `
-- Procfile --
web: daphne -b 127.0.0.1 -p 8000 --proxy-headers mysite.asgi:application
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Forwarded-For $remote_addr;
    }
}
`,
		Notes: "Have the front end that faces the clients replace the header with the address it sees " +
			"(`proxy_set_header X-Forwarded-For $remote_addr;`, HAProxy `http-request set-header " +
			"X-Forwarded-For %[src]`). Behind several proxies, use uvicorn with the inner proxies' addresses " +
			"in `--forwarded-allow-ips` rather than `*`.",
		Requires: []analyzer.Requirement{appserver.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, hop := range appServerHops(ctx, false) {
				r, s := hop.route, hop.server
				h := s.ClientAddressHeader()
				if h == "" || !s.TrustsForwarded(hop.peer) {
					continue
				}
				n := r.Lookup(frontend.HeaderKey(h))
				if n.Source != frontend.Forgeable {
					continue
				}
				passedUnchanged := n.At.IsZero()
				first := s.Kind == appserver.Daphne || s.TrustSetting() != nil
				if !first && !passedUnchanged {
					continue
				}
				how := "passes the client's own " + h
				if !passedUnchanged {
					how = "keeps the client's own " + h + " entries before the address it adds"
				}
				entry := "the last " + h + " entry it does not trust"
				if first {
					entry = "the first " + h + " entry"
				}
				loc := n.At
				if loc.IsZero() {
					loc = r.At
				}
				ctx.Report(analyzer.Finding{
					Location: loc,
					Message: fmt.Sprintf("%s takes %s as the client address, and %s %s on %s: a client chooses the REMOTE_ADDR Django logs, rate-limits and allow-lists on.",
						s.Kind, entry, r.Front.Title(), how, r.Label),
					Related: []analyzer.Related{{Location: s.At, Message: s.Kind + " trusts X-Forwarded-For here"}},
					Key:     s.Kind + " " + r.Label,
				})
			}
		},
	})
}
