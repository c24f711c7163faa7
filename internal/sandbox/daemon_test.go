package sandbox

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDaemonLifecycle starts this test binary as the daemon (see
// TestMain), talks to it over loopback, and stops it.
func TestDaemonLifecycle(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("re-exec daemon test uses SIGTERM")
	}
	dir, s := tinyInstall(t, nil)
	t.Setenv(envServe, dir)
	ctx := context.Background()
	argv := []string{os.Args[0], "-test.run=^$"}
	if err := StartDaemon(ctx, dir, argv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = StopDaemon(context.Background(), dir, time.Second) })
	pid, running, err := DaemonStatus(dir)
	if err != nil || !running || pid <= 0 {
		t.Fatalf("status after start = %d %v %v", pid, running, err)
	}
	waitFor(t, func() bool {
		resp, err := (&httpClient).Get("http://" + s.Addr + "/api/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, "the daemon to answer /api/health")
	if code, body := do(t, "GET", "http://"+s.Addr+"/api/auth/validate", "", ""); code != 401 {
		t.Errorf("validate = %d %s", code, body)
	}

	// Starting again leaves the running daemon alone.
	if err := StartDaemon(ctx, dir, argv); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := DaemonStatus(dir); again != pid {
		t.Errorf("second start replaced pid %d with %d", pid, again)
	}

	if err := StopDaemon(ctx, dir, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, running, err := DaemonStatus(dir); running || err != nil {
		t.Errorf("status after stop = %v %v", running, err)
	}
	if _, err := os.Stat(s.Pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile left behind: %v", err)
	}
	if err := StopDaemon(ctx, dir, time.Second); err != nil {
		t.Errorf("stopping a stopped daemon = %v", err)
	}
	if out := readFile(t, s.Logfile); strings.Contains(out, "demo backend:") {
		t.Errorf("daemon reported an error:\n%s", out)
	}
	// Any day's file: the daemon's clock is the wall clock.
	general, _ := filepath.Glob(filepath.Join(s.LogDir, "backend", "backend-general-*.jsonl"))
	var log string
	for _, p := range general {
		log += readFile(t, p)
	}
	if !strings.Contains(log, "Shutting down") {
		t.Errorf("daemon did not shut down gracefully:\n%s", log)
	}
}

// TestDaemonEscalates: a process that ignores SIGTERM is killed after the
// timeout.
func TestDaemonEscalates(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM escalation is unix-only")
	}
	dir, _ := tinyInstall(t, nil)
	ready := filepath.Join(t.TempDir(), "ignoring-sigterm")
	t.Setenv(envStubborn, ready)
	ctx := context.Background()
	if err := StartDaemon(ctx, dir, []string{os.Args[0], "-test.run=^$"}); err != nil {
		t.Fatal(err)
	}
	// Signal only once the child ignores SIGTERM (however slow the
	// machine is to start it).
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stubborn child never said it ignores SIGTERM")
		}
	}
	start := time.Now()
	if err := StopDaemon(ctx, dir, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, running, _ := DaemonStatus(dir); running {
		t.Error("still running after StopDaemon")
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("StopDaemon returned before its timeout: SIGTERM was not ignored, so escalation was not tested")
	}
}

func TestDaemonStatusPidfiles(t *testing.T) {
	dir, s := tinyInstall(t, nil)
	tests := []struct {
		name, content string
		running       bool
		wantErr       bool
	}{
		{"none", "", false, false},
		{"garbage", "not-a-pid\n", false, true},
		{"dead", "2147483646\n", false, false},
		{"self", itoa(os.Getpid()) + "\n", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(s.Pidfile)
			if tt.content != "" {
				if err := os.MkdirAll(strings.TrimSuffix(s.Pidfile, "/backend.pid"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(s.Pidfile, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, running, err := DaemonStatus(dir)
			if running != tt.running || (err != nil) != tt.wantErr {
				t.Errorf("DaemonStatus = %v, %v; want running %v, error %v", running, err, tt.running, tt.wantErr)
			}
		})
	}
}

var httpClient = http.Client{Timeout: 2 * time.Second}

func itoa(n int) string { return strconv.Itoa(n) }
