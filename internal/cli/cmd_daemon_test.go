package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDaemonStopsOnSIGTERM: the daemon, waiting for its next job on the
// real clock, stops at once on SIGTERM (a container's stop) with exit 0
// and says so.
func TestDaemonStopsOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("root: .\nstate_dir: state\nservices:\n  manager: none\nwindow:\n  timezone: UTC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(fossamaintBinary(t), "daemon", "--config", cfg)
	cmd.Env = childEnv()
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	// The first "next:" line: the loop runs, so the signal handler is set.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stdout.String(), " next: "); {
		select {
		case err := <-waited:
			t.Fatalf("the daemon ended (%v):\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no next: line:\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("SIGTERM: %v, want exit 0\n%s\n%s", err, stdout.String(), stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("SIGTERM did not stop the daemon")
	}
	if !strings.Contains(stdout.String(), "stopped while waiting") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}
