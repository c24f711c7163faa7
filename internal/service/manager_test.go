package service

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

func TestNew(t *testing.T) {
	units := []config.Service{{Name: "a", Start: []string{"x"}, Stop: []string{"x"}, Status: []string{"x"}}}
	tests := []struct {
		manager string
		units   []config.Service
		want    string
		wantErr string
	}{
		{"systemd", nil, "*service.Systemd", ""},
		{"exec", units, "*service.Exec", ""},
		{"exec", []config.Service{{Name: "a"}}, "", "needs start, stop and status"},
		{"none", nil, "service.None", ""},
		{"", nil, "", "is not one of"},
		{"upstart", nil, "", `"upstart" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.manager, func(t *testing.T) {
			m, err := New(config.Services{Manager: tt.manager, Units: tt.units})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(m); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func typeName(m Manager) string {
	switch m.(type) {
	case *Systemd:
		return "*service.Systemd"
	case *Exec:
		return "*service.Exec"
	case None:
		return "service.None"
	}
	return "?"
}

func TestNone(t *testing.T) {
	var m None
	ctx := t.Context()
	if err := m.Start(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if on, err := m.Active(ctx, "x"); !on || err != nil {
		t.Fatalf("active %v %v", on, err)
	}
}

func TestStartAndWait(t *testing.T) {
	dir := t.TempDir()
	unit, _ := stateUnit(t, dir, "backend")
	broken := config.Service{Name: "broken", Start: []string{script(t, dir, "broken", "echo cannot bind >&2; exit 1\n")},
		Stop: []string{"true"}, Status: []string{"true"}}
	m, err := NewExec([]config.Service{unit, broken})
	if err != nil {
		t.Fatal(err)
	}
	errNotYet := errors.New("connection refused")
	// readyAfter fails n times, then succeeds, but only once the unit runs.
	readyAfter := func(n int64, calls *atomic.Int64) func(context.Context) error {
		return func(ctx context.Context) error {
			on, err := m.Active(ctx, "backend")
			if err != nil {
				return err
			}
			if !on || calls.Add(1) <= n {
				return errNotYet
			}
			return nil
		}
	}
	tests := []struct {
		name      string
		unit      string
		failures  int64
		timeout   time.Duration
		wantErr   string
		wantCalls int64
	}{
		{"ready at once", "backend", 0, time.Minute, "", 1},
		{"ready after 2 failed probes", "backend", 2, time.Minute, "", 3},
		{"start fails, no probing", "broken", 0, time.Minute, "cannot bind", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			if err := m.Stop(t.Context(), "backend"); err != nil {
				t.Fatal(err)
			}
			d, err := StartAndWait(t.Context(), m, tt.unit, readyAfter(tt.failures, &calls), tt.timeout)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if calls.Load() != tt.wantCalls {
				t.Fatalf("%d successful-state probes, want %d", calls.Load(), tt.wantCalls)
			}
			if tt.wantErr == "" && d <= 0 {
				t.Fatalf("time to ready %v", d)
			}
		})
	}
}

func TestStartAndWaitNeverReady(t *testing.T) {
	errDown := errors.New("GET http://localhost:8000/api/health: connection refused")
	probe := func(context.Context) error { return errDown }
	_, err := StartAndWait(t.Context(), None{}, "backend", probe, 250*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errDown) {
		t.Fatalf("error %v should wrap the deadline and the last probe error", err)
	}
	if !strings.Contains(err.Error(), "not ready within 250ms") {
		t.Fatalf("error %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = StartAndWait(ctx, None{}, "backend", probe, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if _, err := StartAndWait(t.Context(), None{}, "backend", nil, time.Minute); err == nil {
		t.Fatal("nil probe accepted")
	}
}
