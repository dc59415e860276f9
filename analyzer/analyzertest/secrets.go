package analyzertest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// Secrets lists the values an archive's comment declares as secrets, one
// per "secret: VALUE" line (testdata/secrets.txtar).
func Secrets(archive string) []string {
	var out []string
	for _, line := range strings.Split(string(txtar.Parse([]byte(archive)).Comment), "\n") {
		if v, ok := strings.CutPrefix(line, "secret: "); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Leaked returns the secrets that output shows in full. When output is
// JSON, its decoded strings are searched too, so that a secret the encoder
// escaped (\u003c, \u0026, …) is still caught.
func Leaked(output string, secrets []string) []string {
	texts := []string{output}
	var v any
	if json.Unmarshal([]byte(output), &v) == nil {
		texts = append(texts, jsonStrings(v)...)
	}
	var out []string
	for _, s := range secrets {
		for _, t := range texts {
			if strings.Contains(t, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// jsonStrings collects every string (keys and values) of a decoded JSON
// document.
func jsonStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, e := range x {
			out = append(out, k)
			out = append(out, jsonStrings(e)...)
		}
		return out
	}
	return nil
}

// SecretsProject writes the archive at path (testdata/secrets.txtar) to a
// fresh directory and returns the directory and the secrets it declares.
func SecretsProject(t testing.TB, path string) (dir string, secrets []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secrets = Secrets(string(data))
	if len(secrets) < 10 {
		t.Fatalf("%s declares only %d secrets", path, len(secrets))
	}
	return Write(t, string(data)), secrets
}
