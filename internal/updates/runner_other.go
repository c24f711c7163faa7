//go:build !unix

package updates

import (
	"errors"
	"io/fs"
	"os/exec"
	"runtime"
)

// errNoOwners: only unix has root and the other users' credentials.
var errNoOwners = errors.New("running a command as another user is not supported on " + runtime.GOOS)

// OwnerOf is not supported here: fossamaint never runs a command as
// another user on this system (there is no root to step down from).
func OwnerOf(path string) (Owner, error) { return Owner{}, errNoOwners }

func (o *Owner) asOwner(*exec.Cmd, []string) error { return errNoOwners }

func fileUID(fs.FileInfo) int64 { return -1 }

func keepOwner(string, fs.FileInfo) error { return nil }

func (o Owner) canReach(string, fs.FileMode) error { return errNoOwners }
