package analyzer

import (
	"path"
	"regexp"
	"strconv"
	"strings"
)

// IsTestCode reports whether a project-relative path is test code: under a
// tests/ or test/ directory, test_*.py, *_test.py, *_tests.py, tests.py,
// conftest.py, or a test settings module (test_settings.py,
// settings_ci.py, testsettings.py, settings/test.py, settings/testing.py,
// settings/ci.py).
func IsTestCode(rel string) bool {
	base := path.Base(rel)
	if !strings.HasSuffix(base, ".py") {
		return false
	}
	stem := strings.TrimSuffix(base, ".py")
	switch {
	case strings.HasPrefix(stem, "test_"), strings.HasSuffix(stem, "_test"), strings.HasSuffix(stem, "_tests"),
		stem == "tests", stem == "conftest", stem == "testsettings":
		return true
	}
	dirs := strings.Split(path.Dir(rel), "/")
	for _, part := range dirs {
		if part == "tests" || part == "test" {
			return true
		}
	}
	inSettings := len(dirs) > 0 && dirs[len(dirs)-1] == "settings" || strings.Contains(stem, "settings")
	return inSettings && testSettingsName.MatchString(stem)
}

// testSettingsName matches the test words of a test settings module's
// name (settings/testing.py, settings_ci.py, pytest_settings.py).
var testSettingsName = regexp.MustCompile(`(^|_)(test|tests|testing|ci|pytest)(_|$)`)

// dataflowRule reports the rules that follow values through code (DJL101–
// DJL219), which test code does not answer for by default.
func dataflowRule(id string) bool {
	if !strings.HasPrefix(id, "DJL") {
		return false
	}
	n, err := strconv.Atoi(id[3:])
	return err == nil && n >= 101 && n <= 219
}
