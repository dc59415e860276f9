package nginxtest

import "syscall"

// quitSignal asks nginx for a graceful shutdown.
var quitSignal = syscall.SIGQUIT

// sysProcAttr makes the kernel kill nginx if the test binary dies without
// running its cleanups (e.g. on a test timeout panic).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
