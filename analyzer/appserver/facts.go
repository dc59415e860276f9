package appserver

import (
	"strings"
)

// What each app server does with a request's headers, as the model knows
// it (checked against the real servers by the oracle battery: Debian's
// gunicorn 20.1, uvicorn 0.17, daphne 4.0 and uwsgi 2.0, with Django 3.2's
// ASGI request for the ASGI servers):
//
//   - gunicorn takes secure_scheme_headers (by default X-Forwarded-Proto:
//     https, X-Forwarded-Ssl: on, X-Forwarded-Protocol: ssl; the header
//     names as gunicorn uppercases them, so an underscored spelling does
//     not count) only from the addresses in forwarded_allow_ips (by default
//     127.0.0.1, or FORWARDED_ALLOW_IPS) and from every unix-socket peer;
//     two of them that disagree are a 400. It never changes REMOTE_ADDR.
//     Before 22.0 (and with header_map = "dangerous") an underscored
//     header name lands in the same HTTP_* key as the dashed one, joined
//     after a comma; 22.0 drops it (header_map = "drop", the default) or
//     refuses the request ("refuse").
//   - uvicorn with proxy headers (on unless --no-proxy-headers) takes
//     X-Forwarded-Proto as the scheme and X-Forwarded-For as the client
//     from the peers in --forwarded-allow-ips (exact addresses; `*` for
//     all); with `*` the client is X-Forwarded-For's first entry, otherwise
//     its last entry that is not a trusted address.
//   - daphne with --proxy-headers takes X-Forwarded-For's first entry (or
//     the --proxy-headers-host header's) as the client, and
//     X-Forwarded-Proto as the scheme when that header is present, from
//     every peer: it has no list of trusted addresses.
//   - uvicorn passes every header name as sent, and Django's ASGI request
//     joins an underscored name and the dashed one into one HTTP_* key
//     after a comma, in the order they were sent; daphne drops header
//     names with underscores.
//   - uwsgi (http-socket and the http router) takes X-Forwarded-Proto as
//     the scheme, verbatim, and X-Forwarded-Ssl `on` or `1` as https, from
//     every peer, in either spelling; it joins an underscored header name
//     and the dashed one after ", ". On a uwsgi-protocol socket the peer
//     sends the environ itself: every key, REMOTE_ADDR and HTTPS included,
//     and the scheme follows the same keys (see uwsgiScheme) — a front end
//     that passes the client's X-Forwarded-Proto as a uwsgi param
//     (nginx's uwsgi_pass does) lets the client choose it.

// Underscores is what an app server does with a header name spelled with
// underscores (X_Client_DN) next to the dashed one.
type Underscores int

const (
	// Joined: both spellings land in the same HTTP_* key, their values
	// joined — the client's appended to the front end's, or the other way
	// round.
	Joined Underscores = iota
	// Dropped: the underscored spelling never reaches the application.
	Dropped
	// Refused: the request is answered 400.
	Refused
)

// Underscores says how the server treats underscored header names, and
// whether that rests on a version djleak does not know (gunicorn without a
// pin: judged as before 22.0).
func (s *Server) Underscores() (u Underscores, versionUnknown bool) {
	switch s.Kind {
	case Daphne:
		return Dropped, false
	case Uvicorn, UWSGI:
		return Joined, false
	}
	hm := ""
	if s.HeaderMap != nil {
		hm = s.HeaderMap.Value
	}
	switch s.Version.Release(22) {
	case -1:
		return Joined, false
	case 1:
		switch hm {
		case "dangerous":
			return Joined, false
		case "refuse":
			return Refused, false
		}
		return Dropped, false
	}
	if hm == "dangerous" {
		return Joined, false
	}
	return Joined, true
}

// joinSep is the separator between joined values.
func (s *Server) joinSep() string {
	if s.Kind == UWSGI {
		return ", "
	}
	return ","
}

// AnyPeer stands for a peer address that no trust list names.
const AnyPeer = "any address"

// allowList is the server's forwarded_allow_ips as a set of addresses.
func (s *Server) allowList() map[string]bool {
	v := "127.0.0.1"
	if s.ForwardedAllowIPs != nil {
		v = s.ForwardedAllowIPs.Value
	}
	out := map[string]bool{}
	for _, a := range strings.Split(v, ",") {
		out[strings.TrimSpace(a)] = true
	}
	return out
}

// TrustsForwarded reports whether the server takes X-Forwarded-* (the
// scheme, and for uvicorn and daphne the client address) from a peer:
// an IP address, "unix" for a unix-socket peer, or AnyPeer.
func (s *Server) TrustsForwarded(peer string) bool {
	switch s.Kind {
	case Gunicorn:
		allow := s.allowList()
		return allow["*"] || peer == "unix" || allow[peer]
	case Uvicorn:
		if s.ProxyHeaders != nil && s.ProxyHeaders.Value == "off" {
			return false
		}
		allow := s.allowList()
		return allow["*"] || allow[peer]
	case Daphne:
		return s.ProxyHeaders != nil
	case UWSGI:
		return true
	}
	return false
}

// TrustSetting is the setting that makes the server trust every peer,
// for messages; nil when it trusts only some, or its trust is built in
// (uwsgi).
func (s *Server) TrustSetting() *Setting {
	switch s.Kind {
	case Gunicorn, Uvicorn:
		if s.ForwardedAllowIPs != nil && s.allowList()["*"] && s.TrustsForwarded(AnyPeer) {
			return s.ForwardedAllowIPs
		}
	case Daphne:
		return s.ProxyHeaders
	}
	return nil
}

// defaultSchemeHeaders is gunicorn's secure_scheme_headers default.
var defaultSchemeHeaders = [][2]string{{"X-FORWARDED-PROTOCOL", "ssl"}, {"X-FORWARDED-PROTO", "https"}, {"X-FORWARDED-SSL", "on"}}

// SchemeHeaderList lists the headers that make a request HTTPS to the
// application when a trusted peer sends them, with the value that does
// (for uvicorn, daphne and uwsgi X-Forwarded-Proto takes any value as the
// scheme: "https" is the one that matters).
func (s *Server) SchemeHeaderList() [][2]string {
	switch s.Kind {
	case Gunicorn:
		if s.SchemeHeaders != nil {
			return s.SchemeHeaders.Pairs
		}
		return defaultSchemeHeaders
	case Uvicorn, Daphne:
		return [][2]string{{"X-Forwarded-Proto", "https"}}
	case UWSGI:
		return [][2]string{{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Ssl", "on"}}
	}
	return nil
}

// Request is what a client sends an app server's HTTP listener.
type Request struct {
	Peer    string      // the peer's IP address, or "unix"
	Headers [][2]string // as sent, in order
	// Host and Path are the request's Host header and path ("/" when
	// empty); uwsgi's routes match them.
	Host, Path string
}

// View is what the application reads for a request.
type View struct {
	Status int               // 200, or the error status the server answers with
	Keys   map[string]string // HTTP_* keys and REMOTE_ADDR (absent when unknown)
	Scheme string            // wsgi.url_scheme / the ASGI scope's scheme
}

// Receive predicts what the application reads for a request to one of the
// server's HTTP listeners.
func (s *Server) Receive(r Request) View {
	v := View{Status: 200, Keys: map[string]string{}, Scheme: "http"}
	under, _ := s.Underscores()
	trusted := s.TrustsForwarded(r.Peer)
	switch {
	case r.Peer != "unix":
		v.Keys["REMOTE_ADDR"] = r.Peer
	case s.Kind == Gunicorn:
		v.Keys["REMOTE_ADDR"] = "" // gunicorn's unix-socket peer
	}
	for _, h := range r.Headers {
		if strings.Contains(h[0], "_") {
			switch under {
			case Dropped:
				continue
			case Refused:
				return View{Status: 400}
			}
		}
		k := "HTTP_" + strings.ToUpper(strings.ReplaceAll(h[0], "-", "_"))
		if old, ok := v.Keys[k]; ok {
			v.Keys[k] = old + s.joinSep() + h[1]
		} else {
			v.Keys[k] = h[1]
		}
	}
	if !trusted {
		return v
	}
	// last returns the value of the last header named name (ASGI servers
	// keep the last of repeated headers).
	last := func(name string) (string, bool) {
		val, ok := "", false
		for _, h := range r.Headers {
			if strings.EqualFold(h[0], name) {
				val, ok = h[1], true
			}
		}
		return val, ok
	}
	switch s.Kind {
	case Gunicorn:
		decided := false
		for _, h := range r.Headers {
			name := strings.ToUpper(h[0])
			for _, p := range s.SchemeHeaderList() {
				if p[0] != name {
					continue
				}
				scheme := "http"
				if h[1] == p[1] {
					scheme = "https"
				}
				if decided && scheme != v.Scheme {
					return View{Status: 400}
				}
				decided, v.Scheme = true, scheme
			}
		}
	case Uvicorn:
		if p, ok := last("X-Forwarded-Proto"); ok {
			v.Scheme = strings.TrimSpace(p)
		}
		if f, ok := last("X-Forwarded-For"); ok {
			hosts := strings.Split(f, ",")
			for i := range hosts {
				hosts[i] = strings.TrimSpace(hosts[i])
			}
			allow := s.allowList()
			client := ""
			if allow["*"] {
				client = hosts[0]
			} else {
				for i := len(hosts) - 1; i >= 0; i-- {
					if !allow[hosts[i]] {
						client = hosts[i]
						break
					}
				}
			}
			delete(v.Keys, "REMOTE_ADDR")
			if client != "" {
				v.Keys["REMOTE_ADDR"] = client
			}
		}
	case Daphne:
		if f, ok := last(s.ClientAddressHeader()); ok {
			client, _, _ := strings.Cut(f, ",")
			v.Keys["REMOTE_ADDR"] = strings.TrimSpace(client)
			if p, ok := last("X-Forwarded-Proto"); ok {
				v.Scheme = p
			}
		}
	case UWSGI:
		var vars [][2]string
		for _, h := range r.Headers {
			vars = append(vars, [2]string{"HTTP_" + strings.ToUpper(strings.ReplaceAll(h[0], "-", "_")), h[1]})
		}
		v.Scheme = uwsgiScheme(vars)
		p := r.Path
		if p == "" {
			p = "/"
		}
		req := map[string]string{"PATH_INFO": p, "REQUEST_URI": p, "QUERY_STRING": "", "REQUEST_METHOD": "GET"}
		if r.Host != "" {
			req["HTTP_HOST"] = r.Host
		}
		s.routeView(&v, req)
	}
	return v
}

// routeView applies a uwsgi server's request routes to what the
// application reads; req are the request's vars besides the view's keys.
func (s *Server) routeView(v *View, req map[string]string) {
	if len(s.Routes) == 0 {
		return
	}
	vars := map[string]string{}
	for k, val := range req {
		vars[k] = val
	}
	for k, val := range v.Keys {
		vars[k] = val
	}
	if scheme := s.route(vars); scheme != "" {
		v.Scheme = scheme
	}
	for k := range req {
		if vars[k] == req[k] {
			delete(vars, k)
		}
	}
	v.Keys = vars
}

// uwsgiScheme is the scheme uwsgi gives a request from its vars, in the
// order they arrive: the last UWSGI_SCHEME or HTTP_X_FORWARDED_PROTO,
// verbatim; failing that https when HTTPS or HTTP_X_FORWARDED_SSL is `on`
// (any case) or `1`; else http.
func uwsgiScheme(vars [][2]string) string {
	scheme, secure := "", false
	for _, kv := range vars {
		switch kv[0] {
		case "UWSGI_SCHEME", "HTTP_X_FORWARDED_PROTO":
			scheme = kv[1]
		case "HTTPS", "HTTP_X_FORWARDED_SSL":
			secure = secure || strings.EqualFold(kv[1], "on") || kv[1] == "1"
		}
	}
	switch {
	case scheme != "":
		return scheme
	case secure:
		return "https"
	}
	return "http"
}

// ReceiveParams predicts what the application reads for a request sent to
// a uwsgi-protocol socket with these vars: every key as sent, and the
// scheme they decide.
func (s *Server) ReceiveParams(vars [][2]string) View {
	v := View{Status: 200, Keys: map[string]string{}, Scheme: uwsgiScheme(vars)}
	for _, kv := range vars {
		v.Keys[kv[0]] = kv[1]
	}
	s.routeView(&v, nil)
	return v
}

// SchemeParams are the uwsgi params that decide the scheme on a
// uwsgi-protocol socket, as environ keys.
func (s *Server) SchemeParams() []string {
	if s.Kind != UWSGI {
		return nil
	}
	return []string{"HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_SSL", "UWSGI_SCHEME", "HTTPS"}
}

// SchemeSpoofs lists the scheme headers by which a client makes a
// plain-HTTP request HTTPS to the application, behind a front end that
// connects from peer, sets the headers in set itself (to their plain-HTTP
// value) and passes the client's own headers in forgeable. It asks Receive,
// so it rests on what the oracle battery checks: gunicorn answers 400 when
// the client's header disagrees with one the front end sets, and uwsgi lets
// X-Forwarded-Proto decide over X-Forwarded-Ssl.
func (s *Server) SchemeSpoofs(peer string, set, forgeable []string) []string {
	var base [][2]string
	for _, h := range set {
		v := "http"
		if strings.EqualFold(h, "X-Forwarded-Ssl") {
			v = "off"
		}
		base = append(base, [2]string{h, v})
	}
	var out []string
	for _, h := range forgeable {
		want := ""
		for _, p := range s.SchemeHeaderList() {
			if strings.EqualFold(p[0], h) {
				want = p[1]
			}
		}
		if want == "" {
			continue
		}
		v := s.Receive(Request{Peer: peer, Headers: append(append([][2]string(nil), base...), [2]string{h, want})})
		if v.Status == 200 && v.Scheme == "https" {
			out = append(out, h)
		}
	}
	return out
}

// ClientAddressHeader is the header the server takes the client address
// from when it trusts the peer: X-Forwarded-For, or daphne's
// --proxy-headers-host; "" for servers that never change it (gunicorn,
// uwsgi).
func (s *Server) ClientAddressHeader() string {
	switch s.Kind {
	case Uvicorn:
		return "X-Forwarded-For"
	case Daphne:
		if s.AddressHeader != nil {
			return s.AddressHeader.Value
		}
		return "X-Forwarded-For"
	}
	return ""
}
