package recovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

var saturday = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)

// kit is a Kit on an empty installation in a temp dir, services managed
// by the operator (manager none), with a fixed clock.
func kit(t *testing.T) (*Kit, *install.Installation) {
	t.Helper()
	cfg := config.Default()
	cfg.Root = t.TempDir()
	cfg.StateDir = "state"
	cfg.Window.Timezone = "UTC"
	cfg.Services.Manager = "none"
	in, err := install.Resolve(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	return New(in, nil, func() time.Time { return saturday }), in
}

// deleting is a plan of one mutating step that deletes path through the
// journal.
func deleting(path string) runbook.Plan {
	return runbook.Plan{Phases: []runbook.Phase{{Name: "prune", Steps: []runbook.Step{{
		Name: "retention", Kind: runbook.Mutating, Critical: true,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			return runbook.Result{}, env.Do(ctx, "delete "+path, func(context.Context) error { return os.Remove(path) })
		}}}}}}
}

func TestJournaledRecordsTheRunAndADryRunChangesNothing(t *testing.T) {
	k, in := kit(t)
	victim := filepath.Join(in.Root, "old.db")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	run, err := k.Journaled(ctx, runbook.CommandPrune, true, deleting(victim))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("a dry run deleted the file: %v", err)
	}
	if _, err := os.Stat(in.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run created the state dir: %v", err)
	}
	if st, _ := run.Step("prune", "retention"); len(st.Actions) != 1 || !strings.HasPrefix(st.Actions[0], "would: delete ") {
		t.Fatalf("dry-run actions: %v", st.Actions)
	}

	run, err = k.Journaled(ctx, runbook.CommandPrune, false, deleting(victim))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(victim); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file is still there: %v", err)
	}
	store, err := history.Open(ctx, in.StateDir, k.now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, err := store.List(ctx, history.ListOptions{Limit: 10, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != run.RunID || runs[0].Command != runbook.CommandPrune || runs[0].Status != string(runbook.RunOK) {
		t.Fatalf("history: %+v, want the one prune run %s, ok", runs, run.RunID)
	}
}

// A stand-alone command that died inside a mutating step is found and
// dealt with by Recover once, like a weekly run.
func TestRecoverFinishesADeadStandaloneRun(t *testing.T) {
	k, in := kit(t)
	ctx := context.Background()
	store, err := history.Open(ctx, in.StateDir, k.now)
	if err != nil {
		t.Fatal(err)
	}
	dead := &runbook.Run{RunID: runbook.NewRunID(saturday), Command: runbook.CommandPrune, StartedAt: saturday, Status: runbook.RunRunning}
	if err := store.RunStarted(ctx, dead); err != nil {
		t.Fatal(err)
	}
	if err := store.StepStarted(ctx, dead.RunID, "prune", "retention", runbook.Mutating); err != nil {
		t.Fatal(err)
	}
	if err := store.Action(ctx, dead.RunID, "prune", "retention", "delete old.db", "begin"); err != nil {
		t.Fatal(err)
	}
	store.Close()

	res, err := k.Recover(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 || !strings.Contains(res.Findings[0].Message, "prune run "+dead.RunID) {
		t.Fatalf("dry recover findings: %+v", res.Findings)
	}
	res, err = k.Recover(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 || !strings.Contains(res.Findings[0].Evidence, "delete old.db") {
		t.Fatalf("recover findings: %+v", res.Findings)
	}
	again, err := k.Recover(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if again.Note != "no run died unfinished" {
		t.Fatalf("recover is not idempotent: %+v", again)
	}
}
