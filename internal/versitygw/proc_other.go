//go:build !unix

package versitygw

import "syscall"

const deathSignal = false

func procAttr(bool) *syscall.SysProcAttr { return nil }
