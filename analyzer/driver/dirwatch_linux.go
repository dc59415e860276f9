package driver

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inotify watches directories on Linux.
type inotify struct {
	fd    int
	buf   []byte
	quota int
}

func newWatchSys() watchSys {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil
	}
	// A quarter of the user's allowance of watches; 8192, the old
	// kernels' default, when it cannot be read.
	allowance := 8192
	if b, err := os.ReadFile("/proc/sys/fs/inotify/max_user_watches"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			allowance = n
		}
	}
	return &inotify{fd: fd, buf: make([]byte, 64<<10), quota: allowance / 4}
}

func (n *inotify) budget() int { return n.quota }

// zfsMagic is ZFS's statfs type, which golang.org/x/sys does not name.
const zfsMagic = 0x2fc12fc1

// localFS are the file systems whose every change passes through this
// kernel, so inotify sees it; on others (NFS, SMB, FUSE, 9p, virtiofs) a
// change made elsewhere shows no event.
var localFS = map[int64]bool{
	unix.EXT4_SUPER_MAGIC: true, unix.XFS_SUPER_MAGIC: true, unix.BTRFS_SUPER_MAGIC: true,
	unix.TMPFS_MAGIC: true, unix.OVERLAYFS_SUPER_MAGIC: true, unix.F2FS_SUPER_MAGIC: true,
	unix.BCACHEFS_SUPER_MAGIC: true, unix.RAMFS_MAGIC: true, unix.REISERFS_SUPER_MAGIC: true,
	zfsMagic: true,
}

var errRemoteFS = errors.New("changes on this file system may not be reported")

func (n *inotify) add(dir string) (int, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	if !localFS[int64(st.Type)] {
		return 0, errRemoteFS
	}
	const mask = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE |
		unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
		unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK
	return unix.InotifyAddWatch(n.fd, dir, mask)
}

func (n *inotify) drain(fn func(wd int, name string, ev watchEvent)) error {
	for {
		k, err := unix.Read(n.fd, n.buf)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		for off := 0; off+unix.SizeofInotifyEvent <= k; {
			e := (*unix.InotifyEvent)(unsafe.Pointer(&n.buf[off]))
			end := off + unix.SizeofInotifyEvent + int(e.Len)
			if end > k {
				return errors.New("inotify: truncated event")
			}
			name := n.buf[off+unix.SizeofInotifyEvent : end]
			for len(name) > 0 && name[len(name)-1] == 0 {
				name = name[:len(name)-1]
			}
			fn(int(e.Wd), string(name), eventKind(e.Mask))
			off = end
		}
	}
}

func eventKind(mask uint32) watchEvent {
	switch {
	case mask&unix.IN_Q_OVERFLOW != 0:
		return evOverflow
	case mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_UNMOUNT) != 0:
		return evGone
	case mask&(unix.IN_CREATE|unix.IN_DELETE|unix.IN_MOVED_FROM|unix.IN_MOVED_TO) != 0:
		return evListing
	}
	return evEntry
}

func (n *inotify) remove(wd int) { unix.InotifyRmWatch(n.fd, uint32(wd)) } //nolint:errcheck // gone already is fine

func (n *inotify) close() error { return unix.Close(n.fd) }

// linkCount is the number of hard links to a file.
func linkCount(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}
