//go:build unix && !linux

package versitygw

import "syscall"

const deathSignal = false

// procAttr puts the server in its own session (the terminal's Ctrl-C is
// this process's to handle: it stops the server itself).
func procAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
