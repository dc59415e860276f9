package taint

import "strings"

// Library knowledge --------------------------------------------------------
//
// What known libraries' calls do with data, as tables: the recognisers in
// call.go decide where a call's arguments go and what its result is by
// these names (the callee qualified through the module's imports, its last
// component, or the method called), the way vocab.go decides which names
// denote secrets. Adding a library's log call, response class, redirect,
// HTTP client or token function is a table entry.

// Sinks: logs (SinkLog).
var (
	// logLevels are the logger methods that write a record.
	logLevels = map[string]bool{
		"debug": true, "info": true, "warning": true, "warn": true, "error": true, "exception": true,
		"critical": true, "fatal": true, "log": true, "msg": true,
	}
	// streamWrites write to the process's standard streams.
	streamWrites = map[string]bool{
		"sys.stdout.write": true, "sys.stderr.write": true, "sys.__stdout__.write": true,
		"sys.__stderr__.write": true, "sys.stdout.writelines": true, "sys.stderr.writelines": true,
	}
	// warnCall emits a warning (its message is logged).
	warnCall = "warnings.warn"
	// sentryModule's sentrySinks send their arguments to the error tracker.
	sentryModule = "sentry_sdk."
	sentrySinks  = map[string]bool{
		"capture_message": true, "set_context": true, "set_extra": true, "set_tag": true,
		"add_breadcrumb": true, "set_user": true,
	}
)

// Sinks: HTTP responses (SinkResponse).
var (
	// responseClasses are Django's response constructors (status 200
	// unless given).
	responseClasses = map[string]bool{"JsonResponse": true, "HttpResponse": true, "StreamingHttpResponse": true}
	// errorClasses are Django's error responses, with their status.
	errorClasses = map[string]int{
		"HttpResponseBadRequest": 400, "HttpResponseForbidden": 403, "HttpResponseNotFound": 404,
		"HttpResponseNotAllowed": 405, "HttpResponseGone": 410, "HttpResponseServerError": 500,
	}
	// drfResponse is Django REST framework's response class (under
	// rest_framework.); drfExceptions' classes and drfErrors are its
	// exceptions, which answer with their detail (status 400 and up).
	drfResponse   = "Response"
	drfExceptions = "rest_framework.exceptions."
	drfErrors     = map[string]bool{"rest_framework.serializers.ValidationError": true}
	// socialAuthExceptions are social-auth-core's exceptions
	// (social_core.exceptions), by their last name: each reads as a
	// sentence written for the user ("Authentication process canceled",
	// "Wrong state parameter given."), which social-app-django's own
	// middleware shows on the page, so their text is not internals.
	socialAuthExceptions = map[string]bool{
		"SocialAuthBaseException": true, "WrongBackend": true, "MissingBackend": true, "NotAllowedToDisconnect": true,
		"AuthException": true, "AuthFailed": true, "AuthCanceled": true, "AuthUnknownError": true, "AuthTokenError": true,
		"AuthMissingParameter": true, "AuthStateMissing": true, "AuthStateForbidden": true, "AuthAlreadyAssociated": true,
		"AuthTokenRevoked": true, "AuthForbidden": true, "AuthUnreachableProvider": true, "InvalidEmail": true,
	}
	// httpStatusNames are the status constants (http.HTTPStatus,
	// rest_framework.status) by their last name.
	httpStatusNames = map[string]int{
		"BAD_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405,
		"CONFLICT": 409, "GONE": 410, "UNPROCESSABLE_ENTITY": 422, "TOO_MANY_REQUESTS": 429,
		"INTERNAL_SERVER_ERROR": 500, "BAD_GATEWAY": 502, "SERVICE_UNAVAILABLE": 503, "OK": 200,
		"CREATED": 201, "ACCEPTED": 202, "NO_CONTENT": 204,
	}
)

// Sinks: outbound HTTP requests (SinkOutbound).
var (
	// httpClients are the modules whose functions named httpMethods send a
	// request (requests.get, httpx.post); a session or client object's
	// methods of those names do too.
	httpClients = map[string]bool{"requests": true, "httpx": true}
	httpMethods = map[string]bool{
		"get": true, "post": true, "put": true, "patch": true, "delete": true, "head": true,
		"options": true, "request": true, "stream": true,
	}
	// urlOpeners take the URL as their first argument.
	urlOpeners = map[string]bool{
		"urllib.request.urlopen": true, "urllib.request.Request": true, "urllib2.urlopen": true, "urllib2.Request": true,
	}
)

// Sinks: authentication (SinkAuth).
var (
	// authFuncs (by last name) and authDecoders (qualified) authenticate
	// with their arguments.
	authFuncs = map[string]bool{
		"authenticate": true, "authenticate_credentials": true, "check_token": true, "verify_token": true,
		"validate_token": true, "get_validated_token": true, "decode_token": true, "get_user_from_token": true,
		"get_user_by_token": true, "unsign": true, "unsign_object": true, "constant_time_compare": true,
		"compare_digest": true, "AccessToken": true, "UntypedToken": true, "RefreshToken": true,
		"SlidingToken": true, "get_user_for_token": true,
	}
	authDecoders = map[string]bool{"jwt.decode": true, "django.core.signing.loads": true}
	// lookupMethods on a manager (`….objects`) look a row up by their
	// keyword arguments: by a key or secret, to authenticate.
	lookupMethods = map[string]bool{"get": true, "filter": true, "aget": true, "get_or_none": true}
)

// Sources: objects whose data is secret where it is read.
var (
	// requestNames are the names a view's request object goes by; an
	// attribute path ending in `.request` (self.request) is one too.
	requestNames = map[string]bool{"request": true, "req": true, "http_request": true, "wsgi_request": true}
	// requestAttr is the attribute that holds the request on a view or form.
	requestAttr = "request"
	// scopeName is the ASGI connection scope (a consumer's self.scope).
	scopeName = "scope"
	// settingsObject is Django's settings; its upper-case, secret-named
	// attributes are secrets.
	settingsObject = "django.conf.settings"
	// handlerKeyword opens an exception handler, which binds the caught
	// exception (Exception).
	handlerKeyword = "except"
)

// Sources: calls whose result is a secret.
var (
	// excInfoCalls return the exception being handled (Exception).
	excInfoCalls = map[string]bool{"sys.exc_info": true, "sys.exception": true}
	// oneTimeTokenMethods create a one-time token on any receiver (a token
	// generator's make_token); signerMethods sign a one-time token on a
	// receiver whose name mentions signerWord.
	oneTimeTokenMethods = map[string]bool{"make_token": true}
	signerMethods       = map[string]bool{"sign": true, "sign_object": true}
	signerWord          = "signer"
	// tokenClassMethods, on a class whose name ends in tokenClassSuffix,
	// create a JWT (RefreshToken.for_user); tokenModelCreates on the
	// manager of such a model (`Token.objects`) create an API token.
	tokenClassMethods = map[string]bool{"for_user": true}
	tokenClassSuffix  = "Token"
	tokenModelCreates = map[string]bool{"create": true, "get_or_create": true, "acreate": true, "aget_or_create": true}

	// tracebackCalls format the current exception (Exception).
	tracebackCalls = map[string]bool{
		"traceback.format_exc": true, "traceback.format_exception": true, "traceback.format_tb": true,
		"traceback.format_stack": true, "traceback.extract_tb": true, "traceback.format_exception_only": true,
		"traceback.extract_stack": true,
	}
	// tracebackAttrs hold a traceback's text on the objects that keep one:
	// Celery's AsyncResult.traceback, django-celery-results' and
	// django-q's stored task results.
	tracebackAttrs = map[string]bool{"traceback": true}
	// tokenGenerators is the prefix of the functions that create random
	// tokens (secrets.token_hex, …); jwtEncode creates a JWT;
	// signingDumps a signed one-time token.
	tokenGenerators = "secrets.token_"
	jwtEncode       = "jwt.encode"
	signingDumps    = "django.core.signing.dumps"
)

// firstComp is a dotted name's first component.
func firstComp(s string) string {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i]
	}
	return s
}
