package nginx

import (
	"regexp"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
)

// blockSniff matches a line that opens an http, server, upstream or
// location block.
var blockSniff = regexp.MustCompile(`(?m)^\s*(http|server|upstream|location\s+[^{;\n]+)\s*\{`)

// htmlSniff matches markup that nginx configuration does not contain
// outside quoted strings: HTML elements and Django/Jinja page structure.
var htmlSniff = regexp.MustCompile(`(?i)<(!doctype|html|head|body|div|span|p|a|ul|ol|li|table|tr|td|form|input|button|img|br|h[1-6]|section|nav|header|footer|main|meta|link|title)[\s>/]|\{%-?\s*(extends|load|block|include|url|trans|csrf_token)\b`)

// Sniff reports whether content (the start of a file named name) reads as
// nginx configuration: after template placeholders are neutralised it
// either opens an http, server, upstream or location block, or is a
// snippet whose statements are mostly known nginx directives (at least
// two thirds of them, and at least one; a statement written
// `name = value` is not one). Text without a ';' or a block is not nginx,
// nor is text with more HTML elements or
// Django page tags than nginx statements is not nginx, so a Django
// template under templates/ is told apart from a templated nginx file
// beside it.
func Sniff(name string, content []byte) bool {
	if len(content) == 0 {
		return false
	}
	neutral := neutralize(name, content).Content
	known, unknown, ends := 0, 0, 0
	toks, _ := lexRaw(neutral)
	atStart := true
	var start *rawToken // the statement's first token, until its second
	for i := range toks {
		t := &toks[i]
		switch {
		case t.isComment():
			continue
		case t.is(";") || t.is("{") || t.is("}"):
			atStart, start = true, nil
			ends++
			continue
		case !atStart:
			// `name = value` (dovecot, INI files) is no nginx statement:
			// nginx puts "=" second only in `location = /uri`.
			if start != nil && t.is("=") && start.value != "location" {
				known--
				unknown++
			}
			start = nil
			continue
		}
		atStart = false
		start = nil
		if _, ok := crossplane.DefaultDirectivesMatchFunc(t.value); ok && !t.quoted {
			known++
			start = t
		} else {
			unknown++
		}
	}
	if ends == 0 {
		return false // every nginx statement ends in ';' or a block
	}
	if html := len(htmlSniff.FindAllIndex(neutral, -1)); html > 0 && html >= known {
		return false
	}
	if blockSniff.Match(neutral) {
		return true
	}
	return known > 0 && known >= 2*unknown
}
