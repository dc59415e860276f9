package apachemodel

import (
	"strings"

	"github.com/djleak/djleak/analyzer/frontend"
)

// The battery's second part: <Proxy>, <ProxyMatch>, <DirectoryMatch>,
// <Files>, <FilesMatch>, nested and chained <If>, the conditional
// containers, ProxyPassMatch, WSGIScriptAliasMatch and `early` against the
// sections.

const unsetDN = "\tRequestHeader unset X-SSL-Client-DN\n"

// sec wraps body (lines that start with a tab) in a section.
func sec(open, body string) string {
	name := strings.Fields(open)[0]
	return "\t<" + open + ">\n" + strings.ReplaceAll(body, "\t", "\t\t") + "\t</" + name + ">\n"
}

func want(s frontend.Source) map[string]frontend.Source { return map[string]frontend.Source{dnKey: s} }

var sectionCases = []oracleCase{
	// <Proxy> and <ProxyMatch>: a proxied request's per-directory sections
	{name: "proxy-section-unsets", conf: one(tlsVHost("1", "optional", setDN+sec("Proxy http://{{BACKEND}}/", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxy-section-sets", conf: one(tlsVHost("1", "require", sec("Proxy http://{{BACKEND}}/", setDN)+proxy)), want: want(frontend.Verified)},
	{name: "proxy-star-unsets", conf: one(tlsVHost("1", "require", sec("Proxy *", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxy-other-backend", conf: one(tlsVHost("1", "require", sec("Proxy http://127.0.0.2:1/", unsetDN)+proxy)), want: want(frontend.Forgeable)},
	{name: "proxy-url-prefix-without-slash", conf: one(tlsVHost("1", "require", sec("Proxy http://{{BACKEND}}", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxymatch-unsets", conf: one(tlsVHost("1", "require", sec(`ProxyMatch "^http://127\.0\.0\.1:"`, unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxymatch-other-scheme", conf: one(tlsVHost("1", "require", sec(`ProxyMatch "^https://"`, unsetDN)+proxy)), want: want(frontend.Forgeable)},
	{name: "proxymatch-unanchored-unsets", conf: one(tlsVHost("1", "require", sec(`ProxyMatch "127\.0\.0\.1"`, unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "location-set-after-proxy-unset", conf: one(tlsVHost("1", "require", sec("Proxy *", unsetDN)+sec("Location /", setDN)+proxy)), want: want(frontend.Verified)},
	{name: "location-written-first-still-after-proxy", conf: one(tlsVHost("1", "require", sec("Location /", unsetDN)+sec("Proxy *", setDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxy-unset-after-vhost-set", conf: one(tlsVHost("1", "require", setDN+sec("Proxy *", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxy-section-not-for-wsgi", conf: one(tlsVHost("1", "require", sec("Proxy *", unsetDN)+wsgi)), want: want(frontend.Forgeable)},
	{name: "server-proxy-section-applies-to-vhost", conf: one("<Proxy *>\n" + unsetDN + "</Proxy>\n" + plainVHost("2", proxy)), want: want(frontend.Cleared)},
	{name: "server-proxy-then-vhost-proxy", conf: one("<Proxy *>\n" + unsetDN + "</Proxy>\n" + tlsVHost("1", "require", sec("Proxy http://{{BACKEND}}/", setDN)+proxy)), want: want(frontend.Verified)},
	{name: "if-in-proxy-after-location", conf: one(tlsVHost("1", "require", sec("Proxy *", sec(`If "true"`, unsetDN))+sec("Location /", setDN)+proxy)), want: want(frontend.Cleared)},
	{name: "proxy-longer-url-part-of-route", paths: []string{"/", "/admin/x"}, conf: one(tlsVHost("1", "require", sec("Proxy http://{{BACKEND}}/admin", setDN)+proxy)), want: want(frontend.Forgeable)},
	{name: "proxy-in-location-pass", conf: one(tlsVHost("1", "require", sec("Proxy *", setDN)+"\t<Location />\n\t\tRequestHeader set X-Oracle-Route main\n\t\tProxyPass http://{{BACKEND}}/\n\t</Location>\n")), want: want(frontend.Verified)},
	{name: "files-not-for-proxy", conf: one(tlsVHost("1", "require", setDN+sec("Files *", unsetDN)+proxy)), want: want(frontend.Verified)},

	// <DirectoryMatch>, <Directory ~>, <Files>, <FilesMatch>: a WSGI
	// script's sections after the plain <Directory> ones
	{name: "directorymatch-sets", conf: one(tlsVHost("1", "require", sec(`DirectoryMatch "^{{ROOT}}"`, setDN)+wsgi)), want: want(frontend.Verified)},
	{name: "directorymatch-after-directory", conf: one(tlsVHost("1", "require", sec(`DirectoryMatch "^{{ROOT}}"`, unsetDN)+sec("Directory {{ROOT}}", setDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "directory-tilde-unsets", conf: one(tlsVHost("1", "require", setDN+sec(`Directory ~ "^{{ROOT}}"`, unsetDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "directorymatch-no-match", conf: one(tlsVHost("1", "require", sec(`DirectoryMatch "^/nonexistent/"`, setDN)+wsgi)), want: want(frontend.Forgeable)},
	{name: "directorymatch-anchored-end", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "^{{ROOT}}$"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "directorymatch-anchored-slash", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "^{{ROOT}}/$"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "directorymatch-sees-the-file-path", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "^{{ROOT}}/echo"`, unsetDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "directorymatch-directory-alone-no-match", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "^{{ROOT}}/?$"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "directorymatch-directory-name-end-no-match", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "apachetest-[0-9]+$"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "directorymatch-parent-no-match", conf: one(tlsVHost("1", "require", setDN+sec(`DirectoryMatch "^/tmp$"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "files-sets", conf: one(tlsVHost("1", "require", sec("Files echo.wsgi", setDN)+wsgi)), want: want(frontend.Verified)},
	{name: "files-glob-unsets", conf: one(tlsVHost("1", "require", setDN+sec(`Files "*.wsgi"`, unsetDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "files-other-name", conf: one(tlsVHost("1", "require", setDN+sec("Files other.py", unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "filesmatch-unsets", conf: one(tlsVHost("1", "require", setDN+sec(`FilesMatch "\.wsgi$"`, unsetDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "files-tilde-unsets", conf: one(tlsVHost("1", "require", setDN+sec(`Files ~ "^echo"`, unsetDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "files-after-directorymatch", conf: one(tlsVHost("1", "require", sec("Files echo.wsgi", setDN)+sec(`DirectoryMatch "^{{ROOT}}"`, unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "location-after-files", conf: one(tlsVHost("1", "require", sec("Location /", unsetDN)+sec("Files echo.wsgi", setDN)+wsgi)), want: want(frontend.Cleared)},
	{name: "files-in-directory", conf: one(tlsVHost("1", "require", setDN+sec("Directory {{ROOT}}", sec("Files echo.wsgi", unsetDN))+wsgi)), want: want(frontend.Cleared)},
	{name: "files-in-directory-after-vhost-files", conf: one(tlsVHost("1", "require", sec("Directory {{ROOT}}", sec("Files echo.wsgi", setDN))+sec("Files echo.wsgi", unsetDN)+wsgi)), want: want(frontend.Verified)},
	{name: "server-files-applies-to-vhost", conf: one("<Files echo.wsgi>\n" + unsetDN + "</Files>\n" + tlsVHost("1", "require", wsgi)), want: want(frontend.Cleared)},

	// <LocationMatch> and <Location ~>: merged where they match every path
	// of the route, a route of their own where they may match some
	{name: "locationmatch-covers-route", conf: one(tlsVHost("1", "require", setDN+sec(`LocationMatch "^/"`, unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "locationmatch-part-of-route", paths: []string{"/", "/static/x"}, conf: one(tlsVHost("1", "require", setDN+sec(`LocationMatch "^/static/"`, unsetDN)+proxy))},
	{name: "location-tilde-part-of-route", paths: []string{"/", "/api/x"}, conf: one(tlsVHost("1", "require", sec(`Location ~ "^/api"`, setDN)+proxy))},
	{name: "locationmatch-after-proxy", conf: one(tlsVHost("1", "require", sec(`LocationMatch "."`, setDN)+sec("Proxy *", unsetDN)+proxy)), want: want(frontend.Verified)},
	{name: "locationmatch-wsgi-after-files", conf: one(tlsVHost("1", "require", sec(`LocationMatch "^/"`, unsetDN)+sec("Files echo.wsgi", setDN)+wsgi)), want: want(frontend.Cleared)},

	// nested and chained <If>
	{name: "nested-if-true-true", conf: one(tlsVHost("1", "require", setDN+sec(`If "true"`, sec(`If "true"`, unsetDN))+proxy)), want: want(frontend.Cleared)},
	{name: "nested-if-true-false", conf: one(tlsVHost("1", "require", setDN+sec(`If "true"`, sec(`If "false"`, unsetDN))+proxy)), want: want(frontend.Verified)},
	{name: "nested-if-verified-no-unset", conf: one(tlsVHost("1", "optional", sec(`If "true"`, sec(`If "%{SSL_CLIENT_VERIFY} == 'SUCCESS'"`, setDN))+proxy)), want: want(frontend.Forgeable)},
	{name: "nested-if-after-its-parent", conf: one(tlsVHost("1", "require", sec(`If "true"`, sec(`If "true"`, unsetDN)+setDN)+proxy)), want: want(frontend.Cleared)},
	{name: "elseif-verified", conf: one(tlsVHost("1", "optional", sec(`If "-z %{SSL_CLIENT_S_DN}"`, unsetDN)+sec(`ElseIf "%{SSL_CLIENT_VERIFY} == 'SUCCESS'"`, setDN)+proxy)), want: want(frontend.Verified)},
	{name: "elseif-else", conf: one(tlsVHost("1", "require", setDN+sec(`If "false"`, "")+sec(`ElseIf "false"`, "")+sec("Else", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "elseif-after-true-if", conf: one(tlsVHost("1", "require", setDN+sec(`If "true"`, "")+sec(`ElseIf "true"`, unsetDN)+proxy)), want: want(frontend.Verified)},
	{name: "if-in-location", conf: one(tlsVHost("1", "require", setDN+sec("Location /", sec(`If "true"`, unsetDN))+proxy)), want: want(frontend.Cleared)},

	// <IfModule>, <IfDefine>, <IfVersion>
	{name: "ifmodule-loaded", conf: one(tlsVHost("1", "require", sec("IfModule mod_headers.c", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifmodule-identifier", conf: one(tlsVHost("1", "require", sec("IfModule headers_module", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifmodule-not-loaded", conf: one(tlsVHost("1", "require", sec("IfModule mod_rewrite.c", unsetDN)+proxy)), want: want(frontend.Forgeable)},
	{name: "ifmodule-negated", conf: one(tlsVHost("1", "require", sec("IfModule !mod_rewrite.c", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifmodule-compiled-in", conf: one(tlsVHost("1", "require", sec("IfModule mod_version.c", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifmodule-wraps-vhost", conf: one("<IfModule mod_ssl.c>\n" + tlsVHost("1", "require", setDN+proxy) + "</IfModule>\n"), want: want(frontend.Verified)},
	{name: "ifmodule-before-its-loadmodule", conf: one("<IfModule mod_remoteip.c>\n" + unsetDN + "</IfModule>\nLoadModule remoteip_module {{MODULES}}/mod_remoteip.so\n" + plainVHost("2", proxy)), want: want(frontend.Forgeable)},
	{name: "ifmodule-after-its-loadmodule", conf: one("LoadModule remoteip_module {{MODULES}}/mod_remoteip.so\n<IfModule mod_remoteip.c>\n" + unsetDN + "</IfModule>\n" + plainVHost("2", proxy)), want: want(frontend.Cleared)},
	{name: "ifmodule-holds-location", conf: one(tlsVHost("1", "require", setDN+sec("IfModule mod_headers.c", sec("Location /", unsetDN))+proxy)), want: want(frontend.Cleared)},
	{name: "htaccess-ifmodule-loaded", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride FileInfo\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "<IfModule mod_headers.c>\n" + unsetDN + "</IfModule>\n"}, want: want(frontend.Cleared)},
	{name: "htaccess-ifmodule-not-loaded", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride FileInfo\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "<IfModule mod_rewrite.c>\n" + unsetDN + "</IfModule>\n"}, want: want(frontend.Forgeable)},
	{name: "htaccess-ifmodule-rejected-answers-500", conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride AuthConfig\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "<IfModule mod_headers.c>\n" + unsetDN + "</IfModule>\n"}, want: want(frontend.NotSent)},
	{name: "ifdefine-defined", conf: one("Define DJLEAK_UNSET\n" + tlsVHost("1", "require", setDN+sec("IfDefine DJLEAK_UNSET", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifdefine-never-defined", conf: one(tlsVHost("1", "require", sec("IfDefine DJLEAK_UNSET", unsetDN)+proxy)), want: want(frontend.Forgeable)},
	{name: "ifdefine-undefined-negated", conf: one("Define DJLEAK_X\nUnDefine DJLEAK_X\n" + tlsVHost("1", "require", sec("IfDefine !DJLEAK_X", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifdefine-defined-negated", conf: one("Define DJLEAK_X\n" + tlsVHost("1", "require", setDN+sec("IfDefine !DJLEAK_X", unsetDN)+proxy)), want: want(frontend.Verified)},
	{name: "ifversion-at-least-2.4", conf: one(tlsVHost("1", "require", sec("IfVersion >= 2.4", unsetDN)+proxy)), want: want(frontend.Cleared)},
	{name: "ifversion-before-2.4", conf: one(tlsVHost("1", "require", setDN+sec("IfVersion < 2.4", unsetDN)+proxy)), want: want(frontend.Verified)},
	{name: "ifversion-negated-2.2", conf: one(tlsVHost("1", "require", sec("IfVersion != 2.2", unsetDN)+proxy)), want: want(frontend.Cleared)},

	// ProxyPassMatch and WSGIScriptAliasMatch
	{name: "proxypassmatch-set", paths: []string{"/api/x"}, conf: one(tlsVHost("1", "require", setDN+"\tRequestHeader set X-Oracle-Route main\n\tProxyPassMatch \"^/(api/.*)$\" http://{{BACKEND}}/$1\n")), want: want(frontend.Verified)},
	{name: "proxypassmatch-nothing", paths: []string{"/api/x"}, conf: one(tlsVHost("1", "require", "\tRequestHeader set X-Oracle-Route main\n\tProxyPassMatch \"^/(api/.*)$\" http://{{BACKEND}}/$1\n")), want: want(frontend.Forgeable)},
	{name: "proxypassmatch-proxy-section", paths: []string{"/api/x"}, conf: one(tlsVHost("1", "require", sec("Proxy http://{{BACKEND}}/", unsetDN)+"\tRequestHeader set X-Oracle-Route main\n\tProxyPassMatch \"^/(api/.*)$\" http://{{BACKEND}}/$1\n")), want: want(frontend.Cleared)},
	{name: "locationmatch-proxypassmatch-nothing", paths: []string{"/api/x"}, want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", "\t<LocationMatch \"^/api/\">\n\t\tRequestHeader set X-Oracle-Route main\n\t\tProxyPassMatch http://{{BACKEND}}/\n\t</LocationMatch>\n"))},
	{name: "location-tilde-proxypassmatch", paths: []string{"/api/x"}, want: want(frontend.Cleared), conf: one(tlsVHost("1", "require", setDN+"\t<Location ~ \"^/api/\">\n\t\tRequestHeader set X-Oracle-Route main\n"+"\t"+unsetDN+"\t\tProxyPassMatch http://{{BACKEND}}/\n\t</Location>\n"))},
	{name: "locationmatch-proxypassmatch-set", paths: []string{"/api/x"}, want: want(frontend.Verified), conf: one(tlsVHost("1", "require", "\t<LocationMatch \"^/api/\">\n\t\tRequestHeader set X-Oracle-Route main\n"+"\t"+setDN+"\t\tProxyPassMatch http://{{BACKEND}}/\n\t</LocationMatch>\n"))},
	{name: "wsgiscriptaliasmatch-set", paths: []string{"/x"}, conf: one(tlsVHost("1", "require", setDN+"\tWSGIScriptAliasMatch \"^/(.*)$\" {{WSGI}}\n")), want: want(frontend.Verified)},
	{name: "wsgiscriptaliasmatch-nothing", paths: []string{"/x"}, conf: one(tlsVHost("1", "require", "\tWSGIScriptAliasMatch \"^/(.*)$\" {{WSGI}}\n")), want: want(frontend.Forgeable)},
	{name: "wsgiscriptaliasmatch-files", paths: []string{"/x"}, conf: one(tlsVHost("1", "require", setDN+sec("Files echo.wsgi", unsetDN)+"\tWSGIScriptAliasMatch \"^/(.*)$\" {{WSGI}}\n")), want: want(frontend.Cleared)},

	// `early` runs before every section
	{name: "early-unset-before-proxy-set", conf: one(tlsVHost("1", "require", sec("Proxy *", setDN)+"\tRequestHeader unset X-SSL-Client-DN early\n"+proxy)), want: want(frontend.Verified)},
	{name: "server-early-unset-before-files-set", conf: one("RequestHeader unset X-SSL-Client-DN early\n" + tlsVHost("1", "require", sec("Files echo.wsgi", setDN)+wsgi)), want: want(frontend.Verified)},
	{name: "early-in-location", want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", sec("Location /", "\tRequestHeader unset X-SSL-Client-DN early\n")+proxy))},
	{name: "early-in-proxy", want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", sec("Proxy *", "\tRequestHeader unset X-SSL-Client-DN early\n")+proxy))},
	{name: "early-in-if", want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", sec(`If "true"`, "\tRequestHeader unset X-SSL-Client-DN early\n")+proxy))},
	{name: "early-in-directory", want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", sec("Directory {{ROOT}}", "\tRequestHeader unset X-SSL-Client-DN early\n")+wsgi))},
	{name: "early-in-ifmodule", want: want(frontend.Cleared), conf: one(tlsVHost("1", "require", sec("IfModule mod_headers.c", "\tRequestHeader unset X-SSL-Client-DN early\n")+proxy))},
	{name: "early-in-htaccess", want: want(frontend.Forgeable), conf: one(tlsVHost("1", "require", "\t<Directory {{ROOT}}>\n\t\tAllowOverride FileInfo\n\t</Directory>\n"+wsgi)),
		files: map[string]string{".htaccess": "RequestHeader unset X-SSL-Client-DN early\n"}},
	{name: "early-in-location-after-vhost-set", want: want(frontend.Verified), conf: one(tlsVHost("1", "require", setDN+sec("Location /", "\tRequestHeader unset X-SSL-Client-DN early\n")+proxy))},
	{name: "early-set-then-proxy-unset", conf: one(tlsVHost("1", "require", "\tRequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\" early\n"+sec("Proxy *", unsetDN)+proxy)), want: want(frontend.Cleared)},
}

func init() { oracleCases = append(oracleCases, sectionCases...) }
