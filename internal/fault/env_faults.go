//go:build faults

package fault

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// init arms the points FOSSAMAINT_FAULT names, as "point=action" pairs
// separated by commas. Actions: kill (SIGKILL to ourselves: a kill -9),
// exit (exit 137 at once, no cleanup), error (the point fails), interrupt
// (SIGINT to ourselves, as Ctrl-C; the point then waits for the run to
// notice). Only binaries built with -tags faults have this.
func init() {
	spec := os.Getenv("FOSSAMAINT_FAULT")
	if spec == "" {
		return
	}
	for _, pair := range strings.Split(spec, ",") {
		name, action, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if !slices.Contains(Points, name) {
			fmt.Fprintf(os.Stderr, "FOSSAMAINT_FAULT: unknown point %q (points: %s)\n", name, strings.Join(Points, ", "))
			os.Exit(64)
		}
		hook, ok := envActions[action]
		if !ok {
			fmt.Fprintf(os.Stderr, "FOSSAMAINT_FAULT: unknown action %q for %s (kill, exit, error, interrupt)\n", action, name)
			os.Exit(64)
		}
		Arm(name, hook)
	}
}

var envActions = map[string]func(string) error{
	"kill": func(string) error {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal arrives; nothing after it may run
	},
	"exit":  func(string) error { os.Exit(137); return nil },
	"error": Fail,
	"interrupt": func(string) error {
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(200 * time.Millisecond)
		return nil
	},
}
