package caddy

import "github.com/djleak/djleak/parsers/template"

// ParseNamed parses a file's content, first rewriting template syntax in
// place (see package template) when the name marks a template
// (Caddyfile.j2, .tmpl, .erb, …): a placeholder alone on its line stands
// for whole lines and is left out, one elsewhere (a site address
// `{{ domain }} {`) is a word whose text is the placeholder as written.
func ParseNamed(name string, content []byte) *File {
	return template.ParseNamed(name, content, Parse, func(f *File) bool { return len(f.Errors) == 0 }, func(f *File, res *template.Result) {
		f.LeftOut = res.LeftOut
		var restore func(ds []*Directive)
		restore = func(ds []*Directive) {
			for _, d := range ds {
				for i := range d.Words {
					d.Words[i].Text = res.Restore(d.Words[i].Text)
				}
				restore(d.Body)
			}
		}
		restore(f.Top) // sites, snippets and the global block are among them
	})
}

// LeftOutBranches are the template branches the parse left out.
func (f *File) LeftOutBranches() []template.Range { return f.LeftOut }
