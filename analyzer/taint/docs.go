package taint

// Documentation shared by the rules built on this pass.

// DocSources describes what the pass treats as a secret.
const DocSources = "**Secrets** are: values whose name says so — variables, parameters, attributes, dict keys and " +
	"`kwargs` named like `token`, `access_token`, `refresh_token`, `id_token`, `api_key`, `apikey`, `secret`, " +
	"`client_secret`, `password`, `passphrase`, `bearer`, `jwt`, `session_key`, `sessionid`, `authorization`, " +
	"`credentials`, `private_key`, `signing_key`, `webhook_signature` (camelCase, UPPER_CASE and `X-Api-Key` " +
	"spellings too; a bare `signature` is usually a function or type signature and is not a secret); tokens made by `secrets.token_*()`, `jwt.encode()`, `signing.dumps()`, `Signer().sign()`, " +
	"`default_token_generator.make_token()`, DRF `Token.objects.create()` / `get_or_create()`, SimpleJWT " +
	"`RefreshToken.for_user()` (and its `.access_token`); secret settings (`settings.SECRET_KEY`, " +
	"`settings.STRIPE_API_KEY`); hard-coded keys (a high-entropy string literal assigned to such a name, shown " +
	"only masked); and request credentials: `request.headers['Authorization']`, `request.META['HTTP_AUTHORIZATION']`, " +
	"`request.META['HTTP_X_API_KEY']`, `request.COOKIES[...]` (the session cookie and token-named cookies), " +
	"`request.session.session_key`, DRF `request.auth`. Names that only *mention* a secret are not secrets: " +
	"`token_type`, `next_token` / `NextToken` / `page_token` (pagination cursors), `csrf_token` and the " +
	"`{% csrf_token %}` tag, `max_tokens` / `total_tokens` / `prompt_tokens` (LLM token counts), `tokenize`, " +
	"`token_hash`, `token_id`, `token_url`, `token_expires`, `is_token_valid` and other flags, the " +
	"`token` parameter of Django template-tag functions (`def do_tag(parser, token)`), and `token` / `tokens` / " +
	"`tok` in modules that tokenize text (a lexer, tokenizer, scanner or parser class, a `tokenize()` / " +
	"`next_token()` / `evaluate_tokens()` function, or an import of a parsing library: pyparsing, PLY, Lark, " +
	"SLY, parsimonious, tokenize, sqlparse, ANTLR, TatSu, parsy)."

// DocFlow describes how values are followed.
const DocFlow = "djleak follows values through assignments, tuple unpacking, f-strings, `+`, `%` and " +
	"`.format()`, dict and list literals, comprehensions, `dict()` / `.copy()` / `json.dumps()` and other " +
	"copies, `if`/`else` branches (each analysed, then joined) and loops, into and out of the project's own " +
	"functions and methods (summaries of what each returns and which parameters reach a sink, across modules " +
	"through imports), and through attributes set on `self` or on `request` (a middleware's " +
	"`request.api_key = …` read in a view). A value stops being secret when it passes a masking or hashing " +
	"function — any call whose name contains `mask`, `redact`, `scrub`, `sanitize`, `obfuscate`, `anonymize`, " +
	"`hash`, `hmac`, `digest`, `fingerprint` or `encrypt`, `hashlib.*`, `len()`, `bool()`, comparisons — or a " +
	"slice of at most eight characters (`token[:4]`). The finding's code flow (SARIF `codeFlows`, `flow:` lines " +
	"in text output) lists each step from the source to the sink, across files."

// DocConfig explains the configuration keys.
const DocConfig = "Add project-specific names and sanitizers in `.djleak.toml` (or `[tool.djleak]` in " +
	"`pyproject.toml`):\n\n```toml\nextra-token-names = [\"otp\", \"pin_code\", \"x_tenant_key\"]\n" +
	"extra-sanitizers = [\"myapp.security.safe_repr\", \"blur\"]\n```\n\n`extra-token-names` entries match " +
	"names the same way as the built-in words (`otp` matches `otp`, `user_otp`, `otpValue`); " +
	"`extra-sanitizers` entries match a call's full dotted name or its last component."
