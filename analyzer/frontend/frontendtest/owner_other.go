//go:build !linux

package frontendtest

// listenedBy cannot tell a socket's owner here; the port is taken as the
// server's.
func listenedBy(pgid, port int) (bool, error) { return true, nil }
