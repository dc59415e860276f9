package haproxymodel

import (
	"strings"
)

// tri is a three-valued truth: a condition djleak cannot decide is maybe.
type tri int

const (
	no tri = iota
	maybe
	yes
)

func not(t tri) tri { return 2 - t }

func and(a, b tri) tri {
	if a < b {
		return a
	}
	return b
}

func or(a, b tri) tri {
	if a > b {
		return a
	}
	return b
}

// scenario is one kind of request an attacker or a user can make on a
// listener: over TLS or not, with which certificate, sending which header.
type scenario struct {
	name string
	tls  bool
	// cert: 0 none, 1 valid (verified), 2 rogue (accepted unverified)
	cert int
	// sends is the header (lower case) the client sends itself.
	sends string
	mode  string
}

const (
	certNone = iota
	certValid
	certRogue
)

// acls maps named ACLs to the term lists of their `acl` lines (several
// lines of one name are OR'ed).
type acls map[string][][]string

// eval decides a condition for one scenario.
func (s scenario) eval(c *Cond, named acls) tri {
	if c == nil {
		return yes
	}
	t := s.expr(c.Terms, named, 0)
	if c.Unless {
		return not(t)
	}
	return t
}

// expr evaluates a condition: terms joined by implicit AND, `||` / `or`
// for OR, `!` for NOT, `{ … }` anonymous ACLs, and named ACLs.
func (s scenario) expr(terms []string, named acls, depth int) tri {
	if depth > 8 {
		return maybe
	}
	result := no
	cur := yes
	for i := 0; i < len(terms); i++ {
		t := terms[i]
		if t == "||" || t == "or" {
			result = or(result, cur)
			cur = yes
			continue
		}
		neg := false
		for strings.HasPrefix(t, "!") {
			neg = !neg
			t = t[1:]
		}
		if t == "" && i+1 < len(terms) {
			i++
			t = terms[i]
		}
		var v tri
		if t == "{" {
			j := i + 1
			for j < len(terms) && terms[j] != "}" {
				j++
			}
			v = s.fetch(terms[i+1 : min(j, len(terms))])
			i = j
		} else {
			v = s.namedACL(t, named, depth)
		}
		if neg {
			v = not(v)
		}
		cur = and(cur, v)
	}
	return or(result, cur)
}

func (s scenario) namedACL(name string, named acls, depth int) tri {
	switch name {
	case "TRUE":
		return yes
	case "FALSE":
		return no
	case "HTTP":
		if s.mode == "http" {
			return yes
		}
		return no
	}
	lines, ok := named[name]
	if !ok {
		return maybe
	}
	v := no
	for _, l := range lines {
		v = or(v, s.fetch(l))
	}
	return v
}

// fetch evaluates one ACL test: a fetch, optional flags, and values.
func (s scenario) fetch(words []string) tri {
	if len(words) == 0 {
		return maybe
	}
	f := strings.ToLower(words[0])
	rest := words[1:]
	found := false
	var vals []string
	for i := 0; i < len(rest); i++ {
		switch w := rest[i]; {
		case w == "-m" && i+1 < len(rest):
			if rest[i+1] == "found" {
				found = true
			}
			i++
		case strings.HasPrefix(w, "-"):
		default:
			vals = append(vals, w)
		}
	}
	name, arg := f, ""
	if i := strings.IndexByte(f, '('); i >= 0 {
		name, arg = f[:i], strings.TrimSuffix(f[i+1:], ")")
		if j := strings.IndexByte(arg, ','); j >= 0 {
			arg = arg[:j]
		}
	}
	hasCert := s.cert != certNone
	switch name {
	case "ssl_fc":
		return bool3(s.tls)
	case "ssl_c_used", "ssl_fc_has_crt":
		return bool3(hasCert)
	case "ssl_c_verify", "ssl_c_err", "ssl_c_ca_err":
		if found {
			return bool3(s.tls)
		}
		if len(vals) == 1 || (len(vals) == 2 && (vals[0] == "eq" || vals[0] == "0")) {
			v := vals[len(vals)-1]
			if v == "0" {
				return bool3(s.cert != certRogue) // 0 without a certificate too
			}
		}
		return maybe
	case "ssl_c_s_dn", "ssl_c_i_dn", "ssl_c_serial", "ssl_c_sha1", "ssl_c_der", "ssl_c_notafter", "ssl_c_notbefore", "ssl_c_sig_alg", "ssl_c_key_alg", "ssl_c_version":
		if found || len(vals) == 0 {
			return bool3(hasCert)
		}
		if !hasCert {
			return no
		}
		return maybe
	case "req.hdr", "hdr", "req.fhdr", "req.hdr_cnt", "hdr_cnt", "req.fhdr_cnt":
		sent := arg != "" && strings.EqualFold(arg, s.sends)
		if strings.HasSuffix(name, "_cnt") {
			if len(vals) == 2 && (vals[0] == "gt" && vals[1] == "0" || vals[0] == "ge" && vals[1] == "1") {
				return bool3(sent)
			}
			return maybe
		}
		if found {
			if sent {
				return yes
			}
			return maybe
		}
		return maybe
	}
	return maybe
}

func bool3(b bool) tri {
	if b {
		return yes
	}
	return no
}
