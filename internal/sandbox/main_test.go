package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// The daemon tests re-execute this test binary as the daemon: with
// envServe set it runs RunBackend on that dir instead of the tests; with
// envStubborn it ignores SIGTERM so StopDaemon has to escalate (and
// creates the file the variable names once it does).
const (
	envServe    = "FOSSAMAINT_SANDBOX_TEST_SERVE"
	envStubborn = "FOSSAMAINT_SANDBOX_TEST_STUBBORN"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envServe); dir != "" {
		os.Exit(serveForTest(dir))
	}
	if ready := os.Getenv(envStubborn); ready != "" {
		signal.Ignore(syscall.SIGTERM)
		// Says it now ignores SIGTERM: the test signals only then.
		_ = os.WriteFile(ready, nil, 0o600)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	code := m.Run()
	if smallDir != "" {
		os.RemoveAll(smallDir)
	}
	os.Exit(code)
}

func serveForTest(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := RunBackend(ctx, dir); err != nil {
		fmt.Fprintln(os.Stderr, "demo backend:", err)
		return 1
	}
	return 0
}
