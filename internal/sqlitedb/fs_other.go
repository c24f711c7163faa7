//go:build !unix

package sqlitedb

import "io/fs"

// syncDir is a no-op where directories cannot be opened for fsync
// (Windows); NTFS journals the rename itself.
func syncDir(string) error { return nil }

// fileOwner reports no owner where files have no uid/gid.
func fileOwner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
