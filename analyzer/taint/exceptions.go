package taint

import (
	"regexp"
	"slices"
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
//
// A project's client-error class, named like Django's BadRequest
// (BadRequest, …BadRequestException, …BadRequestError), carries a message
// for the client too when its raises pass text built without exception
// text: sentences formatted from the request's parameters (wims-lti's
// "LTI request is invalid, missing parameter(s): …"), but not str(e), an
// exception caught in the raising function or a local computed from one,
// or a traceback. Its subclasses with other names are held to constants.

// fixedMessages is the project's exception classes (by name, with their
// subclasses) whose messages are for the user: constants, or a client
// error's text without exception text (see above).
var fixedMessages = &analyzer.Pass[map[string]bool]{Name: "fixed-message-exceptions",
	Requires: []analyzer.Requirement{analyzer.PythonModules}, Reads: []analyzer.Kind{analyzer.KindPython},
	Run: runFixedMessages}

// runFixedMessages computes the pass, or, in an editor's runs, takes the
// previous run's result when no module changed what it reads (exceptionInputs).
func runFixedMessages(p *analyzer.Project) map[string]bool {
	type carry struct {
		mods []*python.Module
		out  map[string]bool
	}
	var out map[string]bool
	if prev, _ := p.Carried(fixedMessagesKey{}).(*carry); prev != nil && sameExceptionInputs(prev.mods, p.Python) {
		out = prev.out
	} else {
		out = fixedMessageClasses(p.Python)
	}
	p.SetCarried(fixedMessagesKey{}, &carry{p.Python, out})
	return out
}

type fixedMessagesKey struct{}

// sameExceptionInputs reports whether two lists of modules have the same
// paths and say the same to fixedMessageClasses.
func sameExceptionInputs(a, b []*python.Module) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if a[i].File.Path != b[i].File.Path || !slices.EqualFunc(exceptionInputs(a[i]), exceptionInputs(b[i]), sameClassInput) ||
			!slices.Equal(raiseCalls(a[i]), raiseCalls(b[i])) {
			return false
		}
	}
	return true
}

// classInput is what fixedMessageClasses reads of a class.
type classInput struct {
	name   string
	bases  []string // last components
	custom bool     // defines __init__, __str__, __repr__ or __new__
}

func sameClassInput(x, y classInput) bool {
	return x.name == y.name && x.custom == y.custom && slices.Equal(x.bases, y.bases)
}

type exceptionInputsKey struct{}

// exceptionInputs is what fixedMessageClasses reads of a module's classes,
// kept on the module.
func exceptionInputs(m *python.Module) []classInput {
	return python.MemoOf(m, exceptionInputsKey{}, func() []classInput {
		out := make([]classInput, len(m.Classes))
		for i, c := range m.Classes {
			out[i] = classInput{name: c.Name, custom: customMessage(c)}
			for _, b := range c.Bases {
				out[i].bases = append(out[i].bases, lastComp(b))
			}
		}
		return out
	})
}

// customMessage reports whether a class builds its own message.
func customMessage(c *python.Class) bool {
	for _, f := range c.Methods {
		switch f.Name {
		case "__init__", "__str__", "__repr__", "__new__":
			return true
		}
	}
	return false
}

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
	// Raise sites: a call of the class that may pass exception text makes
	// its message variable.
	variable := map[string]bool{}
	for _, m := range mods {
		for _, n := range raiseCalls(m) {
			if isExc[n] {
				variable[n] = true
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
			if customMessage(c) {
				return false
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
	seen := map[string]bool{}
	for _, n := range names {
		clear(seen)
		if fixed(n, seen) {
			out[n] = true
		}
	}
	return out
}

// clientErrorName reports a class named as a client error, like Django's
// BadRequest.
func clientErrorName(n string) bool {
	return strings.HasSuffix(n, "BadRequest") || strings.HasSuffix(n, "BadRequestException") || strings.HasSuffix(n, "BadRequestError")
}

type raiseCallsKey struct{}

// raiseCalls is the names a module calls (the last component of the
// callee) with what may be exception text, sorted, kept on the module:
// anything but constant strings, or, for a client error
// (clientErrorName), text that mentions exception text (excText).
func raiseCalls(m *python.Module) []string {
	return python.MemoOf(m, raiseCallsKey{}, func() []string {
		variable := map[string]bool{}
		bound := map[*python.Function]map[string]bool{}
		for _, call := range m.Calls {
			n := lastComp(call.Func)
			if variable[n] {
				continue
			}
			constant := len(call.Kwargs()) == 0
			for _, a := range call.Args() {
				if _, ok := constString(a); !ok {
					constant = false
				}
			}
			if constant {
				continue
			}
			if !clientErrorName(n) {
				variable[n] = true
				continue
			}
			names, ok := bound[call.Enclosing]
			if !ok {
				names = exceptBound(m, call.Enclosing)
				bound[call.Enclosing] = names
			}
			for _, a := range call.Args() {
				variable[n] = variable[n] || excText(a.Text, names)
			}
			for _, k := range call.Kwargs() {
				variable[n] = variable[n] || k.Value != nil && excText(k.Value.Text, names)
			}
		}
		var out []string
		for n, v := range variable {
			if v {
				out = append(out, n)
			}
		}
		sort.Strings(out)
		return out
	})
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

// Exceptions about the client's own input -----------------------------------
//
// A try body that only decodes bytes (`body = request.body.decode("utf-8")`)
// raises a UnicodeDecodeError, whose text names the codec, the offending
// byte and its position in what the client sent, whatever type the except
// clause names. An AssertionError caught around the body's own assert
// statements, with no project function called there, carries the messages
// those statements wrote. Returning either tells the client about its
// request, not about the server.

// clientInputException reports whether an except clause of types, after
// the try block body, catches only such an exception.
func (c *fctx) clientInputException(body *python.Node, types string, e *env) bool {
	if body == nil {
		return false
	}
	names := exceptionNames(types)
	assertion := len(names) == 1 && names[0] == "AssertionError"
	decodes, asserts, others := 0, 0, 0
	var walk func(n *python.Node)
	walk = func(n *python.Node) {
		switch c.typ(n) {
		case "assert_statement":
			asserts++
		case "raise_statement", "await", "yield", "function_definition", "class_definition", "lambda":
			others++
			return
		case "call":
			f := c.fieldOf(n, "function")
			fn := compactText(c.mi.m.NodeText(f))
			switch {
			case strings.HasSuffix(fn, ".decode"):
				decodes++
			case assertion && c.libraryCall(f, fn, e):
				// Its own assertions are not the project's to leak.
			default:
				others++
			}
		}
		for k := n.FirstChild(); k != nil; k = k.NextSibling() {
			walk(k)
		}
	}
	walk(body)
	if assertion {
		return asserts > 0 && others == 0
	}
	return decodes > 0 && asserts == 0 && others == 0
}

// libraryCall reports whether a callee is a builtin (isinstance, len), a
// function of a module imported from outside the project (json.loads) or
// a string constant's method ("…".format): code whose assertion messages
// the project did not write.
func (c *fctx) libraryCall(f *python.Node, fn string, e *env) bool {
	first, _, dotted := strings.Cut(fn, ".")
	switch {
	case !dotted:
		r := c.a.resolve(c.qualify(fn, e))
		_, local := e.get(fn)
		return !local && r.fn == nil && r.cls == nil
	case c.typ(f) == "attribute":
		obj := c.fieldOf(f, "object")
		for c.typ(obj) == "parenthesized_expression" && len(c.kids(obj)) == 1 {
			obj = c.kids(obj)[0]
		}
		if t := c.typ(obj); t == "string" || t == "concatenated_string" {
			return true
		}
	}
	q, ok := c.mi.imports[first]
	if !ok {
		return false
	}
	_, local := e.get(first)
	return !local && c.a.resolve(q).mod == nil && c.a.resolve(c.qualify(fn, e)).fn == nil
}

var (
	// exceptAs finds the name an except clause binds.
	exceptAs = regexp.MustCompile(`\bexcept\b[^:\n]*\bas\s+([A-Za-z_]\w*)\s*:`)
	// excWords name the current exception or its traceback.
	excWords  = regexp.MustCompile(`\b(traceback|exc_info|format_exc|print_exc|format_exception)\b`)
	identWord = regexp.MustCompile(`[A-Za-z_]\w*`)
)

// exceptBound is the names that may hold exception text in f (the
// module's top level when f is nil): those its except clauses bind, and
// the locals assigned from an expression that mentions one.
func exceptBound(m *python.Module, f *python.Function) map[string]bool {
	text := m.File.Content
	assigns := m.Assigns
	if f != nil {
		text = text[f.Loc.Start.Offset:f.Loc.End.Offset]
		assigns = f.Assigns
	}
	names := map[string]bool{}
	for _, mm := range exceptAs.FindAllSubmatch(text, -1) {
		names[string(mm[1])] = true
	}
	for changed := len(names) > 0; changed; {
		changed = false
		for _, a := range assigns {
			if !names[a.Target] && a.Value != nil && excText(a.Value.Text, names) {
				names[a.Target] = true
				changed = true
			}
		}
	}
	return names
}

// excText reports whether source text mentions exception text: one of
// names, or the current exception or traceback.
func excText(text string, names map[string]bool) bool {
	if excWords.MatchString(text) {
		return true
	}
	for _, id := range identWord.FindAllString(text, -1) {
		if names[id] {
			return true
		}
	}
	return false
}
