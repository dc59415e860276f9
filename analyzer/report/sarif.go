package report

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/mask"
	"github.com/djleak/djleak/parsers/source"
)

// SARIF 2.1.0 output, for GitHub code scanning and other SARIF consumers.
//
// One run; tool.driver.rules lists every enabled rule (results refer to it by
// ruleId and ruleIndex). Artifact URIs are relative to %SRCROOT%, which
// originalUriBaseIds maps to the repository root (the git top level or
// GITHUB_WORKSPACE, Result.RepoRoot), because GitHub and upload-sarif
// resolve them against the checkout, never against a pyproject.toml in a
// sub-directory; columns are UTF-16 code
// units (run.columnKind). A region's snippet is the text of the region and
// contextRegion adds the surrounding lines with their text, both with
// credential-looking values masked (package mask). Files
// built into djleak ("<builtin>/proxy_params") are not artifacts, so related
// locations and flow steps in them are left out.

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	srcRoot      = "%SRCROOT%"
	// FingerprintKey names djleak's fingerprint in partialFingerprints.
	FingerprintKey = "djleak/v1"
	// LineHashKey is GitHub's line fingerprint (see lineHashes).
	LineHashKey = "primaryLocationLineHash"
)

// failedToParse says whether a finding reports a file that could not be
// parsed (a *-syntax-error rule: DJL001, NGX001, …). Such findings make the
// run's execution unsuccessful, with a notification per file (at its first
// error), as do the files Result.ParseFailures lists.
func failedToParse(res *analyzer.Result, id string) bool {
	r := res.RuleByID(id)
	return r != nil && strings.HasSuffix(r.Name, "-syntax-error")
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	AutomationDetails  *sarifAutomationDetails          `json:"automationDetails,omitempty"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     *sarifText         `json:"shortDescription,omitempty"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

// sarifText is a multiformatMessageString or a message.
type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags,omitempty"`
	Precision        string   `json:"precision,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	ProblemSeverity  string   `json:"problem.severity"`
}

// sarifAutomationDetails is run.automationDetails (GitHub reads it as
// runAutomationDetails): its id is the analysis category, ending in "/".
type sarifAutomationDetails struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

// sarifNotification reports a file djleak could not analyse.
type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
	CodeFlows           []sarifCodeFlow    `json:"codeFlows,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression marks a result a `djleak: ignore[...]` comment covers.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	ID               int                   `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
	ContextRegion    *sarifRegion          `json:"contextRegion,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

type sarifCodeFlow struct {
	ThreadFlows []sarifThreadFlow `json:"threadFlows"`
}

type sarifThreadFlow struct {
	Locations []sarifThreadFlowLocation `json:"locations"`
}

type sarifThreadFlowLocation struct {
	Location sarifLocation `json:"location"`
}

func writeSARIF(w io.Writer, res *analyzer.Result, opts Options) error {
	return encodeIndented(w, buildSARIF(res, opts))
}

func buildSARIF(res *analyzer.Result, opts Options) *sarifLog {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            analyzer.Name,
			Version:         analyzer.Version,
			SemanticVersion: semanticVersion(analyzer.Version),
			InformationURI:  analyzer.InformationURI,
			Rules:           []sarifRule{},
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		ColumnKind:  "utf16CodeUnits",
	}
	if c := strings.TrimSpace(opts.SARIFCategory); c != "" {
		if !strings.HasSuffix(c, "/") {
			c += "/"
		}
		run.AutomationDetails = &sarifAutomationDetails{ID: c}
	}
	if base := repoBase(res); base != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: rootURI(base)}}
	}

	index := map[string]int{}
	for _, r := range res.Rules {
		if _, dup := index[r.ID]; dup {
			continue
		}
		index[r.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(r))
	}
	// A finding of a rule that is not in res.Rules still needs a descriptor
	// for its ruleIndex.
	for _, f := range res.Findings {
		if _, ok := index[f.RuleID]; !ok {
			index[f.RuleID] = len(run.Tool.Driver.Rules)
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID:                   f.RuleID,
				DefaultConfiguration: sarifConfiguration{Level: f.Severity.String()},
				Properties: sarifRuleProps{
					Tags:             []string{"security"},
					SecuritySeverity: f.Severity.SecurityScore(),
					ProblemSeverity:  problemSeverity(f.Severity),
				},
			})
		}
	}

	m := masker(res)
	hashes := map[string][]string{}
	var failures []analyzer.Related
	for _, f := range res.Findings {
		r := sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: index[f.RuleID],
			Level:     f.Severity.String(),
		}
		if pl := physicalLocation(res, m, f.Location, true); pl != nil {
			r.Locations = []sarifLocation{{PhysicalLocation: *pl}}
		}
		if f.Suppressed != nil {
			r.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.Suppressed.Justification}}
		}
		r.PartialFingerprints = map[string]string{}
		if f.Fingerprint != "" {
			r.PartialFingerprints[FingerprintKey] = f.Fingerprint
		}
		if file := res.Files[f.Location.Path]; file != nil && !isSynthetic(f.Location.Path) {
			h, ok := hashes[f.Location.Path]
			if !ok {
				h = lineHashes(file.Content)
				hashes[f.Location.Path] = h
			}
			if n := f.Location.Start.Line; n >= 1 && n < len(h) && h[n] != "" {
				r.PartialFingerprints[LineHashKey] = h[n]
			}
		}
		if len(r.PartialFingerprints) == 0 {
			r.PartialFingerprints = nil
		}
		for _, rel := range f.Related {
			if pl := physicalLocation(res, m, rel.Location, false); pl != nil {
				r.RelatedLocations = append(r.RelatedLocations, sarifLocation{
					ID:               len(r.RelatedLocations) + 1,
					PhysicalLocation: *pl,
					Message:          &sarifText{Text: rel.Message},
				})
			}
		}
		var steps []sarifThreadFlowLocation
		for _, s := range f.Flow {
			if pl := physicalLocation(res, m, s.Location, false); pl != nil {
				steps = append(steps, sarifThreadFlowLocation{Location: sarifLocation{
					PhysicalLocation: *pl,
					Message:          &sarifText{Text: s.Message},
				}})
			}
		}
		if len(steps) > 0 {
			r.CodeFlows = []sarifCodeFlow{{ThreadFlows: []sarifThreadFlow{{Locations: steps}}}}
		}
		r.Message = sarifText{Text: messageWithLinks(f.Message, r.RelatedLocations)}
		run.Results = append(run.Results, r)
		if failedToParse(res, f.RuleID) {
			failures = append(failures, analyzer.Related{Location: f.Location, Message: f.Message})
		}
	}
	// Files that did not parse, from the project whichever rules ran, and
	// from the *-syntax-error findings (front ends the project does not
	// list): one notification per file, at its first error.
	unparsed := map[string]bool{}
	for _, pf := range append(append([]analyzer.Related(nil), res.ParseFailures...), failures...) {
		if unparsed[pf.Location.Path] || isSynthetic(pf.Location.Path) {
			continue
		}
		unparsed[pf.Location.Path] = true
		n := sarifNotification{
			Level:   "error",
			Message: sarifText{Text: fmt.Sprintf("%s was not analysed fully: %s", res.RepoPath(pf.Location.Path), pf.Message)},
		}
		if pl := physicalLocation(res, m, pf.Location, false); pl != nil {
			n.Locations = []sarifLocation{{PhysicalLocation: *pl}}
		}
		inv := &run.Invocations[0]
		inv.ExecutionSuccessful = false
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

// sarifRuleOf describes a rule. Security rules (those with a CWE) get the
// "security" tag, which makes GitHub file their results as security alerts,
// and a security-severity from their impact (securitySeverity); the rules
// that report djleak's own trouble (files it cannot parse, suppression
// comments) get neither.
func sarifRuleOf(r *analyzer.Rule) sarifRule {
	var tags []string
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	if isSecurityRule(r) {
		add("security")
	}
	for _, c := range r.CWE {
		add(fmt.Sprintf("external/cwe/cwe-%d", c))
	}
	for _, t := range r.Tags {
		add(t)
	}
	out := sarifRule{
		ID:                   r.ID,
		Name:                 pascalCase(r.Name),
		HelpURI:              r.HelpURI(),
		DefaultConfiguration: sarifConfiguration{Level: r.Severity.String()},
		Properties: sarifRuleProps{
			Tags:            tags,
			Precision:       string(r.Precision),
			ProblemSeverity: problemSeverity(r.Severity),
		},
	}
	if isSecurityRule(r) {
		out.Properties.SecuritySeverity = securitySeverity(r)
	}
	if r.Title != "" {
		out.ShortDescription = &sarifText{Text: r.Title}
	}
	if md := absoluteLinks(strings.TrimSpace(r.WhatItDoes)); md != "" {
		out.FullDescription = &sarifText{Text: plainText(md), Markdown: md}
	}
	doc := absoluteLinks(r.Doc())
	out.Help = &sarifText{Text: plainText(doc), Markdown: doc}
	return out
}

// repoBase is the directory %SRCROOT% stands for: the repository root when
// known, else the project root.
func repoBase(res *analyzer.Result) string {
	if res.RepoRoot != "" {
		return res.RepoRoot
	}
	return res.Root
}

// problemSeverity is GitHub's problem.severity for a level.
func problemSeverity(s analyzer.Severity) string {
	switch s {
	case analyzer.Error:
		return "error"
	case analyzer.Warning:
		return "warning"
	}
	return "recommendation"
}

// physicalLocation describes l, or returns nil when l names no project file.
// The main location of a result also gets a contextRegion. Snippets are
// masked with m.
func physicalLocation(res *analyzer.Result, m *mask.Masker, l source.Location, context bool) *sarifPhysicalLocation {
	if l.Path == "" || isSynthetic(l.Path) {
		return nil
	}
	pl := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: relativeURI(res.RepoPath(l.Path)), URIBaseID: srcRoot}}
	if l.Start.Line < 1 {
		return pl
	}
	end := l.End
	if end.Line < l.Start.Line || (end.Line == l.Start.Line && end.UTF16Col < l.Start.UTF16Col) {
		end = l.Start
	}
	reg := &sarifRegion{StartLine: l.Start.Line, StartColumn: max(l.Start.UTF16Col, 1), EndLine: end.Line, EndColumn: max(end.UTF16Col, 1)}
	f := res.Files[l.Path]
	if f != nil && 0 <= l.Start.Offset && l.Start.Offset <= end.Offset && end.Offset <= len(f.Content) {
		// The exact text of the region: empty for an insertion point.
		reg.Snippet = &sarifText{Text: maskedRange(m, f.Content, l.Start.Offset, end.Offset)}
	}
	pl.Region = reg
	if context && f != nil {
		pl.ContextRegion = contextRegion(f, l.Start.Line, end)
		if pl.ContextRegion != nil {
			pl.ContextRegion.Snippet.Text = m.Text(pl.ContextRegion.Snippet.Text)
		}
	}
	return pl
}

// maskedRange is content[start:end] with its secrets masked. The lines
// the range touches are masked whole, so that a value is recognised by the
// name before it even when the range starts after that name, and the
// range is then cut out of the masked lines.
func maskedRange(m *mask.Masker, content []byte, start, end int) string {
	ls := start
	for ls > 0 && content[ls-1] != '\n' {
		ls--
	}
	le := end
	if le == start || content[le-1] != '\n' {
		for le < len(content) && content[le] != '\n' {
			le++
		}
	}
	text := string(content[ls:le])
	masked, cols := m.Map(text)
	from := cols[utf8.RuneCountInString(text[:start-ls])]
	to := cols[utf8.RuneCountInString(text[:end-ls])]
	return string([]rune(masked)[from:to])
}

// contextRegion covers whole lines: the one before the region, the region's
// lines and the one after. It is nil when that adds nothing.
func contextRegion(f *source.File, startLine int, end source.Pos) *sarifRegion {
	last := f.LineCount()
	endLine := end.Line
	if endLine > startLine && end.Column == 1 {
		endLine-- // the region ends with a line break
	}
	from, to := max(startLine-1, 1), min(endLine+1, last)
	if from > startLine || to < endLine || (from == startLine && to == endLine) {
		return nil
	}
	startOff, endOff := f.LineStart(from), f.LineStart(to)+len(f.Line(to))
	if startOff >= endOff {
		return nil
	}
	return &sarifRegion{StartLine: from, EndLine: to, Snippet: &sarifText{Text: string(f.Content[startOff:endOff])}}
}

// pascalCase turns a kebab-case rule name into the PascalCase friendly name
// SARIF viewers expect ("session-cookie-not-secure" → "SessionCookieNotSecure").
func pascalCase(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String()
}

var semverPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// semanticVersion returns v (without a leading "v") when it is a Semantic
// Versioning 2.0.0 version, else "".
func semanticVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if semverPattern.MatchString(v) {
		return v
	}
	return ""
}

// relativeURI turns a slash-separated project-relative path into a relative
// URI reference, percent-encoding each segment.
func relativeURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return strings.Join(segs, "/")
}

// rootURI is the file: URI of an absolute directory, with a trailing slash.
func rootURI(root string) string {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	p := filepath.ToSlash(root)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x → /C:/x
	}
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, s := range segs {
		if i == 1 && len(s) == 2 && s[1] == ':' && isLetter(s[0]) {
			continue // drive letter
		}
		segs[i] = escapeSegment(s)
	}
	return "file://" + strings.Join(segs, "/") + "/"
}

// escapeSegment percent-encodes every byte of a path segment except the
// RFC 3986 unreserved characters, so that any file name gives a valid URI
// (a colon in a first segment would otherwise read as a scheme).
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLetter(c) || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

var (
	mdLink   = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	mdStrong = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdEmph   = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
)

// plainText renders djleak's documentation Markdown as plain text: headings
// lose their #, code fences are dropped and their content indented, inline
// code loses its backticks, emphasis its asterisks, and links become
// "text (url)".
func plainText(md string) string {
	var out []string
	inFence := false
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			if line == "" {
				out = append(out, "")
			} else {
				out = append(out, "    "+line)
			}
			continue
		}
		if h := strings.TrimLeft(trimmed, "#"); h != trimmed && (h == "" || h[0] == ' ') {
			line = strings.TrimSpace(h)
		}
		line = plainInline(line)
		if line == "" && len(out) > 0 && out[len(out)-1] == "" {
			continue // one blank line between blocks is enough
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// plainInline strips inline Markdown outside code spans.
func plainInline(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // unbalanced backtick: leave the line alone
		return s
	}
	for i := 0; i < len(parts); i += 2 {
		p := mdLink.ReplaceAllString(parts[i], "$1 ($2)")
		p = mdStrong.ReplaceAllString(p, "$1")
		parts[i] = mdEmph.ReplaceAllString(p, "$1")
	}
	return strings.Join(parts, "")
}
