package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL103",
		Name:      "token-in-outbound-request-url",
		Title:     "Token or API key sent in the URL of an outbound HTTP request",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports secrets passed in `params=` or in the URL itself to `requests` " +
			"(`requests.get/post/put/patch/delete/head/options/request`), `httpx` (functions and " +
			"`Client`/`AsyncClient` methods), `requests.Session()`, `aiohttp.ClientSession()` and " +
			"`urllib3.PoolManager()` objects (also when kept in `self.session`), and `urllib.request.urlopen` / " +
			"`Request`. A URL whose query string was built with the secret is reported where it was built " +
			"(DJL101).",
		WhyBad: "The URL of an outbound request is logged by the receiving service, by forward proxies and " +
			"egress gateways, by HTTP client debug logging and by error trackers (a `requests` exception message " +
			"contains the full URL). An API key in a header (`Authorization`, `X-Api-Key`) is not.",
		Example: `
-- app/weather.py --
import requests
from django.conf import settings


def forecast(city):
    return requests.get(
        "https://api.weather.example/v1/forecast",
        params={"q": city, "api_key": settings.WEATHER_API_KEY},
        timeout=10,
    ).json()
`,
		UseInstead: `
-- app/weather.py --
import requests
from django.conf import settings


def forecast(city):
    return requests.get(
        "https://api.weather.example/v1/forecast",
        params={"q": city},
        headers={"X-Api-Key": settings.WEATHER_API_KEY},
        timeout=10,
    ).json()
`,
		Notes: taint.DocSources + "\n\n" + taint.DocFlow + "\n\n" +
			"Precision is medium because some third-party APIs accept the key only in the query string; if so, " +
			"suppress the finding with a reason (`# djleak: ignore[DJL103] API accepts no header`). `data=`, " +
			"`json=`, `headers=` and `auth=` are not URLs and are not reported.\n\n" + taint.DocConfig,
		Requires: taint.Sinks(taint.SinkOutbound),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkOutbound)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkOutbound && taint.Secretish(h.Label) && !h.Label.Src.OneTime
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				msg := fmt.Sprintf("%s is sent %s of an outbound request by `%s`%s: the receiving service, proxies and "+
					"HTTP client logs record URLs; send it in a header instead", h.Label.Src.What, h.Where, h.Desc, g.More())
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where+" "+h.Label.Src.What))
			}
		},
	})
}
