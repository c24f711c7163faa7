//go:build !unix

package durable

import "github.com/shirou/gopsutil/v4/process"

// ProcessAlive reports whether a process with this pid exists. When that
// cannot be told, it says yes: a temporary is then kept, never lost.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	ok, err := process.PidExists(int32(pid))
	return ok || err != nil
}
