package service

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

// stateUnit is a service whose "running" state is a file: start creates
// it, stop removes it, status tests it. The state path is passed as argv.
func stateUnit(t *testing.T, dir, name string) (config.Service, string) {
	t.Helper()
	state := filepath.Join(dir, name+".running")
	return config.Service{
		Name:   name,
		Start:  []string{script(t, dir, name+"-start", `touch "$1"`+"\n"), state},
		Stop:   []string{script(t, dir, name+"-stop", `rm -f "$1"`+"\n"), state},
		Status: []string{script(t, dir, name+"-status", `test -f "$1"`+"\n"), state},
	}, state
}

func TestExecLifecycle(t *testing.T) {
	dir := t.TempDir()
	backend, state := stateUnit(t, dir, "backend")
	frontend, _ := stateUnit(t, dir, "frontend")
	m, err := NewExec([]config.Service{backend, frontend})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	steps := []struct {
		name   string
		action func() error
		active bool
	}{
		{"initially stopped", func() error { return nil }, false},
		{"started", func() error { return m.Start(ctx, "backend") }, true},
		{"start again is idempotent", func() error { return m.Start(ctx, "backend") }, true},
		{"stopped", func() error { return m.Stop(ctx, "backend") }, false},
	}
	for _, s := range steps {
		if err := s.action(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := m.Active(ctx, "backend")
		if err != nil || got != s.active {
			t.Fatalf("%s: active %v, %v; want %v", s.name, got, err, s.active)
		}
		if _, err := os.Stat(state); (err == nil) != s.active {
			t.Fatalf("%s: state file disagrees", s.name)
		}
	}
	if on, _ := m.Active(ctx, "frontend"); on {
		t.Fatal("frontend affected by backend commands")
	}
}

func TestExecErrors(t *testing.T) {
	dir := t.TempDir()
	failing := config.Service{
		Name:   "failing",
		Start:  []string{script(t, dir, "fail", "echo 'port 8000 already in use' >&2\nexit 2\n")},
		Stop:   []string{script(t, dir, "noisy", "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; exit 1\n")},
		Status: []string{filepath.Join(dir, "no-such-binary")},
	}
	m, err := NewExec([]config.Service{failing})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	err = m.Start(ctx, "failing")
	if err == nil || !strings.Contains(err.Error(), "exited 2") || !strings.Contains(err.Error(), "port 8000 already in use") {
		t.Fatalf("start error %v", err)
	}
	err = m.Stop(ctx, "failing")
	if err == nil || !strings.Contains(err.Error(), "line 2999") || strings.Contains(err.Error(), "line 1\n") {
		t.Fatalf("stop error should keep the tail of the output: %v", err)
	}
	if len(err.Error()) > outputLimit+512 {
		t.Fatalf("stop error not bounded: %d bytes", len(err.Error()))
	}
	if _, err := m.Active(ctx, "failing"); err == nil || !strings.Contains(err.Error(), "no-such-binary") {
		t.Fatalf("missing status binary: %v", err)
	}
	if err := m.Start(ctx, "other"); err == nil || !strings.Contains(err.Error(), `unknown service "other" (configured: failing)`) {
		t.Fatalf("unknown unit: %v", err)
	}
}

func TestExecStatusNonZeroIsInactive(t *testing.T) {
	dir := t.TempDir()
	for _, code := range []int{1, 3, 4, 127} {
		u := config.Service{Name: "u", Start: []string{"true"}, Stop: []string{"true"},
			Status: []string{script(t, dir, "status"+strconv.Itoa(code), "exit "+strconv.Itoa(code)+"\n")}}
		m, err := NewExec([]config.Service{u})
		if err != nil {
			t.Fatal(err)
		}
		if on, err := m.Active(t.Context(), "u"); on || err != nil {
			t.Errorf("exit %d: active %v, err %v", code, on, err)
		}
	}
}

// A start command that backgrounds a daemon keeping stdout open must not
// hang the start: the output goes to a file, not a pipe.
func TestExecStartLeavingDaemon(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "daemon.pid")
	u := config.Service{Name: "d",
		Start:  []string{script(t, dir, "start", "sleep 60 &\necho $! > \"$1\"\necho started\n"), pidFile},
		Stop:   []string{"true"},
		Status: []string{"true"},
	}
	m, err := NewExec([]config.Service{u})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = m.Start(ctx, "d")
	if b, rerr := os.ReadFile(pidFile); rerr == nil {
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
			if p, ferr := os.FindProcess(pid); ferr == nil {
				p.Kill()
			}
		}
	}
	if err != nil {
		t.Fatalf("start with a daemon left behind: %v", err)
	}
}

func TestExecCancelled(t *testing.T) {
	dir := t.TempDir()
	u := config.Service{Name: "slow", Start: []string{script(t, dir, "slow", "exec sleep 60\n")},
		Stop: []string{"true"}, Status: []string{"true"}}
	m, err := NewExec([]config.Service{u})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Start(ctx, "slow") }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled start: %v", err)
	}
}

func TestNewExecValidates(t *testing.T) {
	ok := config.Service{Name: "a", Start: []string{"x"}, Stop: []string{"x"}, Status: []string{"x"}}
	tests := []struct {
		name    string
		units   []config.Service
		wantErr string
	}{
		{"valid", []config.Service{ok}, ""},
		{"no units", nil, ""},
		{"missing status", []config.Service{{Name: "a", Start: []string{"x"}, Stop: []string{"x"}}}, "needs start, stop and status"},
		{"empty name", []config.Service{{Start: []string{"x"}, Stop: []string{"x"}, Status: []string{"x"}}}, "invalid service name"},
		{"duplicate", []config.Service{ok, ok}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewExec(tt.units)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}
