//go:build unix

package sqlitedb

import (
	"io/fs"
	"os"
	"syscall"
)

// syncDir fsyncs a directory so that a rename or new entry in it survives
// a crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fileError("opening directory "+dir+" to fsync it", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fileError("fsyncing directory "+dir, err)
	}
	return f.Close()
}

// fileOwner returns the uid and gid of a stat result.
func fileOwner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
