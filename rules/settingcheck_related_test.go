package rules

import (
	"fmt"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// A settings finding whose module is production because the configuration
// names it (settings-module) points at that line of the configuration,
// as it points at the code that sets DJANGO_SETTINGS_MODULE otherwise.
func TestSettingsModuleFromConfigurationIsRelated(t *testing.T) {
	for _, c := range []struct{ name, config, want string }{
		{".djleak.toml", "-- .djleak.toml --\n# production\nsettings-module = \"mysite.settings.local\"\n", ".djleak.toml:2"},
		{"pyproject.toml", "-- pyproject.toml --\n[project]\nname = \"x\"\n\n[tool.djleak]\nsettings-module = \"mysite.settings.local\"\n", "pyproject.toml:5"},
	} {
		archive := c.config + "-- mysite/settings/__init__.py --\n-- mysite/settings/local.py --\nINSTALLED_APPS = []\nDEBUG = True\n"
		findings := only(analyzertest.Run(t, archive, All()...), "DJL220")
		if len(findings) != 1 {
			t.Fatalf("%s: want one DJL220, got %d", c.name, len(findings))
		}
		var got []string
		for _, r := range findings[0].Related {
			got = append(got, fmt.Sprintf("%s:%d %s", r.Location.Path, r.Location.Start.Line, r.Message))
		}
		want := c.want + " settings-module in " + c.name + " names mysite.settings.local as the production settings, so djleak holds it to production standards"
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: related %q, want %q", c.name, got, want)
		}
	}
}
