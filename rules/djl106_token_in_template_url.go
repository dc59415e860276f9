package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL106",
		Name:      "token-in-template-url",
		Title:     "Template puts a token into a link, image or form URL",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.High,
		WhatItDoes: "Reads the project's Django templates (`*.html` and `*.txt` under a `templates` directory) " +
			"and reports template variables named like a secret (`{{ token }}`, `{{ user.profile.api_key }}`, " +
			"`{{ access_token|urlencode }}`) in the query string of a URL attribute — `href`, `src`, `action`, " +
			"`formaction`, `poster`, `data-*-url` — and `{% url %}` tags in such attributes that pass a secret " +
			"as a path argument. `{% csrf_token %}` and `{{ csrf_token }}` are not secrets in this sense.",
		WhyBad: "The rendered page hands the URL to the browser: a link or form target with a token is kept in " +
			"history, sent in the `Referer` header, logged by servers and proxies when followed, and an `<img>` or " +
			"`<script>` `src` sends it to its host on every page view.",
		Example: `
-- app/templates/app/export.html --
<a href="/export/download?token={{ download_token }}">Download</a>
`,
		UseInstead: `
-- app/templates/app/export.html --
<form method="post" action="/export/download">
  {% csrf_token %}
  <input type="hidden" name="token" value="{{ download_token }}">
  <button type="submit">Download</button>
</form>
`,
		Notes: "**One-time links are exempt:** templates under a path that mentions mail (email bodies carry " +
			"one-time links by design) and `{% url %}` tags that pass `uidb64` (Django's password-reset " +
			"pattern). Hidden form fields are not URLs and are not reported.\n\n" + taint.DocConfig,
		Requires: []analyzer.Requirement{taint.TemplateURLs},
		Run: func(ctx *analyzer.Context) {
			for _, t := range analyzer.Fact(ctx.Project, taint.TemplateURLs) {
				if t.OneTime {
					continue
				}
				where := "the query string of"
				if t.Path {
					where = "the path of"
				}
				ctx.Report(analyzer.Finding{
					Location: t.Loc,
					Message: fmt.Sprintf("`%s` is put into %s the `%s` URL: the browser keeps it in history, sends it in "+
						"Referer headers and servers log it; pass it in a POST body or header instead", t.Var, where, t.Attr),
					Key: t.Attr + " " + t.Var,
				})
			}
		},
	})
}
