package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// TestSignalsInterruptARunAlike runs the binary (the test binary acting as
// fossamaint through cli.Run, as cmd/fossamaint does) on an installation
// whose database service is managed by argv commands, and sends a signal
// while the service is stopped for the database step: Ctrl-C, SIGTERM
// (systemd stopping the timer's unit) and SIGHUP (the SSH session closed)
// must all end the run the same way: the service started again, the
// report written and saying the run was interrupted, exit 130.
func TestSignalsInterruptARunAlike(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	bin := fossamaintBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg := interruptibleInstallation(t, dir)
			cmd := exec.Command(bin, "weekly", "--config", cfg, "--force-window", "--only", "database")
			cmd.Env = childEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			// The stop command marks the moment the service is down.
			stopped := filepath.Join(dir, "stopped")
			deadline := time.Now().Add(time.Minute)
			for !exists(stopped) {
				select {
				case err := <-waited:
					t.Fatalf("the run ended (%v) before the service was stopped:\n%s\n%s", err, stdout.String(), stderr.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("the service was never stopped:\n%s", stderr.String())
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-waited:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("%v did not end the run:\n%s", sig, stderr.String())
			}
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != ExitInterrupted {
				t.Fatalf("%v: %v, want exit %d\nstdout %s\nstderr %s", sig, err, ExitInterrupted, stdout.String(), stderr.String())
			}
			if !exists(filepath.Join(dir, "up")) {
				t.Errorf("%v: the service was not started again:\n%s", sig, stderr.String())
			}
			_, md, ok := strings.Cut(stdout.String(), "report: ")
			if !ok {
				t.Fatalf("%v: no report written:\n%s", sig, stdout.String())
			}
			body, rerr := os.ReadFile(strings.TrimSpace(md))
			if rerr != nil {
				t.Fatal(rerr)
			}
			// What the report shows of an interruption: the step undone
			// and every later phase not run (the run's own words, "run
			// interrupted", go to stderr).
			for _, want := range []string{"undone", "Post-maintenance verification — not run"} {
				if !strings.Contains(string(body), want) {
					t.Errorf("%v: the report does not hold %q:\n%s", sig, want, body)
				}
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("%v: stderr does not say the run was interrupted:\n%s", sig, stderr.String())
			}
		})
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// interruptibleInstallation writes a database and a config whose backend
// unit is three argv commands around the file "up"; stopping it leaves
// "stopped" and then blocks, so a signal lands while the service is down.
func interruptibleInstallation(t *testing.T, dir string) string {
	t.Helper()
	testkit.MakeDB(t, filepath.Join(dir, "backend", "fossawork_v2.db"), 200)
	up, stopped := filepath.Join(dir, "up"), filepath.Join(dir, "stopped")
	testkit.WriteFile(t, up, nil, 0o600)
	body := `root: .
state_dir: state
services:
  manager: exec
  ready_timeout: 10s
  units:
    - name: fossawork-backend
      start: [touch, ` + up + `]
      stop: [sh, -c, 'rm -f ` + up + ` && touch ` + stopped + ` && exec sleep 30']
      status: [test, -e, ` + up + `]
updates:
  apt: {enabled: false}
  pip: {enabled: false}
  npm: {enabled: false}
health:
  endpoints: []
`
	return testkit.WriteFile(t, filepath.Join(dir, "c.yaml"), []byte(body), 0o600)
}
