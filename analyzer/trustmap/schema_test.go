package trustmap_test

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/djleak/djleak/analyzer/trustmap"
)

const schemaFile = "../../docs/map.schema.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// mapSchema compiles docs/map.schema.json, the documented schema of
// `djleak map --format json`.
func mapSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		const id = "https://github.com/djleak/djleak/blob/main/docs/map.schema.json"
		if err := c.AddResource(id, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(id)
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schema
}

// validate checks the map's JSON against the documented schema.
func validate(t *testing.T, m *trustmap.Map) {
	t.Helper()
	var b bytes.Buffer
	if err := m.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	validateJSON(t, b.Bytes())
}

func validateJSON(t *testing.T, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := mapSchema(t).Validate(inst); err != nil {
		t.Errorf("map JSON does not match %s: %v", schemaFile, err)
	}
}

func TestSchemaRejectsDrift(t *testing.T) {
	m, _ := seed(t)
	var b bytes.Buffer
	if err := m.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	validateJSON(t, []byte(good))
	for name, bad := range map[string]string{
		"unknown cell field": strings.Replace(good, `"forgeable": true,`, `"forgeable": true, "extra": 1,`, 1),
		"unknown source":     strings.Replace(good, `"source": "forgeable"`, `"source": "maybe"`, 1),
		"missing reads":      strings.Replace(good, `"reads": [`, `"readz": [`, 1),
		"finding field":      strings.Replace(good, `"rule": "NGX201",`, `"rule": "NGX201", "severity": "error",`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if mapSchema(t).Validate(inst) == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
