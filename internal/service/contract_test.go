package service

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

// contractCase is one Manager implementation under the contract suite,
// built through New, the registry the weekly run uses. Every manager New
// knows has a row; one that cannot run here skips with the reason, and is
// never replaced by a fake.
type contractCase struct {
	manager string
	// setup returns the service configuration and a unit that exists and
	// is stopped; slow, if not empty, is a unit whose start takes long
	// enough to be cancelled midway.
	setup func(t *testing.T) (cfg config.Services, unit, slow string)
	// operatorManaged: the manager neither starts nor stops anything and
	// vouches that every service runs (None): Active is always true, no
	// unit is unknown and there is nothing to cancel.
	operatorManaged bool
}

var contractCases = []contractCase{
	{manager: "exec", setup: execContract},
	{manager: "systemd", setup: systemdContract},
	{manager: "none", setup: func(*testing.T) (config.Services, string, string) {
		return config.Services{Manager: "none"}, "fossawork-backend", ""
	}, operatorManaged: true},
}

// execContract configures real commands: the unit's state is a file its
// start script creates and its stop script removes; "slow" sleeps.
func execContract(t *testing.T) (config.Services, string, string) {
	dir := t.TempDir()
	unit, _ := stateUnit(t, dir, "backend")
	slow := config.Service{Name: "slow",
		Start:  []string{script(t, dir, "slow-start", "sleep 30\n")},
		Stop:   []string{"true"},
		Status: []string{"false"}}
	return config.Services{Manager: "exec", Units: []config.Service{unit, slow}}, "backend", "slow"
}

// systemdContract runs against the host's systemd, which needs systemd as
// init, a unit the test may start and stop, and the right to do so.
func systemdContract(t *testing.T) (config.Services, string, string) {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		t.Skip("systemd is not the init system here (no /run/systemd/system); the systemd manager's argv and " +
			"exit-code handling are tested against a recording systemctl in systemd_test.go")
	}
	unit := os.Getenv("FOSSAMAINT_TEST_SYSTEMD_UNIT")
	if unit == "" {
		t.Skip("set FOSSAMAINT_TEST_SYSTEMD_UNIT to a stopped, disposable unit (and run as root) to hold systemd to the contract")
	}
	return config.Services{Manager: "systemd"}, unit, ""
}

// TestManagerContract holds every Manager to the same behaviour: start,
// active, stop, an unknown unit, a cancelled context.
func TestManagerContract(t *testing.T) {
	for _, c := range contractCases {
		t.Run(c.manager, func(t *testing.T) {
			cfg, unit, slow := c.setup(t)
			m, err := New(cfg)
			if err != nil {
				t.Fatalf("New(%q): %v", c.manager, err)
			}
			t.Run("lifecycle", func(t *testing.T) { contractLifecycle(t, m, unit, c.operatorManaged) })
			t.Run("unknown unit", func(t *testing.T) { contractUnknown(t, m, c.operatorManaged) })
			t.Run("cancelled context", func(t *testing.T) { contractCancelled(t, m, unit, c.operatorManaged) })
			if slow != "" {
				t.Run("cancelled midway", func(t *testing.T) { contractCancelledMidway(t, m, slow) })
			}
		})
	}
}

func contractLifecycle(t *testing.T, m Manager, unit string, operatorManaged bool) {
	ctx := t.Context()
	wantActive := func(step string, want bool) {
		t.Helper()
		if operatorManaged {
			want = true
		}
		got, err := m.Active(ctx, unit)
		if err != nil || got != want {
			t.Fatalf("%s: Active = %v, %v; want %v", step, got, err, want)
		}
	}
	wantActive("before start", false)
	if err := m.Start(ctx, unit); err != nil {
		t.Fatal("start:", err)
	}
	wantActive("after start", true)
	if err := m.Start(ctx, unit); err != nil {
		t.Fatal("a second start of a running unit:", err)
	}
	wantActive("after a second start", true)
	if err := m.Stop(ctx, unit); err != nil {
		t.Fatal("stop:", err)
	}
	wantActive("after stop", false)
	if err := m.Stop(ctx, unit); err != nil {
		t.Fatal("a second stop of a stopped unit:", err)
	}
}

// contractUnknown: starting or stopping a unit nobody configured is an
// error, and it is never reported active.
func contractUnknown(t *testing.T, m Manager, operatorManaged bool) {
	ctx := t.Context()
	const ghost = "fossamaint-contract-no-such-unit"
	startErr, stopErr := m.Start(ctx, ghost), m.Stop(ctx, ghost)
	active, activeErr := m.Active(ctx, ghost)
	if operatorManaged {
		if startErr != nil || stopErr != nil || activeErr != nil || !active {
			t.Fatalf("the operator's services: start %v, stop %v, active %v %v; want no errors and active", startErr, stopErr, active, activeErr)
		}
		return
	}
	if startErr == nil || stopErr == nil {
		t.Fatalf("unknown unit: start %v, stop %v; want errors", startErr, stopErr)
	}
	if active {
		t.Fatalf("unknown unit reported active (err %v)", activeErr)
	}
	if _, err := m.Active(ctx, "--all"); err == nil {
		t.Fatal("an option-like unit name was not refused")
	}
}

// contractCancelled: with a cancelled context nothing is run and the
// error says so.
func contractCancelled(t *testing.T, m Manager, unit string, operatorManaged bool) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	startErr := m.Start(ctx, unit)
	_, activeErr := m.Active(ctx, unit)
	if operatorManaged {
		if startErr != nil || activeErr != nil {
			t.Fatalf("nothing to cancel, yet start %v, active %v", startErr, activeErr)
		}
		return
	}
	for what, err := range map[string]error{"start": startErr, "active": activeErr} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", what, err)
		}
	}
	if on, err := m.Active(t.Context(), unit); err != nil || on {
		t.Fatalf("a cancelled start left the unit active (%v, %v)", on, err)
	}
}

// contractCancelledMidway: a start that hangs is cut off at the deadline,
// not waited for.
func contractCancelledMidway(t *testing.T, m Manager, slow string) {
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := m.Start(ctx, slow)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("start past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("start returned %s after a 200ms deadline", took)
	}
}

// TestContractCoversEveryManager: New knows exactly the managers the
// contract table lists.
func TestContractCoversEveryManager(t *testing.T) {
	for _, c := range contractCases {
		if c.manager == "exec" {
			continue // needs units; built in its row
		}
		if _, err := New(config.Services{Manager: c.manager}); err != nil {
			t.Errorf("New(%q): %v", c.manager, err)
		}
	}
	if _, err := New(config.Services{Manager: "launchd"}); err == nil {
		t.Error("New accepted a manager the contract does not cover")
	}
}
