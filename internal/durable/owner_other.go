//go:build !unix

package durable

import "io/fs"

// FileOwner reports no owner where files have no uid/gid.
func FileOwner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
