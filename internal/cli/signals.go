package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a run as Ctrl-C does: the in-flight mutating step is
// undone, the remaining steps are marked not run, the report is written
// and the exit code is 130. SIGHUP is among them because a closed SSH
// session sends it: a run started by hand must not die mid-step when the
// connection drops.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// Run is the program: Main under a context that stopSignals cancel.
// cmd/fossamaint calls it, and so do the tests that run the binary.
func Run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	return Main(ctx, args, stdout, stderr)
}
