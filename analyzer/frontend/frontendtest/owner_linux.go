package frontendtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// listenedBy reports whether the TCP socket listening on port belongs to a
// process of process group pgid. Between FreePorts closing its probe and
// the server binding, another test's process can take the port; a server
// that then waits to bind (gunicorn retries) leaves the port answering
// for someone else, and the battery would test the wrong server.
func listenedBy(pgid, port int) (bool, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := listeningSockets(table, port, inodes); err != nil {
			return false, err
		}
	}
	if len(inodes) == 0 {
		return false, nil
	}
	procs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return false, err
	}
	for _, dir := range procs {
		if pg, ok := processGroup(dir); !ok || pg != pgid {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(dir, "fd"))
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") && inodes[strings.TrimSuffix(link[len("socket:["):], "]")] {
				return true, nil
			}
		}
	}
	return false, nil
}

// listeningSockets adds the inodes of table's sockets in the LISTEN state
// on port.
func listeningSockets(table string, port int, inodes map[string]bool) error {
	data, err := os.ReadFile(table)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	want := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) >= 10 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
			inodes[f[9]] = true
		}
	}
	return sc.Err()
}

// processGroup is the process group of the process whose /proc directory
// is dir.
func processGroup(dir string) (int, bool) {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	f := strings.Fields(string(rest))
	if len(f) < 3 {
		return 0, false
	}
	pg, err := strconv.Atoi(f[2])
	return pg, err == nil
}
