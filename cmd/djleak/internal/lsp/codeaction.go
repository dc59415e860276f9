package lsp

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/rules"
)

// PlaceholderReason is the reason the quick fix writes into a suppression
// comment. DJL002 reports suppressions without a reason, so it must not be
// empty; the user is expected to replace it.
const PlaceholderReason = "TODO: explain why this is safe"

// unsuppressible are the suppression diagnostics themselves: a suppression
// comment never silences them.
var unsuppressible = map[string]bool{"DJL002": true, "DJL003": true}

type commentStyle int

const (
	hashComment     commentStyle = iota // Python, nginx
	pythonComment                       // Python: # comment, and \ continues lines
	templateComment                     // Django template {# … #}
)

func styleOf(p, languageID string) commentStyle {
	switch strings.ToLower(languageID) {
	case "python":
		return pythonComment
	case "htmldjango", "django-html", "django-txt", "html", "jinja", "jinja-html":
		return templateComment
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".py", ".pyi":
		return pythonComment
	case ".html", ".htm", ".txt":
		return templateComment
	}
	return hashComment
}

func (s *server) codeActions(p *CodeActionParams) []CodeAction {
	actions := []CodeAction{}
	if len(p.Context.Only) > 0 {
		ok := false
		for _, k := range p.Context.Only {
			ok = ok || k == "quickfix"
		}
		if !ok {
			return actions
		}
	}
	uri := p.TextDocument.URI
	s.mu.Lock()
	var text []byte
	var docPath, lang string
	if d := s.docs[uri]; d != nil {
		text = append([]byte(nil), d.text...)
		docPath, lang = d.path, d.languageID
	}
	published := s.published[uri]
	s.mu.Unlock()
	if text == nil {
		if docPath = uriPath(uri); docPath == "" {
			return actions
		}
		text = readDisk(docPath)
	}

	// The diagnostics the client sends along, and those the server last
	// published that touch the requested lines.
	type cand struct {
		id   string
		line int
		diag Diagnostic
	}
	var cands []cand
	seen := map[string]bool{}
	add := func(d Diagnostic) {
		id, ok := d.Code.(string)
		if !ok || (d.Source != "" && d.Source != "djleak") || rules.Lookup(id) == nil || unsuppressible[id] {
			return
		}
		if d.Data != nil && d.Data.ReportedAt != "" {
			return // suppressed where it is reported, in the other file
		}
		key := fmt.Sprintf("%s:%d", id, d.Range.Start.Line)
		if seen[key] {
			return
		}
		seen[key] = true
		cands = append(cands, cand{id: id, line: d.Range.Start.Line, diag: d})
	}
	for _, d := range p.Context.Diagnostics {
		if d.Source == "djleak" {
			add(d)
		}
	}
	for _, d := range published {
		if d.Range.Start.Line <= p.Range.End.Line && d.Range.End.Line >= p.Range.Start.Line {
			add(d)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].line != cands[j].line {
			return cands[i].line < cands[j].line
		}
		return cands[i].id < cands[j].id
	})
	style := styleOf(docPath, lang)
	for _, c := range cands {
		edit, ok := suppressionEdit(text, c.line, c.id, style)
		if !ok {
			continue
		}
		actions = append(actions, CodeAction{
			Title:       fmt.Sprintf("Suppress %s on this line", c.id),
			Kind:        "quickfix",
			Diagnostics: []Diagnostic{c.diag},
			Edit:        &WorkspaceEdit{Changes: map[string][]TextEdit{uri: {edit}}},
		})
	}
	return actions
}

// existingIgnore finds a `djleak: ignore[…]` comment on a line; the group
// is the rule list inside the brackets.
var existingIgnore = regexp.MustCompile(`(?:#|\{#)\s*djleak:\s*ignore\s*\[([A-Za-z0-9, ]*)\]`)

// suppressionEdit builds the edit that suppresses rule id at 0-based line:
// a comment at the end of the line, or the ID added to the line's existing
// suppression comment. ok is false when no safe edit exists.
func suppressionEdit(text []byte, line int, id string, style commentStyle) (TextEdit, bool) {
	start, end, ok := lineBounds(text, line)
	if !ok {
		return TextEdit{}, false
	}
	lineText := string(text[start:end])

	if m := existingIgnore.FindStringSubmatchIndex(lineText); m != nil {
		list := lineText[m[2]:m[3]]
		for _, r := range strings.Split(list, ",") {
			if r = strings.ToUpper(strings.TrimSpace(r)); r != "" && strings.HasPrefix(id, r) {
				return TextEdit{}, false // already covered
			}
		}
		insert := ", " + id
		if strings.TrimSpace(list) == "" {
			insert = id
		}
		pos := Position{Line: line, Character: utf16Len(lineText[:m[3]])}
		return TextEdit{Range: Range{Start: pos, End: pos}, NewText: insert}, true
	}

	comment := fmt.Sprintf("# djleak: ignore[%s] -- %s", id, PlaceholderReason)
	if style == templateComment {
		comment = fmt.Sprintf("{# djleak: ignore[%s] -- %s #}", id, PlaceholderReason)
	}

	trimmed := strings.TrimRight(lineText, " \t")
	if style == pythonComment && strings.HasSuffix(trimmed, `\`) {
		// A comment cannot follow a line continuation: put it on its own
		// line above, which the suppression also covers — unless that
		// would split an earlier continuation.
		if line > 0 {
			ps, pe, _ := lineBounds(text, line-1)
			if strings.HasSuffix(strings.TrimRight(string(text[ps:pe]), " \t"), `\`) {
				return TextEdit{}, false
			}
		}
		nl := "\n"
		if end < len(text) && text[end] == '\r' {
			nl = "\r\n"
		}
		indent := lineText[:len(lineText)-len(strings.TrimLeft(lineText, " \t"))]
		pos := Position{Line: line, Character: 0}
		return TextEdit{Range: Range{Start: pos, End: pos}, NewText: indent + comment + nl}, true
	}

	// Append at the end of the line, replacing trailing blanks.
	from := Position{Line: line, Character: utf16Len(trimmed)}
	to := Position{Line: line, Character: utf16Len(lineText)}
	if strings.TrimSpace(trimmed) != "" {
		comment = " " + comment
	} else {
		from = to // a blank line: keep its indentation
	}
	return TextEdit{Range: Range{Start: from, End: to}, NewText: comment}, true
}
