package settings_test

import (
	"strings"
	"testing"
)

// Every value-building operation is capped: strings and containers that
// double on every line become unknown past the cap instead of exhausting
// memory, and values below it are still known exactly.
func TestValueSizeCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("-- proj/settings.py --\nS = \"ab\"\nL = [\"ab\"]\nD = {\"k\": \"ab\"}\nE = [\"ab\"]\nA = [\"ab\"]\nU = {\"k\": \"ab\"}\n")
	for i := 0; i < 80; i++ {
		b.WriteString("S = f\"{S}{S}\"\n")
		b.WriteString("L = [*L, *L]\n")
		b.WriteString("D = {\"k\": [D, D]}\n")
		b.WriteString("E.extend(E)\n")
		b.WriteString("A += A\n")
		b.WriteString("U.update({str(len(U)): U})\n")
	}
	b.WriteString("SMALL = f\"{'x'}{'y'}\"\nDEBUG = True\nINSTALLED_APPS = [\"django.contrib.auth\"]\nROOT_URLCONF = \"proj.urls\"\n")
	s := resolve(t, b.String(), nil)
	m := module(t, s, "proj.settings")
	for _, name := range []string{"S", "L", "D", "E", "A"} {
		if got := value(t, m, name); got != "<unknown>" {
			t.Errorf("%s = %.40s…, want unknown past the size cap", name, got)
		}
	}
	if got := value(t, m, "SMALL"); got != "'xy'" {
		t.Errorf("SMALL = %s, want 'xy'", got)
	}
	if got := value(t, m, "DEBUG"); got != "True" {
		t.Errorf("DEBUG = %s, want True", got)
	}
}

// A star-import cycle resolves as Python runs it: prod imports base, whose
// `from .prod import *` sees prod's names so far (none), and prod then
// receives all of base's.
func TestStarImportCycle(t *testing.T) {
	const archive = `
-- manage.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.prod")
-- mysite/__init__.py --
-- mysite/settings/__init__.py --
-- mysite/settings/base.py --
from .prod import *
DEBUG = True
SECRET_KEY = "base"
-- mysite/settings/prod.py --
from .base import *
SECRET_KEY = "prod"
`
	s := resolve(t, archive, nil)
	prod := module(t, s, "mysite.settings.prod")
	if got := value(t, prod, "DEBUG"); got != "True" {
		t.Errorf("prod DEBUG = %s, want True from base", got)
	}
	if got := value(t, prod, "SECRET_KEY"); got != "'prod'" {
		t.Errorf("prod SECRET_KEY = %s, want 'prod'", got)
	}
}
