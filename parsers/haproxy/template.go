package haproxy

import "github.com/djleak/djleak/parsers/template"

// ParseNamed parses a file's content, first rewriting template syntax in
// place (see package template) when the name marks a template
// (haproxy.cfg.j2, .tmpl, .erb, …): a placeholder alone on its line stands
// for whole lines and is left out, one elsewhere is a word whose text is
// the placeholder as written. Lines inside template conditionals carry
// the condition in Cond, after any `.if` of HAProxy's own.
func ParseNamed(name string, content []byte) *File {
	return template.ParseNamed(name, content, Parse, func(f *File) bool { return len(f.Errors) == 0 }, func(f *File, res *template.Result) {
		f.LeftOut = res.LeftOut
		for _, s := range f.Sections {
			s.Name, s.From = res.Restore(s.Name), res.Restore(s.From)
			lines := s.Lines
			if s.Header != nil {
				lines = append([]*Line{s.Header}, lines...)
			}
			for _, l := range lines {
				for i := range l.Words {
					l.Words[i].Text = res.Restore(l.Words[i].Text)
				}
				if c := template.ConditionAt(res.Conds, l.Start); c != "" {
					l.Cond = append(l.Cond, c)
				}
			}
		}
	})
}

// LeftOutBranches are the template branches the parse left out.
func (f *File) LeftOutBranches() []template.Range { return f.LeftOut }
