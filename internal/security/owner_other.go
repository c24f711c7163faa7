//go:build !unix

package security

import "io/fs"

// ownerUID is -1 where files have no numeric owner (Windows).
func ownerUID(fs.FileInfo) int { return -1 }
