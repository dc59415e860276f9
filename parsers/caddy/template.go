package caddy

import "github.com/djleak/djleak/parsers/template"

// ParseNamed parses a file's content, first rewriting template syntax in
// place (see package template) when the name marks a template
// (Caddyfile.j2, .tmpl, .erb, …): a placeholder that starts a line stands
// for whole lines and is left out, one elsewhere is a word whose text is
// the placeholder as written.
func ParseNamed(name string, content []byte) *File {
	syn, ok := template.ByName(name)
	if !ok {
		return Parse(content)
	}
	res := template.Neutralize(content, syn, template.LineAlone)
	f := Parse(res.Content)
	var restore func(ds []*Directive)
	restore = func(ds []*Directive) {
		for _, d := range ds {
			for i := range d.Words {
				d.Words[i].Text = res.Restore(d.Words[i].Text)
			}
			restore(d.Body)
		}
	}
	if f.Global != nil {
		restore([]*Directive{f.Global})
	}
	for _, s := range f.Snippets {
		restore([]*Directive{s})
	}
	restore(f.Sites)
	return f
}
