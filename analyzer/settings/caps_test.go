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
	b.WriteString("-- proj/settings.py --\nS = \"ab\"\nL = [\"ab\"]\nD = {\"k\": \"ab\"}\n")
	for i := 0; i < 80; i++ {
		b.WriteString("S = f\"{S}{S}\"\n")
		b.WriteString("L = [*L, *L]\n")
		b.WriteString("D = {\"k\": [D, D]}\n")
	}
	b.WriteString("SMALL = f\"{'x'}{'y'}\"\nDEBUG = True\n")
	s := resolve(t, b.String(), nil)
	m := module(t, s, "proj.settings")
	for _, name := range []string{"S", "L", "D"} {
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
