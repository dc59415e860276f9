package deploy

// Kubernetes manifests embed nginx configuration in the data entries of a
// ConfigMap (`data: {nginx.conf: |, …}`).
//
// Each entry comes back as the manifest up to the entry's end with every
// byte outside the entry's block scalar blanked (line breaks kept). nginx
// ignores the indentation YAML adds to a literal block, so the entry
// parses as nginx with offsets, lines and columns that are those of the
// manifest itself.

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Entry is one data entry of a ConfigMap.
type Entry struct {
	ConfigMap string // metadata.name ("" when absent)
	Key       string // the data key, e.g. "nginx.conf"
	// Content is the manifest up to the end of the entry, with everything
	// but the entry's text replaced by spaces (line breaks kept), so every
	// byte of the entry is at its offset in the manifest.
	Content []byte
	Line    int // the line of the key in the manifest
}

// MightHaveConfigMap is a cheap test on a file's content before parsing.
func MightHaveConfigMap(content []byte) bool {
	return bytes.Contains(content, []byte("ConfigMap")) && bytes.Contains(content, []byte("data:"))
}

// ConfigMapEntries returns the literal block entries (`key: |`) of every
// ConfigMap in a manifest (all YAML documents of it) that keep, for which
// keep(key, value) is true, in document and key order. Entries written
// as quoted or folded scalars cannot be mapped back byte for byte and are
// returned in skipped, as "name/key (line N)". A manifest that is not
// valid YAML is an error.
func ConfigMapEntries(content []byte, keep func(key, value string) bool) (entries []Entry, skipped []string, err error) {
	// Helm charts' manifests are Go templates: their {{ … }} actions are
	// blanked (same length, so positions hold) before the YAML is read; the
	// entries keep them, for the nginx template handling.
	dec := yaml.NewDecoder(bytes.NewReader(blankActions(content)))
	lines := lineStarts(content)
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return entries, skipped, err
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		top := doc.Content[0]
		if v := get(top, "kind"); v == nil || v.Value != "ConfigMap" {
			continue
		}
		name := ""
		if md := get(top, "metadata"); md != nil {
			if n := get(md, "name"); n != nil {
				name = n.Value
			}
		}
		data := get(top, "data")
		if data == nil || data.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(data.Content); i += 2 {
			k, v := data.Content[i], data.Content[i+1]
			if v.Kind != yaml.ScalarNode || !keep(k.Value, v.Value) {
				continue
			}
			if v.Style != yaml.LiteralStyle {
				skipped = append(skipped, fmt.Sprintf("%s/%s (line %d)", name, k.Value, k.Line))
				continue
			}
			start, end := blockRange(content, lines, v.Line, k.Column)
			// Without its last line break, so that an error at the end of
			// the entry is reported on the entry's last line.
			for end > start && (content[end-1] == '\n' || content[end-1] == '\r') {
				end--
			}
			out := bytes.Repeat([]byte{' '}, end)
			for j, c := range content[:end] {
				if c == '\n' || c == '\r' || (j >= start && j < end) {
					out[j] = c
				}
			}
			entries = append(entries, Entry{ConfigMap: name, Key: k.Value, Content: out, Line: k.Line})
		}
	}
	return entries, skipped, nil
}

// blankActions replaces every {{ … }} of a Go template with spaces,
// keeping line breaks.
func blankActions(content []byte) []byte { return fillActions(content, ' ') }

// fillActions replaces every {{ … }} of a Go template with fill bytes,
// keeping line breaks.
func fillActions(content []byte, fill byte) []byte {
	if !bytes.Contains(content, []byte("{{")) {
		return content
	}
	out := append([]byte(nil), content...)
	for i := 0; i+1 < len(out); i++ {
		if out[i] != '{' || out[i+1] != '{' {
			continue
		}
		j := bytes.Index(out[i+2:], []byte("}}"))
		if j < 0 {
			break
		}
		end := i + 2 + j + 2
		for k := i; k < end; k++ {
			if out[k] != '\n' && out[k] != '\r' {
				out[k] = fill
			}
		}
		i = end - 1
	}
	return out
}

// blockRange is the byte range of a literal block scalar whose indicator
// ('|') is on line indLine (1-based) and whose key starts at column
// keyCol: the lines after the indicator line that are blank or indented
// deeper than the key.
func blockRange(content []byte, lines []int, indLine, keyCol int) (start, end int) {
	if indLine >= len(lines) {
		return len(content), len(content)
	}
	start = lines[indLine] // the start of the line after the indicator
	end = start
	for li := indLine; li < len(lines); li++ {
		ls := lines[li]
		le := len(content)
		if li+1 < len(lines) {
			le = lines[li+1]
		}
		text := bytes.TrimRight(content[ls:le], "\r\n")
		trimmed := bytes.TrimLeft(text, " ")
		if len(trimmed) > 0 && len(text)-len(trimmed) < keyCol {
			break // back at the key's level or outside
		}
		end = le
	}
	return start, end
}

func lineStarts(content []byte) []int {
	out := []int{0}
	for i, c := range content {
		if c == '\n' {
			out = append(out, i+1)
		}
	}
	return out
}

// get returns the value of key in a mapping node.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
