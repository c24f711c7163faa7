package cli

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fossawork/fossamaint/internal/fault"
)

// scriptClock lets a script move the clock forward in the middle of a
// run, as a step that takes minutes would (the window_overrun scripts):
// FOSSAMAINT_TEST_JUMP=<fault point>=<duration> makes wallClock jump by
// duration each time the run reaches the point. Only the test binary
// reads it.
func scriptClock() {
	spec := os.Getenv("FOSSAMAINT_TEST_JUMP")
	if spec == "" {
		return
	}
	point, d, ok := strings.Cut(spec, "=")
	dur, err := time.ParseDuration(d)
	if !ok || err != nil {
		fmt.Fprintf(os.Stderr, "FOSSAMAINT_TEST_JUMP=%q: want <fault point>=<duration>\n", spec)
		os.Exit(64)
	}
	var jump atomic.Int64
	wallClock = func() time.Time { return time.Now().Add(time.Duration(jump.Load())) }
	fault.Arm(point, func(string) error {
		jump.Add(int64(dur))
		return nil
	})
}
