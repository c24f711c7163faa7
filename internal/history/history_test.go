package history

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
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
	list, err := s.List(ctx, ListOptions{Limit: 10})
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

// latest means the newest real run: a weekly run (not a single command,
// rollback or prune recorded on its own), not a dry run an older release
// recorded, and not one started after the wall clock (made with a --now
// ahead of it). The run list shows procedure runs, or with All everything.
func TestLatestAndList(t *testing.T) {
	wall := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	type rec struct {
		id, command string
		dry         bool
		at          time.Duration // start, relative to the wall clock
	}
	weekly := func(id string, at time.Duration) rec { return rec{id, runbook.CommandWeekly, false, at} }
	tests := []struct {
		name     string
		runs     []rec
		latest   string // "" for ErrNoRuns
		list     []string
		all      []string
		allFlags string // per line of all: R run, L latest, F future, D dry run
	}{
		{name: "empty history", list: []string{}, all: []string{}},
		{name: "one weekly run", runs: []rec{weekly("w1", -time.Hour)},
			latest: "w1", list: []string{"w1"}, all: []string{"w1"}, allFlags: "RL"},
		{name: "single commands are not runs",
			runs: []rec{weekly("w1", -48*time.Hour), {"pre", "preflight", false, -2 * time.Hour},
				{"opt", "db optimize", false, -time.Hour}, {"rb", runbook.CommandRollback, false, -30 * time.Minute}},
			latest: "w1", list: []string{"w1"}, all: []string{"rb", "opt", "pre", "w1"}, allFlags: "- - - RL"},
		{name: "a dry run an older release recorded is not latest",
			runs:   []rec{weekly("w1", -48*time.Hour), {"dry", runbook.CommandWeekly, true, -time.Hour}},
			latest: "w1", list: []string{"w1"}, all: []string{"dry", "w1"}, allFlags: "D RL"},
		{name: "a run with a future --now is listed but not latest",
			runs:   []rec{weekly("w1", -48*time.Hour), weekly("future", 365*24*time.Hour)},
			latest: "w1", list: []string{"future", "w1"}, all: []string{"future", "w1"}, allFlags: "RF RL"},
		{name: "only future and single runs: no latest",
			runs:   []rec{weekly("future", time.Hour), {"pre", "preflight", false, -time.Hour}},
			latest: "", list: []string{"future"}, all: []string{"future", "pre"}, allFlags: "RF -"},
		{name: "a run started exactly now counts",
			runs:   []rec{weekly("w1", -time.Hour), weekly("w2", 0)},
			latest: "w2", list: []string{"w2", "w1"}, all: []string{"w2", "w1"}, allFlags: "RL R"},
		{name: "sub-second starts order by time, not by text",
			runs:   []rec{weekly("a", -time.Second), weekly("b", -time.Second+500*time.Millisecond)},
			latest: "b", list: []string{"b", "a"}, all: []string{"b", "a"}, allFlags: "RL R"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, t.TempDir(), func() time.Time { return wall })
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.wall = func() time.Time { return wall }
			for _, r := range tt.runs {
				must(t, s.RunFinished(ctx, &runbook.Run{RunID: r.id, Command: r.command, DryRun: r.dry,
					StartedAt: wall.Add(r.at), Status: runbook.RunOK}))
			}
			id, err := s.LatestID(ctx)
			if tt.latest == "" {
				if !errors.Is(err, ErrNoRuns) {
					t.Errorf("latest = %q, %v; want ErrNoRuns", id, err)
				}
			} else if err != nil || id != tt.latest {
				t.Errorf("latest = %q, %v; want %q", id, err, tt.latest)
			}
			if run, err := s.Get(ctx, "latest"); tt.latest != "" && (err != nil || run.RunID != tt.latest) {
				t.Errorf("Get(latest) = %+v, %v", run, err)
			}
			checkList(t, s, ListOptions{}, tt.list, "")
			checkList(t, s, ListOptions{All: true}, tt.all, tt.allFlags)
		})
	}
}

// checkList asserts the ids List returns and, unless wantFlags is "",
// their flags.
func checkList(t *testing.T, s *Store, o ListOptions, wantIDs []string, wantFlags string) {
	t.Helper()
	list, err := s.List(context.Background(), o)
	if err != nil || list == nil {
		t.Fatalf("List(%+v) = %v, %v (never nil)", o, list, err)
	}
	if got := ids(list); fmt.Sprint(got) != fmt.Sprint(wantIDs) {
		t.Errorf("List(%+v) = %v, want %v", o, got, wantIDs)
	}
	if got := flags(list); wantFlags != "" && got != wantFlags {
		t.Errorf("List(%+v) flags = %q, want %q", o, got, wantFlags)
	}
}

func ids(l []Summary) []string {
	out := []string{}
	for _, s := range l {
		out = append(out, s.ID)
	}
	return out
}

func flags(l []Summary) string {
	var parts []string
	for _, s := range l {
		f := ""
		for _, c := range []struct {
			on bool
			f  string
		}{{s.DryRun, "D"}, {s.Run, "R"}, {s.Latest, "L"}, {s.Future, "F"}} {
			if c.on {
				f += c.f
			}
		}
		if f == "" {
			f = "-"
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, " ")
}

// The pins are the rollback points of the latest real run only: not an
// older run's, not a single command's; none without runs.
func TestPinnedRollbackPoints(t *testing.T) {
	ctx := context.Background()
	wall := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, t.TempDir(), func() time.Time { return wall })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.wall = func() time.Time { return wall }
	if pins, err := s.PinnedRollbackPoints(ctx); err != nil || len(pins) != 0 {
		t.Fatalf("empty history: %v %v", pins, err)
	}
	start := func(id, command string, at time.Duration, points ...string) {
		must(t, s.RunStarted(ctx, &runbook.Run{RunID: id, Command: command, StartedAt: wall.Add(at), Status: runbook.RunOK}))
		for _, p := range points {
			must(t, s.RollbackPoint(ctx, id, p))
		}
	}
	start("old", runbook.CommandWeekly, -7*24*time.Hour, "/b/old-a.db")
	start("w", runbook.CommandWeekly, -2*time.Hour, "/b/w-a.db", "/b/w-b.db")
	start("opt", "db optimize", -time.Hour, "/b/opt-a.db")
	pins, err := s.PinnedRollbackPoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/b/w-a.db": "rollback point of run w", "/b/w-b.db": "rollback point of run w"}
	if !maps.Equal(pins, want) {
		t.Fatalf("pins %v, want %v", pins, want)
	}
}
