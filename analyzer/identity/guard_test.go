package identity_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/identity"
)

// guardsOf loads an archive and renders each identity read as
// "line key state verify-key".
func guardsOf(t *testing.T, archive string) []string {
	t.Helper()
	p := analyzertest.Load(t, archive)
	var out []string
	for _, r := range analyzer.Fact(p, identity.Pass).Reads {
		if r.IsVerify() {
			continue
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", r.Loc.Start.Line, r.Name, r.Guard.State, r.Guard.VerifyKey))
	}
	return out
}

func TestGuardStates(t *testing.T) {
	got := guardsOf(t, `
-- app/v.py --
def a(request):
    ok = request.META.get("SSL_CLIENT_VERIFY", "").strip() == "SUCCESS"
    assert ok
    return request.META["SSL_CLIENT_S_DN"]


def b(request):
    status = request.META.get("HTTP_X_CLIENT_VERIFY")
    if status not in ("SUCCESS",):
        return None
    return request.META["HTTP_X_CLIENT_DN"]


def c(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY") in ("SUCCESS", "NONE"):
        return request.META["HTTP_X_CLIENT_DN"]


def d(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY").split(":")[0] == "SUCCESS":
        return request.META["HTTP_X_CLIENT_DN"]


def e(request):
    if external_check(request.META.get("HTTP_X_CLIENT_VERIFY")):
        return request.META["HTTP_X_CLIENT_DN"]


VERIFIED = "SUCCESS"


def f(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY") == VERIFIED:
        return request.META["HTTP_X_CLIENT_DN"]


def g(request, VERIFIED):
    if request.META.get("HTTP_X_CLIENT_VERIFY") == VERIFIED:
        return request.META["HTTP_X_CLIENT_DN"]


class Loose:
    def setup(self, request):
        self.ok = bool(request.META.get("HTTP_X_CLIENT_VERIFY"))

    def dn(self, request):
        if self.ok:
            return request.META["HTTP_X_CLIENT_DN"]


class Strict:
    def setup(self, request):
        self.ok = request.META.get("HTTP_X_CLIENT_VERIFY") == "SUCCESS"

    def dn(self, request):
        if self.ok:
            return request.META["HTTP_X_CLIENT_DN"]
`)
	want := []string{
		"4 SSL_CLIENT_S_DN guarded SSL_CLIENT_VERIFY",
		"11 HTTP_X_CLIENT_DN guarded HTTP_X_CLIENT_VERIFY",
		"16 HTTP_X_CLIENT_DN wrongly guarded HTTP_X_CLIENT_VERIFY",
		"21 HTTP_X_CLIENT_DN wrongly guarded HTTP_X_CLIENT_VERIFY", // 'SUCCESS:x' passes
		"26 HTTP_X_CLIENT_DN unguarded ",                           // a check djleak cannot follow
		"34 HTTP_X_CLIENT_DN guarded HTTP_X_CLIENT_VERIFY",         // a module constant
		"39 HTTP_X_CLIENT_DN unguarded ",                           // a parameter shadows it
		"48 HTTP_X_CLIENT_DN wrongly guarded HTTP_X_CLIENT_VERIFY", // the class's own self.ok
		"57 HTTP_X_CLIENT_DN guarded HTTP_X_CLIENT_VERIFY",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("guards:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGuardBounded: attributes assigned from themselves many times over,
// and helpers calling each other, are judged in bounded work.
func TestGuardBounded(t *testing.T) {
	var src strings.Builder
	src.WriteString("-- app/v.py --\nclass C:\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&src, "    def set%d(self, request):\n        self.status = self.status + self.status or request.META.get(\"HTTP_X_CLIENT_VERIFY\")\n", i)
	}
	src.WriteString("    def view(self, request):\n        if self.status == \"SUCCESS\" and ping(request):\n            return request.META[\"HTTP_X_CLIENT_DN\"]\n\n\n")
	src.WriteString("def ping(request):\n    return pong(request)\n\n\ndef pong(request):\n    return ping(request)\n")
	got := guardsOf(t, src.String())
	if len(got) != 1 || !strings.Contains(got[0], "HTTP_X_CLIENT_DN") {
		t.Errorf("reads: %v", got)
	}
}

// TestGuardHelperImport: a helper is the function the module imports,
// when several modules define one of that name.
func TestGuardHelperImport(t *testing.T) {
	got := guardsOf(t, `
-- app/strict.py --
def is_ok(request):
    return request.META.get("HTTP_X_CLIENT_VERIFY") == "SUCCESS"
-- app/loose.py --
def is_ok(request):
    return bool(request.META.get("HTTP_X_CLIENT_VERIFY"))
-- app/views.py --
from .strict import is_ok


def dn(request):
    if is_ok(request):
        return request.META["HTTP_X_CLIENT_DN"]
-- app/other.py --
from app.loose import is_ok


def dn(request):
    if is_ok(request):
        return request.META["HTTP_X_CLIENT_DN"]
`)
	want := []string{
		"6 HTTP_X_CLIENT_DN wrongly guarded HTTP_X_CLIENT_VERIFY", // app/other.py
		"6 HTTP_X_CLIENT_DN guarded HTTP_X_CLIENT_VERIFY",         // app/views.py
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("guards:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
