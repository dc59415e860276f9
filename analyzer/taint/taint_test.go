package taint_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/taint"
)

var sinkNames = map[taint.SinkKind]string{
	taint.SinkLog: "log", taint.SinkResponse: "response", taint.SinkURL: "url",
	taint.SinkRedirect: "redirect", taint.SinkOutbound: "outbound", taint.SinkAuth: "auth",
}

func render(h taint.Hit) string {
	s := fmt.Sprintf("%s %s:%d %s %s", sinkNames[h.Sink], h.Loc.Path, h.Loc.Start.Line, h.Label.Src.Kind, h.Label.Src.What)
	if h.Label.Src.Kind == taint.Headers {
		s += " [" + strings.Join(taint.HeaderNames(h.Label.Bits), ",") + "]"
	}
	return s
}

// hits runs the pass on an archive and renders its hits as
// "sink path:line kind what [headers]" lines.
func hits(t *testing.T, archive string) []string {
	t.Helper()
	p := analyzertest.Load(t, archive)
	var out []string
	for _, h := range analyzer.Fact(p, taint.Pass).Hits {
		out = append(out, render(h))
	}
	sort.Strings(out)
	return out
}

func TestTokenName(t *testing.T) {
	v := taint.NewVocab(nil, nil)
	secret := []string{
		"token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "API_KEY", "apiKey",
		"secret", "client_secret", "password", "passwd", "bearer", "jwt", "session_key", "sessionid",
		"authorization", "Authorization", "credentials", "X-Api-Key", "HTTP_X_API_KEY",
		"private_key", "SECRET_KEY", "accessToken", "auth_token", "tokens", "stripe_secret_key",
	}
	notSecret := []string{
		"token_type", "TokenType", "next_token", "NextToken", "page_token", "nextPageToken", "csrf_token",
		"csrftoken", "csrfmiddlewaretoken", "max_tokens", "total_tokens", "prompt_tokens", "completion_tokens",
		"tokenize", "tokenizer", "token_hash", "token_id", "token_ids", "is_token_valid", "has_password",
		"password_hash", "token_url", "token_expires", "token_expiry", "PASSWORD_RESET_TIMEOUT",
		"PASSWORD_HASHERS", "AUTH_PASSWORD_VALIDATORS", "default_token_generator", "key",
		"monkey", "keyboard", "session", "SESSION_COOKIE_NAME", "TOKEN_HEADER_NAME", "tokens_used",
		"secretary", "passport", "author", "authorize_url",
		// signatures are public material: a MAC over one message opens nothing else
		"webhook_signature", "x-hub-signature", "signature",
	}
	for _, n := range secret {
		if !v.TokenName(n, false) {
			t.Errorf("TokenName(%q) = false, want true", n)
		}
	}
	for _, n := range notSecret {
		if v.TokenName(n, false) {
			t.Errorf("TokenName(%q) = true, want false", n)
		}
	}
	if v.TokenName("RefreshToken", true) {
		t.Error("a CamelCase class name in code is not a secret value")
	}
	extra := taint.NewVocab([]string{"otp", "pin code"}, []string{"blur", "app.safe.show"})
	for _, n := range []string{"otp", "user_otp", "otpValue", "pin_code"} {
		if !extra.TokenName(n, false) {
			t.Errorf("extra-token-names: TokenName(%q) = false", n)
		}
	}
	if extra.TokenName("otp_length", false) {
		t.Error("a qualifier still applies to extra names")
	}
	for _, f := range []string{"blur", "utils.blur", "app.safe.show"} {
		if !extra.Sanitizer(f) {
			t.Errorf("extra-sanitizers: Sanitizer(%q) = false", f)
		}
	}
	if extra.Sanitizer("show") && !extra.Sanitizer("app.safe.show") {
		t.Error("dotted sanitizer")
	}
}

func TestWords(t *testing.T) {
	cases := map[string][]string{
		"accessToken":       {"access", "token"},
		"HTTPAuthorization": {"http", "authorization"},
		"X-Api-Key":         {"x", "api", "key"},
		"HTTP_X_API_KEY":    {"http", "x", "api", "key"},
		"oauth2_token":      {"oauth2", "token"},
	}
	for in, want := range cases {
		if got := taint.Words(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Words(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSanitizer(t *testing.T) {
	v := taint.NewVocab(nil, nil)
	for _, f := range []string{"mask", "mask_token", "redact", "utils.scrub_headers", "sanitize", "obfuscate",
		"hash_token", "hashlib.sha256", "hmac.new", "len", "bool", "anonymize_ip", "x.hexdigest"} {
		if !v.Sanitizer(f) {
			t.Errorf("Sanitizer(%q) = false", f)
		}
	}
	for _, f := range []string{"unmask", "str", "format", "json.dumps", "get_token", "decode"} {
		if v.Sanitizer(f) {
			t.Errorf("Sanitizer(%q) = true", f)
		}
	}
}

func TestLooksSecret(t *testing.T) {
	for _, s := range []string{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "django-insecure-9x!2k#...a8", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"} {
		if !taint.LooksSecret(s) {
			t.Errorf("LooksSecret(%q) = false", s)
		}
	}
	for _, s := range []string{"changeme", "your-api-key-here", "X-Auth-Token", "HTTP_AUTHORIZATION", "https://example.com/token",
		"placeholder-secret-value", "", "aaaaaaaaaaaaaaaaaaaa", "Authorization header"} {
		if taint.LooksSecret(s) {
			t.Errorf("LooksSecret(%q) = true", s)
		}
	}
}

// TestHeaderFilters evaluates comprehension filters per sensitive header.
func TestHeaderFilters(t *testing.T) {
	cases := []struct {
		filter string
		want   string // surviving headers, "" for none (no hit)
	}{
		{`k.lower() != "authorization"`, "Proxy-Authorization,Cookie,X-Api-Key"},
		{`k != "Authorization" and k != "Cookie"`, "Proxy-Authorization,X-Api-Key"},
		{`k.lower() not in SENSITIVE`, ""},
		{`k.lower() not in ("authorization", "cookie")`, "Proxy-Authorization,X-Api-Key"},
		{`k not in {"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"}`, ""},
		{`not any(s in k.lower() for s in ("auth", "cookie", "key"))`, ""},
		{`not any(s in k.lower() for s in ("auth",))`, "Cookie,X-Api-Key"},
		{`"auth" not in k.lower()`, "Cookie,X-Api-Key"},
		{`not k.lower().startswith(("authorization", "proxy-", "cookie", "x-api"))`, ""},
		{`not re.match(r"(authorization|cookie)$", k, re.I)`, "Proxy-Authorization,X-Api-Key"},
		{`k.upper().replace("-", "_") not in ("AUTHORIZATION", "COOKIE", "X_API_KEY", "PROXY_AUTHORIZATION")`, ""},
		{`v`, "Authorization,Proxy-Authorization,Cookie,X-Api-Key"},
		{`k in ALLOWED`, ""},
		{`k in unknown_function()`, ""},
		{`k.title() == "Cookie"`, "Cookie"},
		{`k not in SENSITIVE_UPPER`, "Authorization,Proxy-Authorization,Cookie,X-Api-Key"},
	}
	for _, tc := range cases {
		archive := `
-- app/views.py --
import logging
import re

from app.conf import ALLOWED

logger = logging.getLogger(__name__)
SENSITIVE = frozenset(["authorization", "proxy-authorization", "cookie", "x-api-key"])
SENSITIVE_UPPER = ("AUTHORIZATION",)


def view(request):
    logger.info("%s", {k: v for k, v in request.headers.items() if ` + tc.filter + `})
-- app/conf.py --
import os
ALLOWED = os.environ["ALLOWED"].split(",")
`
		var got []string
		for _, h := range hits(t, archive) {
			if strings.HasPrefix(h, "log ") && strings.Contains(h, " headers ") {
				got = append(got, h[strings.Index(h, "[")+1:len(h)-1])
			}
		}
		g := strings.Join(got, ";")
		if g != tc.want {
			t.Errorf("filter %s: surviving %q, want %q", tc.filter, g, tc.want)
		}
	}
}

// TestSeed is the acceptance case: the seed view logs request
// headers with Cookie, X-Api-Key and Proxy-Authorization still in them.
func TestSeed(t *testing.T) {
	p, err := driver.Load(driver.Options{Paths: []string{"../../testdata/seed"}, Root: "../../testdata/seed"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range analyzer.Fact(p, taint.Pass).Hits {
		if h.Sink == taint.SinkResponse && !h.Error {
			continue // the view returns the token it issues, with status 200
		}
		got = append(got, render(h))
	}
	want := "log mysite/views.py:18 headers request headers (`request.headers`) [Proxy-Authorization,Cookie,X-Api-Key]"
	if len(got) != 1 || got[0] != want {
		t.Errorf("seed hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestFlowAcrossModules checks summaries across imports, the flow steps
// and masking of hard-coded secrets.
func TestFlowAcrossModules(t *testing.T) {
	p := analyzertest.Load(t, `
-- app/keys.py --
PARTNER_API_KEY = "pk_live_9f8e7d6c5b4a39281706"


def partner_key():
    return PARTNER_API_KEY
-- app/client.py --
import logging

from .keys import partner_key

log = logging.getLogger("client")


def call():
    key = partner_key()
    log.info("calling with %s", key)
`)
	res := analyzer.Fact(p, taint.Pass)
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %v", res.Hits)
	}
	h := res.Hits[0]
	var steps []string
	for _, s := range h.Label.Steps {
		steps = append(steps, fmt.Sprintf("%s:%d %s", s.Location.Path, s.Location.Start.Line, s.Message))
		if strings.Contains(s.Message, "pk_live_9f8e7d6c5b4a39281706") {
			t.Errorf("step shows the secret: %q", s.Message)
		}
	}
	want := []string{
		"app/keys.py:1 a secret value is hard-coded here",
		"app/keys.py:1 assigned to `PARTNER_API_KEY`",
		"app/keys.py:5 returned from `partner_key()`",
		"app/client.py:9 returned here by `partner_key()`",
		"app/client.py:9 assigned to `key`",
		"app/client.py:10 reaches `log.info` in the message arguments",
	}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	if h.Label.Src.Literal != "pk_live_9f8e7d6c5b4a39281706" || !strings.Contains(h.Label.Src.What, "pk_l…") {
		t.Errorf("source = %+v", h.Label.Src)
	}
	g := taint.GroupHits(res.Hits, func(*taint.Hit) bool { return true }, nil)
	f := taint.Finding(g[0], g[0].Loc, "leaks pk_live_9f8e7d6c5b4a39281706", "k")
	if strings.Contains(f.Message, "pk_live_9") || len(f.Secrets) != 1 {
		t.Errorf("finding not masked: %q %v", f.Message, f.Secrets)
	}
}

// hitLines is the lines of path that hold hits, each once, in order.
func hitLines(res *taint.Result, path string) []int {
	var lines []int
	for _, h := range res.Hits {
		if h.Loc.Path == path && (len(lines) == 0 || lines[len(lines)-1] != h.Loc.Start.Line) {
			lines = append(lines, h.Loc.Start.Line)
		}
	}
	return lines
}

// An attribute that describes a secret-bearing object (its type, name,
// count) carries no secret, while the object's own secret attributes and
// the object itself still do (the pattern of django-oauth-toolkit's
// validator, which logs `request.client.client_type` after storing the
// token's application on the request).
func TestMetadataAttributesOfSecretObjects(t *testing.T) {
	p := analyzertest.Load(t, `
-- app/validator.py --
import logging

log = logging.getLogger(__name__)


class Validator:
    def validate_bearer_token(self, token, request):
        access_token = self._load_access_token(token)
        request.client = access_token.application
        return True

    def authenticate_client_id(self, client_id, request):
        log.debug("Application %r has type %r" % (client_id, request.client.client_type))
        log.debug("Application grant %s", request.client.authorization_grant_type)

    def leak(self, request):
        log.debug("client %s", request.client.client_secret)
        log.debug("client %s", request.client)
`)
	lines := hitLines(analyzer.Fact(p, taint.Pass), "app/validator.py")
	if want := []int{17, 18}; !reflect.DeepEqual(lines, want) {
		t.Errorf("hits on lines %v, want %v (the secret and the object, not their type)", lines, want)
	}
}

// str(e) of a project exception raised only with constant messages is a
// message for the user; one that wraps other text, defines its own
// __str__, or has a subclass that does, still reveals internals (DJL204).
func TestFixedMessageExceptions(t *testing.T) {
	p := analyzertest.Load(t, `
-- app/errors.py --
class Moderated(Exception):
    pass


class PostingFailed(Exception):
    pass


class Quota(Exception):
    pass


class QuotaDetail(Quota):
    def __str__(self):
        return repr(self.args)


def post(conn):
    if conn.moderated:
        raise Moderated("This list is moderated, "
                        "please subscribe first.")
    try:
        conn.send()
    except OSError as e:
        raise PostingFailed("Failed to post message: %s" % e)
    raise Quota("Over quota.")
-- app/views.py --
from django.http import HttpResponse

from .errors import Moderated, PostingFailed, Quota, post


def a(request):
    try:
        post(request.conn)
    except Moderated as e:
        return HttpResponse(str(e), status=403)


def b(request):
    try:
        post(request.conn)
    except PostingFailed as e:
        return HttpResponse(str(e), status=500)


def c(request):
    try:
        post(request.conn)
    except Quota as e:
        return HttpResponse(str(e), status=429)


def d(request):
    try:
        post(request.conn)
    except (Moderated, KeyError) as e:
        return HttpResponse(str(e), status=400)
`)
	lines := hitLines(analyzer.Fact(p, taint.Pass), "app/views.py")
	if want := []int{17, 24, 31}; !reflect.DeepEqual(lines, want) {
		t.Errorf("hits on lines %v of views.py, want %v (all but the fixed message)", lines, want)
	}
}

// A key named by a setting or model constant that says it selects the
// username or email field (UserModel.USERNAME_FIELD,
// settings.AXES_USERNAME_FORM_FIELD) reads no secret from a credentials
// dict; one naming the password field still does.
func TestNamedKeys(t *testing.T) {
	p := analyzertest.Load(t, `
-- app/helpers.py --
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import redirect

UserModel = get_user_model()


def username_of(credentials):
    return credentials.get(settings.AXES_USERNAME_FORM_FIELD, None)


def password_of(credentials):
    return credentials.get(settings.AXES_PASSWORD_FORM_FIELD, None)


def locked(request, credentials):
    return redirect("/locked?" + urlencode({"u": username_of(credentials)}))


def by_field(request, credentials):
    return redirect("/locked?" + urlencode({"u": credentials[UserModel.USERNAME_FIELD]}))


def leaked(request, credentials):
    return redirect("/locked?" + urlencode({"p": password_of(credentials)}))
`)
	lines := hitLines(analyzer.Fact(p, taint.Pass), "app/helpers.py")
	if want := []int{27}; !reflect.DeepEqual(lines, want) {
		t.Errorf("hits on lines %v, want %v (the password field only)", lines, want)
	}
}

// A {% url %} argument that fills a route parameter named like an id is
// not a secret in the path, even when the template calls it a token; the
// positional arguments of an included route line up from the end, after
// the including pattern's own; keyword arguments go by name; a route the
// project does not define, or one whose parameter is a token, is still
// reported.
func TestTemplateURLArgumentsFillRouteParameters(t *testing.T) {
	p := analyzertest.Load(t, `
-- app/urls.py --
from django.urls import include, path, re_path

from . import views

list_patterns = [
    re_path(r"^handle/(?P<request_id>[^/]+)/$", views.handle, name="handle_request"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]

urlpatterns = [
    path("lists/<list_id>/", include(list_patterns)),
]
-- app/views.py --
def handle(request, list_id, request_id):
    pass


def confirm(request, list_id, token):
    pass
-- templates/lists.html --
<form method="POST" action="{% url 'handle_request' list.list_id request.token %}"></form>
<form method="POST" action="{% url 'app:handle_request' request_id=request.token list_id=list.list_id %}"></form>
<a href="{% url 'confirm' list.list_id request.token %}">confirm</a>
<a href="{% url 'elsewhere' request.token %}">elsewhere</a>
`)
	var got []string
	for _, h := range analyzer.Fact(p, taint.TemplateURLs) {
		got = append(got, fmt.Sprintf("%d %s", h.Loc.Start.Line, h.Var))
	}
	if want := []string{"3 request.token", "4 request.token"}; !reflect.DeepEqual(got, want) {
		t.Errorf("template hits %v, want %v", got, want)
	}
}

// TestRobust runs the pass over awkward code: syntax errors, recursion,
// deep nesting, star-args, lambdas, walrus, match, global statements.
func TestRobust(t *testing.T) {
	got := hits(t, `
-- app/odd.py --
import logging
logger = logging.getLogger(__name__)

def rec(token, n):
    if n:
        return rec(token, n - 1)
    logger.info("t %s", token)
    return token

def mutual_a(x):
    return mutual_b(x)

def mutual_b(x):
    return mutual_a(x)

def star(*args, **kwargs):
    logger.info(*args, **kwargs)

def caller(api_key):
    star("k %s", api_key)
    f = lambda q: q
    if (n := len(api_key)) > 3:
        logger.info("len %d", n)
    for a in range(3):
        for b in range(3):
            for c in range(3):
                while a:
                    a -= 1
    match api_key:
        case "x":
            pass
    global G
    G = api_key

def broken(:
    logger.info(token
`)
	want := []string{
		"log app/odd.py:20 token `api_key`", // through *args, reported at the call
		"log app/odd.py:7 token `token`",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeterministic: the same project gives the same hits every time.
func TestDeterministic(t *testing.T) {
	archive := `
-- app/a.py --
import logging
from app.b import helper
logger = logging.getLogger(__name__)

def v(request, token):
    helper(token)
    helper(request.headers)
    logger.info("%s %s", token, dict(request.META))
-- app/b.py --
import logging
logger = logging.getLogger(__name__)

def helper(x):
    logger.info("%s", x)
`
	first := hits(t, archive)
	for i := 0; i < 5; i++ {
		if again := hits(t, archive); !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, strings.Join(first, "\n"), strings.Join(again, "\n"))
		}
	}
}

// TestUnpacking: each name an unpacking binds takes its own element, in
// assignments, nested and starred targets, for-loop targets and
// comprehensions.
func TestUnpacking(t *testing.T) {
	got := hits(t, `
-- app/v.py --
import logging
logger = logging.getLogger(__name__)


def pair(request, api_key):
    name, password = request.user.username, api_key
    logger.info("%s", name)
    logger.info("%s", password)


def row(request, api_key):
    r = (request.user.username, api_key)
    name, password = r
    logger.info("%s", name)
    logger.info("%s", password)


def nested(user, api_key):
    (a, b), c = (user, api_key), user
    logger.info("%s", a)
    logger.info("%s", b)
    logger.info("%s", c)


def starred(user, api_key):
    first, *rest = user, api_key, user
    logger.info("%s", first)
    logger.info("%s", rest)
    *init, last = user, user, api_key
    logger.info("%s", init)
    logger.info("%s", last)
    head, *mid, tail = api_key, user, user, user
    logger.info("%s", mid)
    logger.info("%s", tail)


def loop(user, api_key):
    for name, secret in [(user, api_key), (user, api_key)]:
        logger.info("%s", name)
        logger.info("%s", secret)
    names = [n for n, s in [(user, api_key)]]
    logger.info("%s", names)


def post(request):
    for k, v in request.POST.items():
        logger.info("%s", k)


def unknown_shape(rows, api_key):
    a, b = api_key
    logger.info("%s", a)


def items(user, api_key):
    for name, value in {"user": user, "key": api_key}.items():
        logger.info("%s", name)
        logger.info("%s", value)
`)
	want := []string{
		"log app/v.py:8 token `api_key`",  // password
		"log app/v.py:15 token `api_key`", // password, from a tuple variable
		"log app/v.py:21 token `api_key`", // b
		"log app/v.py:28 token `api_key`", // rest
		"log app/v.py:31 token `api_key`", // last
		"log app/v.py:40 token `api_key`", // secret, a loop target
		"log app/v.py:52 token `api_key`", // a value of unknown shape: any name may hold it
		"log app/v.py:58 token `api_key`", // the value of an items() pair, not its key
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A project whose root directory is a package imports its top-level
// modules by the package's name (`from shop.audit import record`): the
// call resolves, so the flow into the helper's log call is followed.
func TestRootPackageImports(t *testing.T) {
	files := map[string][]byte{
		"/srv/shop/__init__.py": nil,
		"/srv/shop/audit.py":    []byte("import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef record(value):\n    log.info('seen %s', value)\n"),
		"/srv/shop/views.py":    []byte("from shop.audit import record\n\n\ndef view(request):\n    record(request.GET['api_key'])\n"),
	}
	p, err := driver.Load(driver.Options{FS: analyzer.NewMemFS(files), Root: "/srv/shop", Paths: []string{"/srv/shop"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range analyzer.Fact(p, taint.Pass).Hits {
		got = append(got, render(h))
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "log views.py:5 ") {
		t.Errorf("hits %q, want the call of the logging helper in views.py", got)
	}
}
