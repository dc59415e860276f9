package driver

import (
	"os"
	"syscall"
)

// sysStamp is the device, inode and status-change time of a file.
func sysStamp(info os.FileInfo) (dev, ino uint64, ctime int64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino, st.Ctim.Nano()
	}
	return 0, 0, 0
}
