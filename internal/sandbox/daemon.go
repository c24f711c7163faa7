package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
)

// pollEvery is how often StopDaemon looks whether the process has gone: it
// is not our child, so there is nothing to wait on.
const pollEvery = 25 * time.Millisecond

// killGrace is how long StopDaemon waits after SIGKILL.
const killGrace = 5 * time.Second

// StartDaemon starts argv (e.g. [exe demo-backend serve --dir dir])
// detached from this process, with output appended to the settings'
// logfile, and records its pid in the pidfile. It does not wait for the
// backend to be healthy: readiness polling is the service manager's job.
// A daemon already running is left alone.
func StartDaemon(ctx context.Context, dir string, argv []string) error {
	if len(argv) == 0 {
		return errors.New("starting demo backend: empty command")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := LoadSettings(dir)
	if err != nil {
		return err
	}
	if _, running, err := daemonStatus(s); err != nil {
		return err
	} else if running {
		return nil
	}
	for _, p := range []string{s.Logfile, s.Pidfile} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(p), err)
		}
	}
	out, err := os.OpenFile(s.Logfile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening daemon log %s: %w", s.Logfile, err)
	}
	defer out.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("opening %s: %w", os.DevNull, err)
	}
	defer null.Close()
	// Not CommandContext: the daemon must outlive this call and its ctx.
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = dir, null, out, out
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting demo backend %s: %w", argv[0], err)
	}
	pid := cmd.Process.Pid
	if err := durable.WriteFile(s.Pidfile, []byte(strconv.Itoa(pid)+"\n"), 0o600, "pidfile"); err != nil {
		return errors.Join(err, cmd.Process.Kill(), cmd.Wait())
	}
	// Reap the child if it exits while this process lives, or it stays a
	// zombie that looks alive to DaemonStatus.
	go func() { _ = cmd.Wait() }()
	return nil
}

// StopDaemon sends the daemon SIGTERM (Kill on Windows), waits up to
// timeout for it to exit, then kills it, and removes the pidfile. A daemon
// that is not running is not an error.
func StopDaemon(ctx context.Context, dir string, timeout time.Duration) error {
	s, err := LoadSettings(dir)
	if err != nil {
		return err
	}
	pid, running, err := daemonStatus(s)
	if err != nil {
		return err
	}
	if running {
		if err := terminate(pid); err != nil && processAlive(pid) {
			return fmt.Errorf("stopping demo backend pid %d: %w", pid, err)
		}
		if err := waitExit(ctx, pid, timeout); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("stopping demo backend pid %d: %w", pid, err)
			}
			if err := kill(pid); err != nil && processAlive(pid) {
				return fmt.Errorf("killing demo backend pid %d: %w", pid, err)
			}
			if err := waitExit(ctx, pid, killGrace); err != nil {
				return fmt.Errorf("demo backend pid %d survived SIGKILL: %w", pid, err)
			}
		}
	}
	if err := removeIfExists(s.Pidfile); err != nil {
		return fmt.Errorf("removing pidfile %s: %w", s.Pidfile, err)
	}
	return nil
}

var errStillRunning = errors.New("still running")

func waitExit(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for processAlive(pid) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return errStillRunning
		case <-tick.C:
		}
	}
	return nil
}

// DaemonStatus reads the pidfile and says whether that process is alive.
// No pidfile means not running, without error.
func DaemonStatus(dir string) (pid int, running bool, err error) {
	s, err := LoadSettings(dir)
	if err != nil {
		return 0, false, err
	}
	return daemonStatus(s)
}

func daemonStatus(s Settings) (int, bool, error) {
	data, err := os.ReadFile(s.Pidfile)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading pidfile %s: %w", s.Pidfile, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false, fmt.Errorf("pidfile %s does not hold a pid: %q", s.Pidfile, strings.TrimSpace(string(data)))
	}
	return pid, processAlive(pid), nil
}
