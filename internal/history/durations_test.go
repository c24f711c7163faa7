package history

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// StepDurations: the last N weekly runs' steps that ran to their end,
// newest first; failed, postponed and dry or single-command runs' steps
// are left out.
func TestStepDurations(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC)
	type rec struct {
		command string
		status  runbook.Status
		took    time.Duration
	}
	for i, r := range []rec{
		{runbook.CommandWeekly, runbook.StatusOK, 9 * time.Minute}, // beyond the last 3 runs
		{runbook.CommandWeekly, runbook.StatusOK, 3 * time.Minute},
		{runbook.CommandWeekly, runbook.StatusFail, 30 * time.Second},
		{"db optimize", runbook.StatusOK, time.Hour},
		{runbook.CommandWeekly, runbook.StatusWarn, 5 * time.Minute},
		{runbook.CommandWeekly, runbook.StatusPostponed, 0},
	} {
		run := &runbook.Run{RunID: fmt.Sprint("r", i), Command: r.command, StartedAt: base.AddDate(0, 0, 7*i)}
		must(t, s.RunStarted(ctx, run))
		must(t, s.StepFinished(ctx, run, "logs", runbook.StepResult{Name: "rotate", StartedAt: run.StartedAt,
			FinishedAt: run.StartedAt.Add(r.took), Result: runbook.Result{Status: r.status}}))
	}
	got, err := s.StepDurations(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]time.Duration{"logs/rotate": {5 * time.Minute, 3 * time.Minute}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("durations %v, want %v", got, want)
	}
}
