package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

// templateNote is the sentence a finding adds when a directive it rests on
// sits in a template conditional ({% if verify %} in nginx.conf.j2): the
// template decides whether nginx sees it, and djleak says so instead of
// guessing which branch a deployment renders. It is "" for a directive
// outside template conditionals.
func templateNote(d *nginx.Directive) string {
	if d == nil || d.Condition == "" {
		return ""
	}
	return fmt.Sprintf(" (a template decides this: `%s` at line %d is rendered only under %s)",
		trimSemicolon(d.String()), d.Loc.Start.Line, d.Condition)
}

// templateOnly returns the last directive named name in effect for s when
// every directive of that name at the level that sets it sits in a
// template conditional, else nil.
func templateOnly(s *ngxmodel.Scope, name string) *nginx.Directive {
	_, sc := s.Simple(name)
	if sc == nil {
		return nil
	}
	ds := sc.Own(name)
	for _, d := range ds {
		if d.Condition == "" {
			return nil
		}
	}
	return ds[len(ds)-1]
}

// templateValue reports whether a directive value is filled in when a
// template is rendered: a placeholder, or a ${VAR} that envsubst replaces
// (directives such as ssl_verify_client take no nginx variables).
func templateValue(arg string) bool {
	return nginx.HasPlaceholder(arg) || strings.Contains(arg, "$")
}

func trimSemicolon(s string) string {
	if n := len(s); n > 0 && s[n-1] == ';' {
		return s[:n-1]
	}
	return s
}
