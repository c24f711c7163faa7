package report

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the sample run lives in America/Chicago on any machine

	"github.com/fossawork/fossamaint/internal/runbook"
)

func chicago(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatalf("loading zone: %v", err)
	}
	return loc
}

func step(name string, status runbook.Status, start time.Time, secs float64) runbook.StepResult {
	d := time.Duration(secs * float64(time.Second))
	return runbook.StepResult{
		Name: name, Kind: runbook.ReadOnly, StartedAt: start, FinishedAt: start.Add(d),
		DurationSeconds: secs, Result: runbook.Result{Status: status},
	}
}

// sampleRun is a representative finished run: every step and phase status,
// findings of each severity, a postponed step, a failed and undone step,
// metrics, actions and recommendations.
func sampleRun(t testing.TB) *runbook.Run {
	loc := chicago(t)
	at := func(h, m, s int) time.Time { return time.Date(2026, 12, 5, h, m, s, 0, loc) }
	return &runbook.Run{
		RunID:       "20261205-020000-ab12",
		Host:        "fossa-prod-1",
		Root:        "/srv/fossawork",
		Operator:    "ops@fossawork.example",
		ToolVersion: "v0.1.0",
		StartedAt:   at(2, 0, 0),
		FinishedAt:  at(2, 47, 13).Add(500 * time.Millisecond),
		Status:      runbook.RunFail,
		Window:      runbook.Span{Start: at(2, 0, 0), End: at(6, 0, 0)},

		DowntimeSeconds: 4.37,
		Phases:          append(firstPhases(at), laterPhases(at)...),
		Metrics: map[string]float64{
			runbook.HeadlineDatabaseSizeBytes: 524288000, runbook.HeadlineWorkOrders: 1234, runbook.HeadlineDispensers: 56,
			runbook.HeadlineErrorsLastWeek: 137, runbook.HeadlineCPUAvgPercent: 23.456, runbook.HeadlineMemoryAvgPercent: 61.2,
			"backups_kept": 18,
		},
		Recommendations: []string{
			"Restore the database from the newest verified backup and investigate the integrity failure",
			"Apply the 2 pending security updates",
			"Run `fossamaint security perms --fix` (or chmod 0600 /srv/fossawork/backend/.env).",
		},
		NextMaintenance: time.Date(2026, 12, 12, 2, 0, 0, 0, loc),
		Overrun: &runbook.OverrunOutcome{Policy: runbook.OverrunPostpone, PlannedEnd: at(6, 0, 0), End: at(6, 0, 0),
			Postponed:     []string{"backups/verify-restore"},
			Reason:        "backups/verify-restore: its budget of 20m 00s exceeds the 12m 00s left in the window",
			Notifications: []runbook.Notification{}},
	}
}

func firstPhases(at func(h, m, s int) time.Time) []runbook.PhaseResult {
	health := step("health", runbook.StatusOK, at(2, 0, 1), 1.24)
	health.Metric("api_latency", 35, "ms")
	disk := step("disk", runbook.StatusOK, at(2, 0, 3), 0.05)
	disk.Metric("disk_used", 61.5, "%")

	apt := step("os-packages", runbook.StatusOK, at(2, 0, 4), 12.5)
	apt.Scope = runbook.ScopeHost
	apt.Finding(runbook.Warning, "openssl 3.0.13-0ubuntu3.4 -> 3.0.13-0ubuntu3.5\nlibc6 2.39-0ubuntu8.3 -> 2.39-0ubuntu8.4", "%d security updates pending", 2)
	apt.Recommend("Apply the 2 pending security updates")
	apt.Finding(runbook.Info, "", "%d updates available in total", 12)
	pip := step("python-deps", runbook.StatusOK, at(2, 0, 17), 3.1)
	pip.Finding(runbook.Warning, "fastapi==0.110.0 (GHSA-qf9m-vfgh-m389)", "fastapi has a known vulnerability")
	npm := step("npm-deps", runbook.StatusSkipped, at(2, 0, 20), 0)
	npm.Note = "npm is not installed"

	backup := step("pre-backup", runbook.StatusOK, at(2, 1, 0), 0.9)
	backup.Kind = runbook.Mutating
	backup.Tally(runbook.Tally{Verb: "taken", Object: "pre-maintenance backup", Count: 1, BytesBefore: 524288000})
	backup.Action("backed up fossawork_v2.db to /srv/fossawork/backups/maintenance/fossawork_v2_pre_maintenance_20261205-020100.db (sha256 9f2c…)")
	integrity := step("integrity", runbook.StatusOK, at(2, 1, 1), 18.8)
	integrity.Finding(runbook.Critical, "*** in database main ***\nPage 42: btree page has 3 cells, expected 4", "integrity_check found %d problems in the backup copy", 2)
	integrity.Recommend("Restore the database from the newest verified backup and investigate the integrity failure")
	integrity.Metric("freelist_ratio", 0.31, "ratio")
	vacuum := step("vacuum", runbook.StatusFail, at(2, 1, 20), 2.75)
	vacuum.Kind = runbook.Downtime
	vacuum.Error = "VACUUM INTO /srv/fossawork/backend/.fossamaint-tmp-811-vacuum: database is locked (5) (SQLITE_BUSY)\n" +
		"while executing: VACUUM INTO '/srv/fossawork/backend/.fossamaint-tmp-811-vacuum'"
	vacuum.Undone = true
	vacuum.Metric(runbook.MetricDowntimeSeconds, 4.37, "s")
	vacuum.Action("stopped fossawork-backend")
	vacuum.Action("started fossawork-backend")

	return []runbook.PhaseResult{
		{Name: "preflight", Title: "Pre-maintenance checks", Status: runbook.StatusOK, Steps: []runbook.StepResult{health, disk}},
		{Name: "updates", Title: "Updates", Status: runbook.StatusWarn, Steps: []runbook.StepResult{apt, pip, npm}},
		{Name: "database", Title: "Database", Status: runbook.StatusFail, Steps: []runbook.StepResult{backup, integrity, vacuum}},
	}
}

func laterPhases(at func(h, m, s int) time.Time) []runbook.PhaseResult {
	logs := step("rotate", runbook.StatusOK, at(2, 2, 0), 4.2)
	logs.Kind = runbook.Mutating
	for i := range 4 {
		logs.Action("compress /srv/fossawork/logs/backend/backend-api-2026-10-%02d.jsonl → backend-api-2026-10-%02d.jsonl.gz", i+1, i+1)
	}
	logs.Action("archive /srv/fossawork/logs/backend/backend-api-2026-10-01.jsonl.gz → /srv/fossawork/archives/logs/202610/backend-api-2026-10-01.jsonl.gz")
	logs.Action("archive /srv/fossawork/logs/backend/backend-api-2026-10-02.jsonl.gz → /srv/fossawork/archives/logs/202610/backend-api-2026-10-02.jsonl.gz")
	logs.Tally(runbook.Tally{Verb: "compressed", Object: "log files", Count: 4, BytesBefore: 13002342, BytesAfter: 1992294})
	logs.Tally(runbook.Tally{Verb: "archived", Object: "log files", Count: 2})
	logs.Metric("errors", 137, "count")
	logs.Metric("bytes_freed", 10905190, "bytes")

	perf := step("trends", runbook.StatusOK, at(2, 3, 0), 0.02)
	perf.Metric("cpu_p95_percent", 41.8, "%")
	day := func(d int) time.Time { return at(2, 3, 0).AddDate(0, 0, d-7) }
	perf.Series = []runbook.Series{
		{Name: "cpu_avg_percent", Unit: "%", Points: []runbook.Point{
			{At: day(0), Value: 18.2}, {At: day(1), Value: 21.5}, {At: day(2), Value: 19.9}, {At: day(3), Value: 24.1},
			{At: day(4), Value: 23.0}, {At: day(5), Value: 27.6}, {At: day(6), Value: 29.3},
		}},
		{Name: "memory_avg_percent", Unit: "%", Points: []runbook.Point{{At: day(6), Value: 61.2}}}, // one point: no chart
	}
	perf.Tables = []runbook.Table{{
		Title:   "API latency, week over week (against 2026-11-21)",
		Columns: []string{"endpoint", "requests (this week)", "errors", "p50", "p95", "p99"},
		Rows: [][]string{
			{"health", "120", "0", "0.8 ms → 0.9 ms (+12%)", "2.1 ms → 2.4 ms (+14%)", "6.5 ms → 4.1 ms (-37%)"},
			{"work-orders", "120", "3 (503: 3)", "6.2 ms → 3.1 ms (-50%)", "15 ms → 6.0 ms (-60%)", "41 ms → 7.2 ms"},
			{"a | pipe <b>", "1"}, // short rows are padded; cells are escaped
		},
		Note: "last week → this week, from `performance-benchmark-20261121.json`.",
	}}
	procs := step("top-processes", runbook.StatusOK, at(2, 3, 1), 1.0)
	procs.Scope = runbook.ScopeHost
	procs.Finding(runbook.Info, "    811 uvicorn              cpu  12.0% mem  3.1% rss  250.0 MiB\n   1022 kworker/0:2H-kblockd cpu   1.0% mem  0.0% rss      0 B", "top %d processes by CPU", 2)

	auth := step("auth-failures", runbook.StatusOK, at(2, 3, 1), 0.8)
	auth.Finding(runbook.Warning, "/srv/fossawork/backend/.env", "/srv/fossawork/backend/.env is mode 0644, allowed at most 0600")
	auth.Recommend("Run `fossamaint security perms --fix` (or chmod 0600 /srv/fossawork/backend/.env).")
	auth.Finding(runbook.Warning, "sshd[811]: Failed password for root from 203.0.113.7 port 2222 ssh2 | `x`", "%d failed logins from 203.0.113.7 (above 50)", 52)
	modes := step("file-modes", runbook.StatusOK, at(2, 3, 2), 0.01)
	modes.Finding(runbook.Info, "", "message with <b>markup</b>, *stars*, [links](x) and a | pipe")
	modes.Action("chmod 0600 /srv/fossawork/backend/.env")
	modes.Recommend("Run `fossamaint security perms --fix`, or chmod 0600 /srv/fossawork/backend/.env by hand.")

	verify := step("verify-restore", runbook.StatusPostponed, at(2, 40, 0), 0)
	verify.Note = "its budget of 20m 00s exceeds the 12m 00s left in the window"

	post := step("health", runbook.StatusOK, at(2, 47, 10), 2.3)

	return []runbook.PhaseResult{
		{Name: "logs", Title: "Logs", Status: runbook.StatusOK, Steps: []runbook.StepResult{logs}},
		{Name: "performance", Title: "Performance", Status: runbook.StatusOK, Steps: []runbook.StepResult{perf, procs}},
		{Name: "security", Title: "Security", Status: runbook.StatusWarn, Steps: []runbook.StepResult{auth, modes}},
		{Name: "backups", Title: "Backups", Status: runbook.StatusPostponed, Steps: []runbook.StepResult{verify}},
		{Name: "postflight", Title: "Post-maintenance checks", Status: runbook.StatusOK, Steps: []runbook.StepResult{post}},
	}
}

// dryRun is the same procedure as a dry run: actions say what would be
// done, no service was stopped, and some metrics were not measured.
func dryRun(t testing.TB) *runbook.Run {
	run := sampleRun(t)
	run.RunID = "20261205-020000-dry1"
	run.DryRun = true
	run.Status = runbook.RunWarn
	run.DowntimeSeconds = 0
	delete(run.Metrics, runbook.HeadlineCPUAvgPercent)
	delete(run.Metrics, runbook.HeadlineDispensers)
	delete(run.Metrics, "backups_kept")
	run.Phases = run.Phases[:4]
	db := &run.Phases[2]
	db.Status = runbook.StatusOK
	db.Steps = []runbook.StepResult{db.Steps[0]}
	db.Steps[0].Actions = []string{"would: back up fossawork_v2.db to backups/maintenance"}
	db.Steps[0].Tallies = nil // a dry run takes no backup
	rotate := &run.Phases[3].Steps[0]
	rotate.Actions = []string{"would: compress 4 log files older than 7 days"}
	rotate.Tallies = []runbook.Tally{{Verb: "compressed", Object: "log files", Count: 4, BytesBefore: 13002342}}
	run.Recommendations = nil
	return run
}

// interruptedRun is a run that a signal stopped while the database was
// being optimised, run through the real engine with a cancelled context:
// the step undone (rollback point restored, service started), the later
// steps not run, and the corruption procedure skipped as not needed.
func interruptedRun(t testing.TB) *runbook.Run {
	loc := chicago(t)
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, loc)
	clock := func() time.Time { now = now.Add(1500 * time.Millisecond); return now }
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	ok := func(name string, kind runbook.Kind, r runbook.Result) runbook.Step {
		return runbook.Step{Name: name, Kind: kind, Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			for _, a := range r.Actions {
				if err := env.Do(ctx, a, func(context.Context) error { return nil }); err != nil {
					return runbook.Result{}, err
				}
			}
			r.Actions = nil
			return r, nil
		}}
	}
	optimize := runbook.Step{Name: "optimize", Kind: runbook.Downtime,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			_ = env.Do(ctx, "stop fossawork-backend", func(context.Context) error { return nil })
			cancel(errors.New("interrupt signal received")) // Ctrl-C during the VACUUM
			err := env.Do(ctx, "VACUUM INTO /srv/fossawork/backend/.fossamaint-tmp-vacuum", func(ctx context.Context) error { return ctx.Err() })
			return runbook.Result{}, fmt.Errorf("vacuum: %w", err)
		},
		Undo: func(ctx context.Context, env *runbook.Env) error {
			if err := env.Do(ctx, "start fossawork-backend", func(context.Context) error { return nil }); err != nil {
				return err
			}
			env.Downtime(3200 * time.Millisecond)
			return nil
		}}
	plan := runbook.Plan{Phases: []runbook.Phase{
		{Name: "preflight", Title: "Pre-maintenance checks", Steps: []runbook.Step{
			ok("services", runbook.ReadOnly, runbook.Result{}),
			ok("config-snapshot", runbook.Mutating, runbook.Result{
				Actions: []string{"snapshot the configuration (backend/.env) for a rollback"},
				Tallies: []runbook.Tally{{Verb: "taken for a rollback", Object: "configuration snapshot", Count: 1}}}),
		}},
		{Name: "database", Title: "Database", Steps: []runbook.Step{
			ok("integrity", runbook.ReadOnly, runbook.Result{}),
			ok("corruption", runbook.Mutating, runbook.NotNeeded("the integrity check passed")),
			optimize,
		}},
		{Name: "backups", Title: "Backups", Steps: []runbook.Step{
			{Name: "verify", Kind: runbook.ReadOnly, Run: func(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
				return runbook.Result{}, fmt.Errorf("verifying backups/daily/20261205/fossawork_v2.db: %w", ctx.Err())
			}},
		}},
		{Name: "postflight", Title: "Post-maintenance checks", Steps: []runbook.Step{ok("services", runbook.ReadOnly, runbook.Result{})}},
	}}
	run := &runbook.Run{
		RunID: "20261205-020000-int1", Command: runbook.CommandWeekly, Host: "fossa-prod-1", Root: "/srv/fossawork",
		Operator: "ops@fossawork.example", ToolVersion: "v0.1.0", StartedAt: now,
		Window: runbook.Span{Start: now, End: now.Add(4 * time.Hour)}, NextMaintenance: time.Date(2026, 12, 12, 2, 0, 0, 0, loc),
	}
	err := (&runbook.Engine{Now: clock, Deadline: run.Window.End}).Execute(ctx, plan, run)
	if !errors.Is(err, runbook.ErrInterrupted) {
		t.Fatalf("the sample run was not interrupted: %v", err)
	}
	run.Summarize()
	return run
}
