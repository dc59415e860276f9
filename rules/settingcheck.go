package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
)

// boolSettingCheck reports production settings modules where a boolean
// setting that should be true is false, missing (when Django's default is
// false) or read from the environment with a false default.
type boolSettingCheck struct {
	setting       string
	djangoDefault bool
	consequence   string // "the session cookie is sent over plain HTTP"
}

func (b boolSettingCheck) run(ctx *analyzer.Context) {
	for _, m := range analyzer.Fact(ctx.Project, settings.Pass).Judged() {
		s := m.Get(b.setting)
		if s == nil {
			if !b.djangoDefault {
				loc := m.Mod.File.Span(0, 0)
				ctx.Report(analyzer.Finding{
					Location: loc,
					Message:  fmt.Sprintf("%s is not set in settings module %s (Django's default is False): %s", b.setting, m.Name, b.consequence),
					Key:      m.Name + " missing " + b.setting,
				})
			}
			continue
		}
		if !s.Known || s.Loc.Path == "" {
			continue
		}
		truthy, ok := s.Value.Truthy()
		if !ok || truthy {
			continue
		}
		where := ""
		if s.Loc.Path != m.Mod.File.Path {
			where = fmt.Sprintf(" (inherited by %s)", m.Name)
		}
		ctx.Report(analyzer.Finding{
			Location: s.Loc,
			Message:  fmt.Sprintf("%s is %s%s: %s", b.setting, s.Describe(), where, b.consequence),
			Key:      m.Name + " " + b.setting,
		})
	}
}

var _ = python.Value{}
