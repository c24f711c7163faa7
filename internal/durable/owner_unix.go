//go:build unix

package durable

import (
	"io/fs"
	"syscall"
)

// FileOwner returns the uid and gid of a stat result.
func FileOwner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
