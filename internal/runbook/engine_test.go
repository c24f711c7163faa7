package runbook

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when told, so budget decisions are exact.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func step(name string, kind Kind, budget time.Duration, critical bool, run func(context.Context, *Env) (Result, error)) Step {
	return Step{Name: name, Kind: kind, Budget: budget, Critical: critical, Run: run}
}

func okAfter(c *fakeClock, d time.Duration) func(context.Context, *Env) (Result, error) {
	return func(context.Context, *Env) (Result, error) {
		c.Advance(d)
		return Result{Status: StatusOK}, nil
	}
}

func TestEnginePostponesStepsThatDoNotFit(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}
	e := &Engine{Now: c.Now, Deadline: c.t.Add(60 * time.Minute)}
	plan := Plan{Phases: []Phase{{Name: "a", Steps: []Step{
		step("long", ReadOnly, 30*time.Minute, false, okAfter(c, 45*time.Minute)),
		step("too-big", Mutating, 30*time.Minute, false, okAfter(c, time.Minute)),
		step("critical", ReadOnly, 30*time.Minute, true, okAfter(c, time.Minute)),
		step("small", ReadOnly, 5*time.Minute, false, okAfter(c, time.Minute)),
	}}}}
	run := &Run{RunID: "r1"}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	got := map[string]Status{}
	for _, s := range run.Phases[0].Steps {
		got[s.Name] = s.Status
	}
	want := map[string]Status{"long": StatusOK, "too-big": StatusPostponed, "critical": StatusOK, "small": StatusOK}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if run.Status != RunWarn {
		t.Errorf("run status %s, want warn (a postponed step)", run.Status)
	}
	if !strings.Contains(run.Phases[0].Steps[1].Note, "15m 00s left") {
		t.Errorf("note %q should say how much time was left", run.Phases[0].Steps[1].Note)
	}
}

func TestEngineDryRunRecordsInsteadOfActing(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	acted := false
	e := &Engine{Now: c.Now, DryRun: true}
	plan := Plan{Phases: []Phase{{Name: "p", Steps: []Step{step("chmod", Mutating, 0, false,
		func(ctx context.Context, env *Env) (Result, error) {
			err := env.Do(ctx, "chmod 600 .env", func(context.Context) error { acted = true; return nil })
			return Result{}, err
		})}}}}
	run := &Run{}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if acted {
		t.Fatal("dry run performed the action")
	}
	if a := run.Phases[0].Steps[0].Actions; len(a) != 1 || a[0] != "would: chmod 600 .env" {
		t.Fatalf("actions %q", a)
	}
}

func TestEngineUndoesInterruptedMutatingStep(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	ctx, cancel := context.WithCancel(context.Background())
	undone := false
	var undoCtxErr error
	e := &Engine{Now: c.Now}
	plan := Plan{Phases: []Phase{
		{Name: "db", Steps: []Step{{Name: "swap", Kind: Downtime,
			Run: func(ctx context.Context, env *Env) (Result, error) {
				cancel() // Ctrl-C arrives mid-step
				<-ctx.Done()
				return Result{}, ctx.Err()
			},
			Undo: func(ctx context.Context, env *Env) error { undone = true; undoCtxErr = ctx.Err(); return nil },
		}}},
		{Name: "later", Steps: []Step{step("x", ReadOnly, 0, false, okAfter(c, 0))}},
	}}
	run := &Run{}
	err := e.Execute(ctx, plan, run)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if !undone || undoCtxErr != nil {
		t.Fatalf("undo ran=%v with ctx err %v; want run with a live context", undone, undoCtxErr)
	}
	if s := run.Phases[0].Steps[0]; !s.Undone || s.Status != StatusInterrupted {
		t.Errorf("step: undone=%v status=%s", s.Undone, s.Status)
	}
	if s := run.Phases[1].Steps[0]; s.Status != StatusSkipped || s.Reason != SkipInterrupted {
		t.Errorf("later step %s (%s), want skipped (interrupted)", s.Status, s.Reason)
	}
	if run.Status != RunFail {
		t.Errorf("run status %s", run.Status)
	}
}

// TestEngineInterruptedIsNotAFailure cancels the run's context at
// different points: a step cut short by it (its error wraps
// context.Canceled) is "interrupted", with no critical finding and no
// "context canceled" anywhere; later steps are "not run (interrupted)";
// Run.Interrupted says where. An error that is not the cancellation
// stays a failure, and a step cancelled through a context of its own
// (a timeout inside the step) while the run goes on is a failure too.
func TestEngineInterruptedIsNotAFailure(t *testing.T) {
	verifyErr := func(ctx context.Context) error {
		return fmt.Errorf("verify failed: verifying backups/daily/x.db: %w", ctx.Err())
	}
	tests := []struct {
		name       string
		run        func(ctx context.Context, cancel context.CancelFunc) (Result, error)
		wantStatus Status
		wantErr    bool // Execute returns ErrInterrupted
		wantWhere  *Interruption
	}{
		{"cut short", func(ctx context.Context, cancel context.CancelFunc) (Result, error) {
			cancel()
			return Result{}, verifyErr(ctx)
		}, StatusInterrupted, true, &Interruption{Phase: "backups", Step: "verify", During: true, Cause: "context canceled"}},
		{"finished as the signal came", func(ctx context.Context, cancel context.CancelFunc) (Result, error) {
			cancel()
			return Result{Status: StatusWarn}, nil
		}, StatusWarn, true, &Interruption{Phase: "backups", Step: "retention", Cause: "context canceled"}},
		{"failed for its own reason as the signal came", func(ctx context.Context, cancel context.CancelFunc) (Result, error) {
			cancel()
			return Result{}, errors.New("sha256 mismatch")
		}, StatusFail, true, &Interruption{Phase: "backups", Step: "retention", Cause: "context canceled"}},
		{"its own timeout, the run goes on", func(ctx context.Context, _ context.CancelFunc) (Result, error) {
			sctx, stop := context.WithCancel(ctx)
			stop()
			return Result{}, verifyErr(sctx)
		}, StatusFail, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{t: time.Unix(0, 0)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			plan := Plan{Phases: []Phase{
				{Name: "backups", Steps: []Step{
					step("verify", ReadOnly, 0, false, func(ctx context.Context, _ *Env) (Result, error) { return tt.run(ctx, cancel) }),
					step("retention", ReadOnly, 0, false, okAfter(c, 0)),
				}},
				{Name: "postflight", Steps: []Step{step("services", ReadOnly, 0, false, okAfter(c, 0))}},
			}}
			run := &Run{}
			err := (&Engine{Now: c.Now}).Execute(ctx, plan, run)
			if got := errors.Is(err, ErrInterrupted); got != tt.wantErr {
				t.Fatalf("err = %v, want interrupted %v", err, tt.wantErr)
			}
			s := run.Phases[0].Steps[0]
			if s.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", s.Status, tt.wantStatus)
			}
			if tt.wantStatus == StatusInterrupted && (s.Error != "" || len(s.Findings) != 0) {
				t.Errorf("an interrupted step reports error %q, findings %v", s.Error, s.Findings)
			}
			if !reflect.DeepEqual(run.Interrupted, tt.wantWhere) {
				t.Errorf("Interrupted = %+v, want %+v", run.Interrupted, tt.wantWhere)
			}
			if !tt.wantErr {
				return
			}
			for _, later := range []StepResult{run.Phases[0].Steps[1], run.Phases[1].Steps[0]} {
				if later.Status != StatusSkipped || later.Reason != SkipInterrupted || later.Note != "not run (interrupted)" {
					t.Errorf("later step %s: %s %q %q", later.Name, later.Status, later.Reason, later.Note)
				}
			}
			if run.Status != RunFail {
				t.Errorf("run status %s, want fail", run.Status)
			}
			for _, f := range run.Findings() {
				if strings.Contains(f.Message, "context canceled") {
					t.Errorf("finding %q", f.Message)
				}
			}
		})
	}
}

func TestEngineRecoversPanickingStep(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	e := &Engine{Now: c.Now}
	plan := Plan{Phases: []Phase{{Name: "p", Steps: []Step{
		step("boom", ReadOnly, 0, false, func(context.Context, *Env) (Result, error) { panic("nil map") }),
		step("after", ReadOnly, 0, false, okAfter(c, 0)),
	}}}}
	run := &Run{}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if s := run.Phases[0].Steps; s[0].Status != StatusFail || s[1].Status != StatusOK {
		t.Fatalf("statuses %s %s", s[0].Status, s[1].Status)
	}
}

func TestPhaseStatus(t *testing.T) {
	sr := func(ss ...Status) []StepResult {
		var out []StepResult
		for _, s := range ss {
			out = append(out, StepResult{Result: Result{Status: s}})
		}
		return out
	}
	tests := []struct {
		in   []StepResult
		want Status
	}{
		{sr(StatusOK, StatusSkipped), StatusOK},
		{sr(StatusSkipped, StatusSkipped), StatusSkipped},
		{sr(StatusSkipped, StatusWarn, StatusOK), StatusWarn},
		{sr(StatusOK, StatusPostponed), StatusPostponed},
		{sr(StatusFail, StatusWarn), StatusFail},
		{nil, StatusSkipped},
	}
	for i, tt := range tests {
		if got := PhaseStatus(tt.in); got != tt.want {
			t.Errorf("%d: %s, want %s", i, got, tt.want)
		}
	}
}

func TestLockRefusesSecondHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(dir)
	var le *ErrLocked
	if !errors.As(err, &le) || le.PID == 0 {
		t.Fatalf("second lock: %v, want ErrLocked with a pid", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestRunInRestoresZone(t *testing.T) {
	chi, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip(err)
	}
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	r := Run{StartedAt: at, FinishedAt: at, Window: Span{Start: at, End: at}, NextMaintenance: at}
	got := r.In(chi)
	if got.StartedAt.Format("15:04 MST") != "02:00 CST" || got.NextMaintenance.Location() != chi {
		t.Fatalf("%s", got.StartedAt.Format("15:04 MST"))
	}
	if r.StartedAt.Location() != time.UTC {
		t.Fatal("In changed its receiver")
	}
}

// What an Undo does (its actions, the downtime it measured) is part of
// the step's result: a report of an interrupted step must say it.
func TestUndoActionsAndMetricsReachTheResult(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{Now: c.Now}
	plan := Plan{Phases: []Phase{{Name: "db", Steps: []Step{{Name: "optimize", Kind: Downtime,
		Run: func(ctx context.Context, env *Env) (Result, error) {
			_ = env.Do(ctx, "stop backend", func(context.Context) error { return nil })
			cancel()
			return Result{}, ctx.Err()
		},
		Undo: func(ctx context.Context, env *Env) error {
			if err := env.Do(ctx, "start backend", func(context.Context) error { return nil }); err != nil {
				return err
			}
			env.Metric("downtime_seconds", 4, "s")
			return nil
		},
	}}}}}
	run := &Run{}
	if err := e.Execute(ctx, plan, run); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	s := run.Phases[0].Steps[0]
	want := []string{"stop backend", "start backend", "undid optimize"}
	if strings.Join(s.Actions, "|") != strings.Join(want, "|") {
		t.Errorf("actions %q, want %q", s.Actions, want)
	}
	if s.Metrics["downtime_seconds"].Value != 4 {
		t.Errorf("metrics %v", s.Metrics)
	}
}

type failingJournal struct{ Journal }

func (failingJournal) RunStarted(context.Context, *Run) error { return nil }
func (failingJournal) StepStarted(context.Context, string, string, string, Kind) error {
	return errors.New("disk I/O error")
}
func (failingJournal) StepFinished(context.Context, *Run, string, StepResult) error { return nil }
func (failingJournal) RunFinished(context.Context, *Run) error                      { return nil }

// A step whose start the journal could not record must not run: a crash
// in it could not be recovered.
func TestStepDoesNotRunUnjournalled(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	ran := false
	e := &Engine{Now: c.Now, Journal: failingJournal{}}
	plan := Plan{Phases: []Phase{{Name: "db", Steps: []Step{step("swap", Downtime, 0, false,
		func(context.Context, *Env) (Result, error) { ran = true; return Result{}, nil })}}}}
	run := &Run{}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if s := run.Phases[0].Steps[0]; ran || s.Status != StatusFail || !strings.Contains(s.Error, "disk I/O error") {
		t.Fatalf("ran=%v step %+v", ran, s)
	}
}

// A failed action is in the step's actions with its error: a stop cut
// short may have half happened, and the report must say it was tried.
func TestFailedActionIsListed(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	e := &Engine{Now: c.Now}
	plan := Plan{Phases: []Phase{{Name: "db", Steps: []Step{step("optimize", Downtime, 0, false,
		func(ctx context.Context, env *Env) (Result, error) {
			err := env.Do(ctx, "stop backend", func(context.Context) error { return context.Canceled })
			return Result{}, err
		})}}}}
	run := &Run{}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if a := run.Phases[0].Steps[0].Actions; len(a) != 1 || a[0] != "stop backend (failed: context canceled)" {
		t.Fatalf("actions %q", a)
	}
}
