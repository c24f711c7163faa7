package history

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestJournalRoundTripAndAbandoned(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := func() time.Time { return time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC) }
	s, err := Open(ctx, dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, "latest"); !errors.Is(err, ErrNoRuns) {
		t.Fatalf("empty history: %v", err)
	}

	// A run that dies after beginning an action but before finishing it.
	dead := &runbook.Run{RunID: "dead", StartedAt: clock(), Status: runbook.RunRunning}
	must(t, s.RunStarted(ctx, dead))
	must(t, s.StepStarted(ctx, "dead", "database", "swap", runbook.Downtime))
	must(t, s.Action(ctx, "dead", "database", "swap", "stop fossawork-backend", "begin"))
	must(t, s.Action(ctx, "dead", "database", "swap", "stop fossawork-backend", "done"))
	must(t, s.Action(ctx, "dead", "database", "swap", "rename db", "begin"))
	must(t, s.RollbackPoint(ctx, "dead", "/b/point-b.db"))

	// A run that completes.
	ok := &runbook.Run{RunID: "ok", StartedAt: clock().Add(time.Hour), Status: runbook.RunRunning}
	must(t, s.RunStarted(ctx, ok))
	ok.Status = runbook.RunWarn
	ok.Phases = []runbook.PhaseResult{{Name: "preflight", Status: runbook.StatusWarn}}
	must(t, s.RunFinished(ctx, ok))

	got, err := s.Get(ctx, "latest")
	if err != nil || got.RunID != "ok" || got.Status != runbook.RunWarn || len(got.Phases) != 1 {
		t.Fatalf("latest = %+v, %v", got, err)
	}
	ab, err := s.Abandoned(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// "ok" was finished; only "dead" is abandoned, with its one open action.
	if len(ab) != 1 || ab[0].RunID != "dead" || len(ab[0].OpenActions) != 1 || ab[0].OpenActions[0] != "database/swap: rename db" ||
		ab[0].RollbackPoint != "/b/point-b.db" || len(ab[0].RunningSteps) != 1 || ab[0].RunningSteps[0] != "database/swap" {
		t.Fatalf("abandoned = %+v", ab)
	}
	must(t, s.MarkRecovered(ctx, "dead"))
	if again, _ := s.Abandoned(ctx); len(again) != 0 {
		t.Fatalf("a recovered run is no longer abandoned: %+v", again)
	}
	list, err := s.List(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != "ok" || list[1].Status != "fail" {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRollbackBookkeeping(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, err := s.RollbackPointOf(ctx, "none"); err != nil || p != "" {
		t.Fatalf("no point: %q %v", p, err)
	}
	must(t, s.RunStarted(ctx, &runbook.Run{RunID: "r", StartedAt: time.Now(), Status: runbook.RunRunning}))
	must(t, s.RollbackPoint(ctx, "r", "/a"))
	must(t, s.RollbackPoint(ctx, "r", "/b"))
	if p, _ := s.RollbackPointOf(ctx, "r"); p != "/b" {
		t.Fatalf("latest point %q, want /b", p)
	}
	must(t, s.MarkRolledBack(ctx, "r"))
	if st, _ := s.Status(ctx, "r"); st != runbook.RunRolledBack {
		t.Fatalf("status %s", st)
	}
	if id, _ := s.LatestID(ctx); id != "r" {
		t.Fatalf("latest %s", id)
	}
}

func TestFailingSince(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC)
	for i, st := range []runbook.Status{runbook.StatusOK, runbook.StatusFail, runbook.StatusFail} {
		run := &runbook.Run{RunID: fmt.Sprint("r", i), StartedAt: base.AddDate(0, 0, 7*i)}
		must(t, s.RunStarted(ctx, run))
		must(t, s.StepFinished(ctx, run, "database", runbook.StepResult{Name: "integrity", StartedAt: run.StartedAt,
			FinishedAt: run.StartedAt, Result: runbook.Result{Status: st}}))
	}
	since, ok, err := s.FailingSince(ctx, "database", "integrity")
	if err != nil || !ok || !since.Equal(base.AddDate(0, 0, 7)) {
		t.Fatalf("since %s ok %v err %v; want the first of the two failing runs", since, ok, err)
	}
	if _, ok, _ := s.FailingSince(ctx, "database", "quick-check"); ok {
		t.Fatal("a step never recorded is not failing")
	}
}

// Abandoned only reads: a dry run may look as often as it likes, and the
// run stays abandoned until MarkRecovered.
func TestAbandonedIsReadOnlyUntilMarkedRecovered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.RunStarted(ctx, &runbook.Run{RunID: "dead", Command: runbook.CommandRollback, StartedAt: time.Now(), Status: runbook.RunRunning}))
	must(t, s.StepStarted(ctx, "dead", "rollback", "restore", runbook.Downtime))
	must(t, s.StepStarted(ctx, "dead", "rollback", "verify-point", runbook.ReadOnly))
	must(t, s.Close())

	ro, err := OpenReadOnly(ctx, dir, time.Now)
	if err != nil || ro == nil {
		t.Fatalf("read-only open: %v", err)
	}
	for range 2 {
		ab, err := ro.Abandoned(ctx)
		if err != nil || len(ab) != 1 || ab[0].Command != runbook.CommandRollback || !ab[0].Mutating || len(ab[0].RunningSteps) != 2 {
			t.Fatalf("abandoned = %+v, %v", ab, err)
		}
	}
	if err := ro.MarkRecovered(ctx, "dead"); err == nil {
		t.Error("a read-only history accepted a write")
	}
	must(t, ro.Close())

	s, err = Open(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must(t, s.MarkRecovered(ctx, "dead"))
	if ab, _ := s.Abandoned(ctx); len(ab) != 0 {
		t.Fatalf("still abandoned after MarkRecovered: %+v", ab)
	}
	if st, _ := s.Status(ctx, "dead"); st != runbook.RunFail {
		t.Errorf("status %s, want fail", st)
	}
	if run, err := s.Get(ctx, "dead"); err != nil || run.Status != runbook.RunFail {
		t.Errorf("stored report: %+v %v", run, err)
	}
}

func TestOpenReadOnlyWithoutHistory(t *testing.T) {
	s, err := OpenReadOnly(context.Background(), t.TempDir(), time.Now)
	if s != nil || err != nil {
		t.Fatalf("%v %v", s, err)
	}
}

// latest means the newest real weekly run: not a rollback, not a dry run
// an older release recorded.
func TestLatestIsTheNewestWeeklyRun(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	must(t, s.RunFinished(ctx, &runbook.Run{RunID: "weekly", StartedAt: base, Status: runbook.RunOK}))
	must(t, s.RunFinished(ctx, &runbook.Run{RunID: "rb", Command: runbook.CommandRollback, StartedAt: base.Add(time.Hour), Status: runbook.RunOK}))
	must(t, s.RunFinished(ctx, &runbook.Run{RunID: "dry", DryRun: true, StartedAt: base.Add(2 * time.Hour), Status: runbook.RunOK}))
	if id, err := s.LatestID(ctx); err != nil || id != "weekly" {
		t.Fatalf("latest %q %v", id, err)
	}
	if run, err := s.Get(ctx, "latest"); err != nil || run.RunID != "weekly" {
		t.Fatalf("get latest %+v %v", run, err)
	}
	if l, _ := s.List(ctx, 10); len(l) != 3 || l[1].Command != runbook.CommandRollback {
		t.Fatalf("list %+v", l)
	}
}
