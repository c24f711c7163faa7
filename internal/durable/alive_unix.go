//go:build unix

package durable

import (
	"errors"
	"syscall"
)

// ProcessAlive reports whether a process with this pid exists. Signal 0
// checks without signalling; EPERM means it exists under another user.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
