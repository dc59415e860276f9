package ngxmodel_test

import (
	"os"
	"testing"

	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// Debian's lua module (libnginx-mod-http-lua, with the NDK it needs).
const (
	ndkModule = "/usr/lib/nginx/modules/ndk_http_module.so"
	luaModule = "/usr/lib/nginx/modules/ngx_http_lua_module.so"
)

// luaGateConfig has one location that rejects unverified clients in Lua,
// one whose Lua only logs, and one whose Lua compares with the wrong value.
const luaGateConfig = `
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client optional;
    ssl_client_certificate {{CA}};
    location /gated/ {
        access_by_lua_block {
            if ngx.var.ssl_client_verify ~= "SUCCESS" then
                return ngx.exit(403)
            end
        }
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
    location /rewrite/ {
        rewrite_by_lua_block {
            if ngx.var.ssl_client_verify ~= 'SUCCESS' then ngx.exit(ngx.HTTP_FORBIDDEN) end
        }
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
    location /logged/ {
        access_by_lua_block {
            ngx.log(ngx.INFO, "client: ", ngx.var.ssl_client_s_dn or "{none}")
        }
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
    location /wrong/ {
        access_by_lua_block {
            if ngx.var.ssl_client_verify ~= "NONE" then
                return ngx.exit(403)
            end
        }
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`

// A Lua verification gate, as VerifyGate recognises it, is proven against
// nginx with Debian's lua module: where the model sees a gate, a client
// without a certificate is refused and one with a valid certificate
// passes; where it sees none, the client without a certificate reaches
// the application.
func TestLuaVerifyGateAgreesWithNginx(t *testing.T) {
	nginxtest.Require(t)
	if _, err := os.Stat(luaModule); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the nginx lua module is required when CI is set (.ci/install-deps installs libnginx-mod-http-lua): %v", err)
		}
		t.Skipf("nginx lua module not installed: %v", err)
	}
	m := loadModel(t, "-- nginx/site.conf --\n"+staticText(luaGateConfig))
	gated := map[string]bool{}
	for _, u := range m.Upstreams() {
		gated[u.Scope.Dir.Arg(0)] = ngxmodel.VerifyGate(u.Scope, true) != nil
	}

	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	s := nginxtest.StartConfig(t, nginxtest.Config{
		Main:        "load_module " + ndkModule + ";\nload_module " + luaModule + ";",
		HTTP:        luaGateConfig,
		PKI:         pki,
		HTTPBackend: be,
	})
	for _, loc := range []string{"/gated/", "/rewrite/", "/logged/", "/wrong/"} {
		noCert := s.Request(t, s.Port(1), true, loc, nil, nginxtest.NoCert)
		valid := s.Request(t, s.Port(1), true, loc, nil, nginxtest.ValidCert)
		t.Logf("%s: %d without a certificate, %d with one; model gate=%v", loc, noCert, valid, gated[loc])
		realGate := noCert == 403 && valid == 200
		open := noCert == 200
		if !realGate && !open {
			t.Errorf("%s: nginx answered %d without and %d with a certificate", loc, noCert, valid)
			continue
		}
		if gated[loc] != realGate {
			t.Errorf("%s: model gate=%v, nginx refuses clients without a certificate=%v (statuses %d, %d)",
				loc, gated[loc], realGate, noCert, valid)
		}
	}
	if !gated["/gated/"] || !gated["/rewrite/"] || gated["/logged/"] {
		t.Errorf("model gates %v", gated)
	}
}
