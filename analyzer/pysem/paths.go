package pysem

import "strings"

// PathCall reports whether a call of fn (the callee as written: "Path",
// "pathlib.Path", "os.path.join") builds a file-system path: one of
// pathlib's path classes or os.path's functions that return a path. A
// name that says "secret" holding such a value names where a secret is
// kept (SECRET_KEY = Path("/etc/app/secret_key.conf")), not the secret.
func PathCall(fn string) bool {
	last := fn
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		last = fn[i+1:]
	}
	switch last {
	case "Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath":
		return fn == last || strings.HasSuffix(fn, "pathlib."+last)
	}
	switch fn {
	case "os.path.join", "os.path.abspath", "os.path.realpath", "os.path.normpath", "os.path.expanduser",
		"os.path.expandvars", "os.path.dirname", "os.path.relpath", "path.join", "posixpath.join":
		return true
	}
	return false
}
