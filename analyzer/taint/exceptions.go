package taint

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// Exceptions with fixed messages --------------------------------------------
//
// A project's own exception class whose every raise passes only string
// constants (`raise ModeratedListException("This list is moderated, …")`)
// carries a message written for the user: returning str(e) shows that
// sentence, not the internals DJL204 is about. An exception that wraps
// another's text (`raise PostingFailed("Failed: %s", str(e))`), defines
// its own __init__, __str__ or __repr__, or comes from a library is not
// one.

// fixedMessages is the project's exception classes (by name, with their
// subclasses) whose messages are constants.
var fixedMessages = &analyzer.Pass[map[string]bool]{Name: "fixed-message-exceptions",
	Requires: []analyzer.Requirement{analyzer.PythonModules}, Reads: []analyzer.Kind{analyzer.KindPython},
	Run: func(p *analyzer.Project) map[string]bool { return fixedMessageClasses(p.Python) }}

func fixedMessageClasses(mods []*python.Module) map[string]bool {
	// Classes by name; a name defined twice counts only when both qualify.
	classes := map[string][]*python.Class{}
	subs := map[string][]string{}
	for _, m := range mods {
		for _, c := range m.Classes {
			classes[c.Name] = append(classes[c.Name], c)
			for _, b := range c.Bases {
				subs[lastComp(b)] = append(subs[lastComp(b)], c.Name)
			}
		}
	}
	// Which names are exceptions: a base named *Exception or *Error (a
	// builtin or library exception) or a project exception.
	isExc := map[string]bool{}
	var names []string
	for n := range classes {
		names = append(names, n)
	}
	sort.Strings(names)
	for changed := true; changed; {
		changed = false
		for _, n := range names {
			if isExc[n] {
				continue
			}
			for _, c := range classes[n] {
				for _, b := range c.Bases {
					lb := lastComp(b)
					if isExc[lb] || strings.HasSuffix(lb, "Exception") || strings.HasSuffix(lb, "Error") {
						isExc[n] = true
						changed = true
					}
				}
			}
		}
	}
	// Raise sites: a call of the class with anything but constant strings
	// makes its message variable.
	variable := map[string]bool{}
	for _, m := range mods {
		for _, call := range m.Calls {
			n := lastComp(call.Func)
			if !isExc[n] || variable[n] {
				continue
			}
			if len(call.Kwargs) > 0 {
				variable[n] = true
				continue
			}
			for _, a := range call.Args {
				if _, ok := constString(a); !ok {
					variable[n] = true
				}
			}
		}
	}
	out := map[string]bool{}
	var fixed func(n string, seen map[string]bool) bool
	fixed = func(n string, seen map[string]bool) bool {
		if seen[n] {
			return true
		}
		seen[n] = true
		if !isExc[n] || variable[n] || len(classes[n]) == 0 {
			return false
		}
		for _, c := range classes[n] {
			for _, f := range c.Methods {
				switch f.Name {
				case "__init__", "__str__", "__repr__", "__new__":
					return false
				}
			}
		}
		// Catching n catches its subclasses too.
		for _, s := range subs[n] {
			if !fixed(s, seen) {
				return false
			}
		}
		return true
	}
	for _, n := range names {
		if fixed(n, map[string]bool{}) {
			out[n] = true
		}
	}
	return out
}

// fixedMessageException reports whether every type in an except clause is
// a project exception with fixed messages.
func (c *fctx) fixedMessageException(types string) bool {
	names := exceptionNames(types)
	if len(names) == 0 {
		return false
	}
	fixed := analyzer.Fact(c.a.proj, fixedMessages)
	for _, n := range names {
		if !fixed[n] {
			return false
		}
	}
	return true
}
