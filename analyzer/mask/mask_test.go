package mask

import (
	"strings"
	"testing"
)

func TestMapColumns(t *testing.T) {
	got, cols := New([]string{"SECRETVALUE", "VALUE"}, nil).Map("a=SECRETVALUE;b")
	if got != "a=SECR…;b" {
		t.Fatalf("Map = %q", got)
	}
	// a = S E C R E T V A L U E ; b end
	want := []int{0, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 9}
	if len(cols) != len(want) {
		t.Fatalf("cols = %v, want %v", cols, want)
	}
	for i := range want {
		if cols[i] != want[i] {
			t.Fatalf("cols = %v, want %v", cols, want)
		}
	}
}

// TestText: each kind of credential-looking value is masked, whichever
// line it is on, and lines without one are left exactly as they are.
func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Python: assigned to, compared with, default of a secret name.
		{`SECRET_KEY = "django-insecure-9x!k2m"`, `SECRET_KEY = "djan…"`},
		{`API_TOKEN: str = 'hunter2hunter2'`, `API_TOKEN: str = 'hunt…'`},
		{`    password="Pa55w0rd"`, `    password="Pa55…"`},
		{`if token == "letmein123":`, `if token == "letm…":`},
		{`if "letmein123" != request.user.api_key:`, `if "letm…" != request.user.api_key:`},
		{`if request.GET.get("token") == "letmein123":`, `if request.GET.get("token") == "letm…":`},
		{`KEY = os.environ.get("STRIPE_API_KEY", "fallback-123")`, `KEY = os.environ.get("STRIPE_API_KEY", "fall…")`},
		{`SECRET_KEY = env.str("SECRET_KEY", default="fallback-123")`, `SECRET_KEY = env.str("SECRET_KEY", default="fall…")`},
		{`SECRET_KEY_FALLBACKS = ["old-one-1", "old-two-2"]`, `SECRET_KEY_FALLBACKS = ["old-…", "old-…"]`},
		{`creds = {"password": "Pa55w0rd", "user": "bob"}`, `creds = {"password": "Pa55…", "user": "bob"}`},
		{`headers={"Authorization": "Bearer abcdef123456"}`, `headers={"Authorization": "Bearer abcd…"}`},
		{`headers["X-Api-Key"] = "k3y-k3y-k3y"`, `headers["X-Api-Key"] = "k3y-…"`},
		{`ok = hmac.compare_digest(token, "abcdef123456")`, `ok = hmac.compare_digest(token, "abcd…")`},
		{`{% url 'reset' token='abc123def' %}`, `{% url 'reset' token='abc1…' %}`},
		{`headers={"Cookie": "sessionid=abcdef123; theme=dark"}`, `headers={"Cookie": "sessionid=abcd…; theme=dark"}`},
		{`headers = [("Authorization", "Bearer abcdef123456"), ("Accept", "text/html")]`, `headers = [("Authorization", "Bearer abcd…"), ("Accept", "text/html")]`},
		{`response.set_cookie("sessionid", "abcdef123456", secure=True)`, `response.set_cookie("sessionid", "abcd…", secure=True)`},
		{`PASSWORD = "abcdef" + "123456"`, `PASSWORD = "abcd…" + "1234…"`},
		{`h.get("token", "")`, ``},
		{`if token == "not" and tokens[i + 1] == "in":`, ``},
		{`@vary_on_headers('Cookie', 'Accept-language')`, ``},
		{`# - HTTP_COOKIE: for cookie support`, ``},
		{`any(s in k for s in ("auth", "cookie", "key"))`, ``},
		{`re.sub(r"(?i)(authorization|cookie)\S*", r"\1=[redacted]", msg)`, ``},
		{`response.set_cookie("api_key", token, None, None, "/", None, True)`, ``},
		{`conn.putheader("Authorization", "Bearer abcdef123456")`, `conn.putheader("Authorization", "Bearer abcd…")`},
		{`pairs = ("token", "HTTP_AUTHORIZATION")`, ``},
		{`        "PASSWORD": os.environ.get("DB_PASSWORD", "devpass123"),`, `        "PASSWORD": os.environ.get("DB_PASSWORD", "devp…"),`},
		{`DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "pgpass123"}}`, `DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "pgpa…"}}`},
		{`s3 = boto3.client("s3", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCY")`, `s3 = boto3.client("s3", aws_secret_access_key="wJal…")`},
		{`EMAIL_HOST_PASSWORD = 'smtp-pass-1'`, `EMAIL_HOST_PASSWORD = 'smtp…'`},
		// nginx.
		{`proxy_set_header Authorization "Bearer abcdef123456";`, `proxy_set_header Authorization "Bearer abcd…";`},
		{`    proxy_set_header X-Api-Key k3yk3yk3y;`, `    proxy_set_header X-Api-Key k3yk…;`},
		{`proxy_set_header Cookie "sessionid=abcdef123; Path=/";`, `proxy_set_header Cookie "sessionid=abcd…; Path=/";`},
		{`fastcgi_param HTTP_AUTHORIZATION "Basic dXNlcjpwYXNz";`, `fastcgi_param HTTP_AUTHORIZATION "Basic dXNl…";`},
		{`set $api_token "abcdef123456";`, `set $api_token "abcd…";`},
		{`if ($http_x_api_key != "abcdef123456") { return 403; }`, `if ($http_x_api_key != "abcd…") { return 403; }`},
		// Credential headers written out.
		{`    curl -H "Authorization: Bearer abcdef123456" https://api.example`, `    curl -H "Authorization: Bearer abcd…" https://api.example`},
		{`more_set_input_headers "X-Api-Key: k3yk3yk3y";`, `more_set_input_headers "X-Api-Key: k3yk…";`},
		{`h = "Authorization: Bearer $token"`, ``},
		// HAProxy and Caddy.
		{`    http-request set-header Authorization "Bearer abcdef123456"`, `    http-request set-header Authorization "Bearer abcd…"`},
		{`    http-request add-header X-Api-Key k3yk3yk3y if { path_beg /api }`, `    http-request add-header X-Api-Key k3yk… if { path_beg /api }`},
		{`    http-request set-header X-Client-DN %{+Q}[ssl_c_s_dn]`, ``},
		{`    http-request set-header Authorization "Basic %[req.hdr(x)]"`, ``},
		{`    user admin insecure-password hunter2hunter2`, `    user admin insecure-password hunt…`},
		{"\t\theader_up Authorization \"Bearer abcdef123456\"", "\t\theader_up Authorization \"Bearer abcd…\""},
		{"\t\theader_up +X-Api-Key k3yk3yk3y", "\t\theader_up +X-Api-Key k3yk…"},
		{"\trequest_header Cookie \"sessionid=abcdef123\"", "\trequest_header Cookie \"sessionid=abcd…\""},
		{"\t\theader_up X-Client-DN {tls_client_subject}", ""},
		// Apache httpd.
		{`    RequestHeader set Authorization "Bearer abcdef123456"`, `    RequestHeader set Authorization "Bearer abcd…"`},
		{`    requestheader append X-Api-Key k3yk3yk3y`, `    requestheader append X-Api-Key k3yk…`},
		{`    Header always set Set-Cookie "sessionid=abcdef123; HttpOnly"`, `    Header always set Set-Cookie "sessionid=abcd…; HttpOnly"`},
		{`    SetEnv API_TOKEN abcdef123456`, `    SetEnv API_TOKEN abcd…`},
		{`    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"`, ``},
		// URLs with a password.
		{`DSN = "postgres://app:Pa55w0rd@db/app"`, `DSN = "postgres://app:Pa55…@db/app"`},
		{`url = "https://user:Pa55w0rd@host/x?y=1"`, `url = "https://user:Pa55…@host/x?y=1"`},
		{`proxy_pass https://:s3cr3tpw@backend;`, `proxy_pass https://:s3cr…@backend;`},
		// Key formats, anywhere.
		{`stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"`, `stripe = "sk_l…"`},
		{`# AKIAIOSFODNN7EXAMPLE in a comment`, `# AKIA… in a comment`},
		{`gh = ghp_16C7e42F292c6912E7710c838347Ae178B4a and github_pat_11ABCDEFG0123456789_abcdefghijklmnop`, `gh = ghp_… and gith…`},
		{`x = "xoxb-1234567890-abcdefghij"`, `x = "xoxb…"`},
		{`jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-1 here`, `jwt eyJh… here`},
		{`KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"`, `KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIE…-----END RSA PRIVATE KEY-----"`},
		{`    MIIEowIBAAKCAQEA75oRJx3bYtDqZPX0Ty1Ytq7HJdqJXc6O1N3rGDuk2E8hYr9q`, `    MIIE…`},
		// Left alone: placeholders, names, non-secrets, masked values.
		{`'Authorization: Bearer …' and password == "hunt…"`, ``},
		{`proxy_set_header Authorization $http_authorization;`, ``},
		{`headers["Authorization"] = f"Bearer {token}"`, ``},
		{`url = f"https://{user}:{password}@host"`, ``},
		{`AUTH_HEADER = "HTTP_AUTHORIZATION"`, ``},
		{`SESSION_COOKIE_NAME = "sessionid"`, ``},
		{`TOKEN_URL = "https://example.com/token"`, ``},
		{`x = request.headers["Authorization"]`, ``},
		{`DIGEST = "3f1c2a9b0d4e5f6789abcdef0123456789abcdef"`, ``},
		{`name = "token"  # don't`, ``},
		{`msg = "Django's default"; password == "xyz12"`, `msg = "Django's default"; password == "xyz1…"`},
		{`Django's default, where password == "hunter2"`, `Django's default, where password == "hunt…"`},
		// A comment: name=value and name: value.
		{`pw = get()  # was: password=cm-Passw0rd, token: abc123def`, `pw = get()  # was: password=cm-P…, token: abc1…`},
		// Query parameters in a literal.
		{`url = "https://x.example/cb?sig=1&token=abc123def#top"`, `url = "https://x.example/cb?sig=1&token=abc1…#top"`},
		{`<a href="/dl?token={{ token }}">`, ``},
	} {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if got := New(nil, nil).Text(tc.in); got != want {
			t.Errorf("Text(%s)\n got %s\nwant %s", tc.in, got, want)
		}
	}
}

// TestLongLineCached: a long line is scanned once however often it is
// masked, and the cached spans are not changed by Map.
func TestLongLineCached(t *testing.T) {
	m := New(nil, nil)
	line := `KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"; ` + strings.Repeat("x", 2*cacheMin)
	want := m.Text(line)
	for range 3 {
		if got, _ := m.Map(line); got != want {
			t.Fatalf("Map after Text: %.60s", got)
		}
		if got := m.Text(line); got != want {
			t.Fatalf("Text again: %.60s", got)
		}
	}
	if len(m.cache) != 1 {
		t.Errorf("%d cached texts, want 1", len(m.cache))
	}
}

// TestExtraTokenNames: the project's extra-token-names are secret names.
func TestExtraTokenNames(t *testing.T) {
	in := `OTP = "123456789"`
	if got := New(nil, nil).Text(in); got != in {
		t.Errorf("without extra names: %s", got)
	}
	if got := New(nil, []string{"otp"}).Text(in); got != `OTP = "1234…"` {
		t.Errorf("with extra names: %s", got)
	}
}

// TestIdempotent: masking masked text changes nothing.
func TestIdempotent(t *testing.T) {
	m := New(nil, nil)
	for _, in := range []string{
		`headers={"Authorization": "Bearer abcdef123456"}; url = "https://u:Pa55w0rd@h/?token=abc123def"`,
		`proxy_set_header Cookie "sessionid=abcdef123; Path=/"; # password=hunter2hunter2`,
	} {
		once := m.Text(in)
		if once == in {
			t.Fatalf("nothing masked in %s", in)
		}
		if twice := m.Text(once); twice != once {
			t.Errorf("masked again:\n%s\n%s", once, twice)
		}
	}
}

// TestLinesAreIndependent: a multi-line text is masked line by line, and
// an unclosed quote does not carry over to the next line.
func TestLinesAreIndependent(t *testing.T) {
	in := "x = \"open\npassword = \"Pa55w0rd\"\r\nok\n"
	want := "x = \"open\npassword = \"Pa55…\"\r\nok\n"
	if got := New(nil, nil).Text(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLongLineIsLinear: a long line of literals is masked without
// quadratic work (this would take minutes if each literal rescanned the
// line).
func TestLongLineIsLinear(t *testing.T) {
	line := "X = [" + strings.Repeat(`"a", `, 200_000) + "]"
	if got := New(nil, nil).Text(line); got != line {
		t.Error("a list of short literals changed")
	}
	line = "password = [" + strings.Repeat(`"abcdefgh", `, 100_000) + "]"
	if got := New(nil, nil).Text(line); strings.Contains(got, "abcdefgh") {
		t.Error("a long list of passwords is not masked")
	}
}
