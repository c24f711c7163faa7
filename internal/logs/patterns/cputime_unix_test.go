//go:build unix

package patterns

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used, so a benchmark can
// report lines per CPU-second, which other load on the machine does not
// skew the way it skews wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
