//go:build windows

package sandbox

import (
	"os"
	"syscall"
)

const (
	detachedProcess         = 0x00000008
	createNewProcessGroup   = 0x00000200
	processQueryLimitedInfo = 0x1000
	stillActive             = 259
)

func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: detachedProcess | createNewProcessGroup}
}

// terminate: Windows has no SIGTERM for a console-less process; Kill is
// the honest equivalent.
func terminate(pid int) error { return kill(pid) }

func kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Kill()
}

func processAlive(pid int) bool {
	h, err := syscall.OpenProcess(processQueryLimitedInfo, false, uint32(pid))
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	var code uint32
	if err := syscall.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == stillActive
}
