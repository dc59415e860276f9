package apache

import "github.com/djleak/djleak/parsers/template"

// ParseNamed parses a file's content, first rewriting template syntax in
// place (see package template) when the name marks a template
// (vhost.conf.j2, .tmpl, .erb, …): a placeholder alone on its line stands
// for whole lines and is left out, one elsewhere is a word whose text is
// the placeholder as written.
func ParseNamed(name string, content []byte) *File {
	return template.ParseNamed(name, content, Parse, func(f *File) bool { return len(f.Errors) == 0 }, func(f *File, res *template.Result) {
		f.LeftOut = res.LeftOut
		var restore func(ds []*Directive)
		restore = func(ds []*Directive) {
			for _, d := range ds {
				for i := range d.Args {
					d.Args[i].Text = res.Restore(d.Args[i].Text)
				}
				restore(d.Body)
			}
		}
		restore(f.Directives)
	})
}

// LeftOutBranches are the template branches the parse left out.
func (f *File) LeftOutBranches() []template.Range { return f.LeftOut }
