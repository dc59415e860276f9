package nginx

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/deploy"
	"github.com/djleak/djleak/parsers/source"
)

// Kubernetes deployments ship nginx configuration inside ConfigMaps
// (`data: {nginx.conf: |, default.conf: |}`) that are mounted into the
// nginx container. Each data entry that reads as nginx is parsed as a file
// of its own whose locations are in the manifest; an include whose file
// name matches another entry of the same ConfigMap (the entries of one
// ConfigMap are mounted side by side, e.g. as /etc/nginx/conf.d/*.conf)
// includes that entry.

// isManifest reports whether a candidate is a YAML manifest.
func isManifest(rel string) bool {
	return strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml")
}

// manifest loads the ConfigMap entries of the manifest rel that read as
// nginx and returns their builder keys, with errors for a manifest that
// cannot be read and for entries that cannot be mapped back.
func (b *builder) manifest(rel string) ([]string, []Error) {
	content, err := b.read(rel)
	f := source.NewFile(rel, content)
	if err != nil {
		return nil, []Error{{Loc: f.Span(0, 0), Message: fmt.Sprintf("cannot read Kubernetes manifest: %v", err), Kind: KindSyntax}}
	}
	entries, skipped, err := deploy.ConfigMapEntries(content, func(key, value string) bool {
		return Sniff(key, []byte(value))
	})
	var errs []Error
	if err != nil {
		errs = append(errs, Error{Loc: lineLoc(f, 1), Message: fmt.Sprintf("cannot read Kubernetes manifest: %v", err), Kind: KindSyntax})
	}
	for _, s := range skipped {
		errs = append(errs, Error{Loc: lineLoc(f, 1), Kind: KindSyntax,
			Message: fmt.Sprintf("ConfigMap entry %s holds nginx configuration as a quoted or folded string; write it as a literal block (`key: |`) so that it can be checked", s)})
	}
	var keys []string
	for _, en := range entries {
		key := rel + "#" + en.ConfigMap + "/" + en.Key
		if b.parsed[key] != nil {
			continue // the same name twice: the first wins
		}
		pf := parseText(f, key, en.Content)
		b.parsed[key] = pf
		b.entries[rel] = append(b.entries[rel], pf)
		keys = append(keys, key)
	}
	return keys, errs
}

// entryName is the ConfigMap entry a parsed file is ("name/key"), or "".
func entryName(pf *parsedFile) string {
	if pf.key == pf.file.Path {
		return ""
	}
	_, name, _ := strings.Cut(pf.key, "#")
	return name
}

// entryOrPath names a parsed file in messages.
func entryOrPath(pf *parsedFile) string {
	if n := entryName(pf); n != "" {
		return pf.file.Path + " (ConfigMap entry " + n + ")"
	}
	return pf.file.Path
}

// resolveEntry resolves an include of a ConfigMap entry against the other
// entries of its ConfigMap, by file name (globs included). ok is false
// when the root is not a ConfigMap entry or no entry matches.
func (e *expansion) resolveEntry(d *Directive, arg string) ([]target, bool) {
	root := entryName(e.root)
	if root == "" {
		return nil, false
	}
	cm, _, _ := strings.Cut(root, "/")
	pattern := path.Base(arg)
	var out []target
	for _, pf := range e.b.entries[e.root.file.Path] {
		name := entryName(pf)
		c, key, _ := strings.Cut(name, "/")
		if c != cm || pf == e.root {
			continue
		}
		if ok, _ := path.Match(pattern, key); ok || key == pattern {
			out = append(out, target{path: pf.key, entry: pf})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, len(out) > 0
}
