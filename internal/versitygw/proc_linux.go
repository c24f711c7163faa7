package versitygw

import "syscall"

const deathSignal = true

// procAttr puts the server in its own session (the terminal's Ctrl-C is
// this process's to handle: it stops the server itself) and, unless
// detached, has the kernel kill it when this process dies.
func procAttr(detach bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setsid: true}
	if !detach {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}
