package testkit

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// PlantedStatuses are the statuses of planted runs, in turn: run i has
// PlantedStatuses[i%len], so four runs or more hold every kind of
// outcome but running.
var PlantedStatuses = []runbook.RunStatus{runbook.RunOK, runbook.RunWarn, runbook.RunOK, runbook.RunFail,
	runbook.RunOK, runbook.RunWarn, runbook.RunRolledBack}

// PlantedBackup is the weekly backup a planted run of the installation
// under root that started at runStart verified (its backups/verify
// finding names it): <root>/backups/weekly/fossawork_v2_<day before>.db.
func PlantedBackup(root string, runStart time.Time) string {
	return filepath.Join(root, "backups", "weekly", "fossawork_v2_"+runStart.Add(-24*time.Hour).UTC().Format("20060102_150405")+".db")
}

// PlantedRun is the i-th weekly run PlantRuns writes, of the
// installation under root, started at at: a
// whole procedure (preflight, database, backups, logs, security,
// performance, postflight) whose findings, measures and downtime vary with
// i, and whose status is PlantedStatuses[i%len]. The measures grow week
// by week, so trends have a shape.
func PlantedRun(i int, at time.Time, root string) *runbook.Run {
	status := PlantedStatuses[i%len(PlantedStatuses)]
	f := float64(i)
	run := &runbook.Run{SchemaVersion: runbook.SchemaVersion, RunID: at.UTC().Format("20060102T150405Z") + fmt.Sprintf("-%03d", i),
		Command: runbook.CommandWeekly, Host: "fossa-test", Root: root, Operator: "fossamaint", ToolVersion: "test",
		StartedAt: at, Status: status, Window: runbook.Span{Start: at, End: at.Add(2 * time.Hour)},
		DowntimeSeconds: 18 + float64(i%5),
		Metrics: map[string]float64{runbook.HeadlineDatabaseSizeBytes: 50e6 + f*1.5e6, runbook.HeadlineWorkOrders: 12000 + f*140,
			runbook.HeadlineDispensers: 3100 + f*9, runbook.HeadlineErrorsLastWeek: float64(3 + i%6)},
		Recommendations: []string{}, NextMaintenance: at.AddDate(0, 0, 7)}
	t := at
	step := func(name string, kind runbook.Kind, took time.Duration, r runbook.Result) runbook.StepResult {
		s := runbook.StepResult{Name: name, Kind: kind, StartedAt: t, FinishedAt: t.Add(took), DurationSeconds: took.Seconds(), Result: r.Settled()}
		t = t.Add(took)
		return s
	}
	metric := func(name string, v float64, unit string) runbook.Result {
		var r runbook.Result
		r.Metric(name, v, unit)
		return r
	}
	var verify runbook.Result
	backup := PlantedBackup(root, at)
	if status == runbook.RunFail {
		verify.Finding(runbook.Critical, "sha256 mismatch", "the newest weekly backup %s failed verification", backup)
	} else {
		verify.Finding(runbook.Info, "sha256 0123abcd", "newest weekly backup %s (1 day old): sha256 matches its manifest, check ok, restore test ok with 3 tables", backup)
	}
	var logs runbook.Result
	logs.Metric(runbook.HeadlineErrorsLastWeek, float64(3+i%6), "count")
	if status == runbook.RunWarn {
		logs.Finding(runbook.Warning, "ERROR sync failed <*>", "%d new error patterns this week", 1+i%3)
		logs.Recommend("Look at the new error patterns.")
	}
	var optimize runbook.Result
	optimize.Action("VACUUM the database")
	run.Phases = []runbook.PhaseResult{
		{Name: "preflight", Title: "Pre-maintenance checks", Steps: []runbook.StepResult{
			step("disk-space", runbook.ReadOnly, 2*time.Second, metric("free_percent", 61, "%")),
			step("backup", runbook.Mutating, 40*time.Second, runbook.Result{})}},
		{Name: "database", Title: "Database maintenance", Steps: []runbook.StepResult{
			step("stats", runbook.ReadOnly, 3*time.Second, metric(history.MeasureFreelist, 4+float64(i%4), "%")),
			step("optimize", runbook.Downtime, time.Duration(18+i%5)*time.Second, optimize)}},
		{Name: "backups", Title: "Backup verification", Steps: []runbook.StepResult{
			step("inventory", runbook.ReadOnly, time.Second, runbook.Result{}),
			step("verify", runbook.ReadOnly, 25*time.Second, verify)}},
		{Name: "logs", Title: "Log analysis", Steps: []runbook.StepResult{step("analyse", runbook.ReadOnly, 12*time.Second, logs)}},
		{Name: "security", Title: "Security", Steps: []runbook.StepResult{
			step("app-logs", runbook.ReadOnly, 4*time.Second, metric(history.MeasureFailedLogins, float64(2+i%7), "count"))}},
		{Name: "performance", Title: "Performance", Steps: []runbook.StepResult{
			step("api-benchmark", runbook.ReadOnly, 30*time.Second, metric(history.MeasureLatencyP95+"work-orders", 0.08+f*0.002, "s"))}},
		{Name: "postflight", Title: "Post-maintenance verification", Steps: []runbook.StepResult{
			step("services", runbook.ReadOnly, 3*time.Second, runbook.Result{})}},
	}
	for i := range run.Phases {
		p := &run.Phases[i]
		p.Status = runbook.StatusOK
		for _, s := range p.Steps {
			p.Status = runbook.Worse(p.Status, s.Status)
		}
	}
	run.FinishedAt = t
	return run
}

// PlantRuns writes n weekly runs (PlantedRun) a week apart from start
// into the history under stateDir, through the journal as `weekly` writes
// them (run started, each step started and finished, run finished), and
// returns their ids, oldest first. Their installation root is stateDir's
// parent (see PlantedBackup).
func PlantRuns(t T, stateDir string, n int, start time.Time) []string {
	helper(t)
	ctx := context.Background()
	var clock time.Time
	s, err := history.Open(ctx, stateDir, func() time.Time { return clock })
	if err != nil {
		t.Fatalf("opening the history in %s: %v", stateDir, err)
	}
	defer s.Close()
	var ids []string
	for i := range n {
		run := PlantedRun(i, start.AddDate(0, 0, 7*i), filepath.Dir(stateDir))
		if err := JournalRun(ctx, s, run, func(at time.Time) { clock = at }); err != nil {
			t.Fatalf("planting run %d: %v", i, err)
		}
		ids = append(ids, run.RunID)
	}
	return ids
}

// JournalRun writes a finished run into s as the engine does: the run
// started (status running, no phases), each step started (setClock gives
// the store's clock the step's start first) and finished, the run
// finished.
func JournalRun(ctx context.Context, s *history.Store, run *runbook.Run, setClock func(time.Time)) error {
	started := &runbook.Run{SchemaVersion: run.SchemaVersion, RunID: run.RunID, Command: run.Command, Host: run.Host,
		StartedAt: run.StartedAt, Status: runbook.RunRunning, Window: run.Window, Metrics: map[string]float64{}}
	if err := s.RunStarted(ctx, started); err != nil {
		return err
	}
	for _, p := range run.Phases {
		for _, st := range p.Steps {
			setClock(st.StartedAt)
			if err := s.StepStarted(ctx, run.RunID, p.Name, st.Name, st.Kind); err != nil {
				return err
			}
			if err := s.StepFinished(ctx, started, p.Name, st); err != nil {
				return err
			}
		}
	}
	return s.RunFinished(ctx, run)
}
