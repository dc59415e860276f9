// Package nginx parses a project's nginx configuration files into a typed
// tree of directives with exact source positions.
//
// Each file is tokenised and parsed on its own by this package's lexer and
// parser, which follow github.com/nginxinc/nginx-go-crossplane's exactly
// (the fuzz tests compare them with crossplane's) and add what crossplane
// does not give: byte-exact locations for every directive and comment.
// On top of that come include expansion with repository-aware path
// resolution, stock Debian include files, and the split of a set of
// candidate files into root configurations. crossplane's directive tables
// say where each directive is allowed.
//
// Parsing never panics and never stops at the first problem: syntax errors
// and unresolvable includes are collected as [Error] values and the rest of
// the configuration is still returned.
package nginx

import (
	"fmt"
	"io/fs"

	"github.com/djleak/djleak/parsers/source"
)

// Directive is one nginx directive, block directive or comment.
type Directive struct {
	// Name is the directive name ("server", "location", "proxy_set_header"),
	// or "#" for a comment.
	Name string
	// Args are the directive's arguments as crossplane reports them: quotes
	// removed, escapes kept. For `if`, the surrounding parentheses are
	// stripped.
	Args []string
	// Block holds the children of a block directive (server, location, if,
	// http, upstream, map, …), in source order.
	Block []*Directive
	// IsBlock reports whether the directive opened a block with '{'.
	IsBlock bool
	// Comment is the text of a comment (Name == "#") without the leading '#'.
	Comment string
	// Loc spans the directive from the first byte of its name to the end of
	// its terminating ';' or '{'. For a comment it spans from '#' to the end
	// of the comment text. When a directive is not terminated (a syntax
	// error) it ends after its last argument.
	Loc source.Location
	// File is the file the directive was written in. For directives of a
	// built-in include file, File.Path starts with "<builtin>/".
	File *source.File
	// Parent is the enclosing block directive, nil at the top level of the
	// root file. Top-level directives of an included file have the include
	// directive as Parent.
	Parent *Directive
	// Included holds, for an `include` directive, the top-level directives
	// of the included file(s), in glob order. Their Parent is the include
	// directive.
	Included []*Directive
	// Condition names the template conditionals the directive sits in,
	// when its file is a template ("`{% if verify %}`", outermost first,
	// joined by " and "; an else branch reads "`{% else %}` of `{% if
	// verify %}`"). The directive is kept whichever branch it is in; a
	// finding that rests on it says the template decides it.
	Condition string
	// Synthetic marks a directive djleak adds to model configuration that
	// is generated at run time (nginx-proxy's server for a vhost.d host);
	// its Loc is the first line of the file that stands for it.
	Synthetic bool
	// comment marks a comment. A directive whose quoted name is "#"
	// ('#' 1;) has that Name too, but is a directive nginx rejects as
	// unknown, not a comment.
	comment bool
	// Missing is set on an `include` directive whose (non-glob) target could
	// not be found or read.
	Missing bool
}

// Arg returns the i-th argument, or "" if there is none.
func (d *Directive) Arg(i int) string {
	if d == nil || i < 0 || i >= len(d.Args) {
		return ""
	}
	return d.Args[i]
}

// IsComment reports whether d is a comment.
func (d *Directive) IsComment() bool { return d != nil && d.comment }

// String renders the directive briefly, for messages and debugging:
// `proxy_set_header Host $host;` or `location / {…}`.
func (d *Directive) String() string {
	if d == nil {
		return "<nil>"
	}
	if d.IsComment() {
		return "#" + d.Comment
	}
	s := d.Name
	for _, a := range d.Args {
		s += " " + a
	}
	if d.IsBlock {
		return s + " {…}"
	}
	return s + ";"
}

// Walk visits every directive under ds depth-first in source order,
// descending into Block and into Included, so that the content of an
// included file is seen where the include directive is. If fn returns
// false for a directive, Walk does not descend into it.
func Walk(ds []*Directive, fn func(*Directive) bool) {
	for _, d := range ds {
		if d == nil {
			continue
		}
		if fn(d) {
			Walk(d.Block, fn)
			Walk(d.Included, fn)
		}
	}
}

// Config is one root configuration file with its includes expanded.
type Config struct {
	// Path is the project-relative path of the root file.
	Path string
	// Entry names, for a configuration embedded in a Kubernetes manifest
	// at Path, the ConfigMap entry ("nginx-config/nginx.conf"); "" for a
	// file of its own.
	Entry string
	// Directives is the top level of the root file.
	Directives []*Directive
	// Deployment names the deployment the configuration runs in (a Compose
	// file and its nginx service); "" for the configurations no deployment
	// description mounts. Reasoning across configurations (includes,
	// default servers, a header another server sets) stays within one
	// deployment.
	Deployment string
	// Files lists the root file followed by every file it includes
	// (directly or transitively), each once, in order of first inclusion.
	// Built-in include files appear here with a "<builtin>/" path.
	Files []*source.File
}

// Error kinds.
const (
	KindSyntax  = "syntax"  // the file does not parse, or a directive is malformed
	KindInclude = "include" // an include target is missing, unreadable or cyclic
	KindRead    = "read"    // a root file could not be read at all (unreadable, too large, not a regular file)
)

// Error is a problem found while parsing.
type Error struct {
	Loc     source.Location
	Message string
	Kind    string // KindSyntax, KindInclude or KindRead
}

// String formats the error as "path:line:column: message".
func (e Error) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Loc.Path, e.Loc.Start.Line, e.Loc.Start.Column, e.Message)
}

// Set is the result of parsing a project's nginx files.
type Set struct {
	// Configs holds one Config per root file, sorted by Path.
	Configs []*Config
	// Errors holds every problem found, sorted by path, line and column,
	// without duplicates.
	Errors []Error
	// Files holds every real (non-built-in) file that is part of some
	// Config, by project-relative path.
	Files map[string]*source.File
	// LeftOut holds the template branches left out of the files read
	// (see LeftOut), sorted by path and offset.
	LeftOut []LeftOut
}

// LeftOut is a branch of a template conditional ({% else %}, {% elif %})
// that a parse left out: with every branch kept the template does not
// parse, and its first-branch rendering does, so that one is read (see
// template.Reread).
type LeftOut struct {
	Loc       source.Location // the branch, its tag included
	Condition string          // "`{% else %}` of `{% if ssl %}`"
}

// Options tunes ParseFiles.
type Options struct {
	// Roots are extra project-relative directories against which relative
	// include paths are resolved, after the root file's directory and its
	// parent.
	Roots []string
	// Overlay replaces the on-disk content of files, keyed by
	// project-relative slash-separated path. Overlay files need not exist on
	// disk; include globs match them too.
	Overlay map[string][]byte
	// MaxFileSize bounds the size of each file read (root or included); 0
	// means 16 MiB. A larger root file is a KindRead error, a larger
	// included one a KindInclude error at the include.
	MaxFileSize int64
	// Deployment labels every Config of the set (see Config.Deployment).
	Deployment string
	// FS, when set, is the project as a file system rooted at its root
	// (slash-separated project-relative names): included files not in
	// Overlay are read from it instead of the disk.
	FS fs.FS
	// Mounts maps absolute paths in the nginx container to the project
	// files or directories mounted there (a Compose bind mount). Includes
	// of those paths, and relative includes under /etc/nginx, resolve
	// through them before anything else.
	Mounts []Mount
}

// Mount is a project path mounted into the nginx container.
type Mount struct {
	Target string // absolute, cleaned: "/etc/nginx/conf.d"
	Source string // project-relative: "deploy/prod/nginx"
	// Suffix is appended to the file names of the source: the official
	// nginx image renders /etc/nginx/templates/NAME.template into
	// /etc/nginx/conf.d/NAME, so conf.d/NAME is templates/NAME.template.
	Suffix string
}
