//go:build !linux

package nginxtest

import (
	"os"
	"syscall"
)

// quitSignal asks nginx for a graceful shutdown.
var quitSignal os.Signal = syscall.SIGQUIT

func sysProcAttr() *syscall.SysProcAttr { return nil }
