package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sandbox"
)

// plantLastWeek records in the demo's history a weekly run seven days
// before this one, so that the demo's report shows week over week. The
// sandbox makes files only (it may not import runbook or history), so the
// run is planted here, through the history's own journal calls, as a run
// would record itself. Its numbers are derived from the generated
// installation as it would have been a week earlier: fewer rows (the
// backend adds work orders as it runs), a smaller database, less
// fragmentation, fewer errors and failed logins. Its operator says it was
// planted.
func (a *app) plantLastWeek(ctx context.Context, in *install.Installation, inst *sandbox.Installation) error {
	store, err := history.Open(ctx, in.StateDir, a.now)
	if err != nil {
		return fmt.Errorf("planting last week's run in the demo history: %w", err)
	}
	defer store.Close()
	run := lastWeekRun(a.now().Add(-7*24*time.Hour), inst)
	// The sandbox planted last week's benchmark file: the run that wrote
	// it recorded the same p95s in its api-benchmark step.
	bench, _, err := perf.PreviousBenchFile(in.ReportsDir, a.now().In(in.Zone))
	if err != nil {
		return fmt.Errorf("planting last week's run in the demo history: %w", err)
	}
	if ref := bench.Reference(); ref != nil {
		p95 := map[string]runbook.Metric{}
		for _, e := range ref.Endpoints {
			p95[history.MeasureLatencyP95+e.Name] = runbook.Metric{Value: e.Latency.P95.D().Seconds(), Unit: "s"}
		}
		run.Phases = append(run.Phases, runbook.PhaseResult{Name: "performance", Title: "Performance analysis", Status: runbook.StatusOK,
			Steps: []runbook.StepResult{{Name: "api-benchmark", Kind: runbook.Mutating, StartedAt: run.StartedAt, FinishedAt: run.StartedAt,
				Result: runbook.Result{Status: runbook.StatusOK, Findings: []runbook.Finding{}, Actions: []string{}, Metrics: p95}}}})
	}
	if err := store.RunStarted(ctx, run); err != nil {
		return fmt.Errorf("planting last week's run in the demo history: %w", err)
	}
	if err := store.RunFinished(ctx, run); err != nil {
		return fmt.Errorf("planting last week's run in the demo history: %w", err)
	}
	return nil
}

func lastWeekRun(start time.Time, inst *sandbox.Installation) *runbook.Run {
	var size float64
	if fi, err := os.Stat(inst.DBPath); err == nil {
		// The size a VACUUM left last week: the live pages, a little fewer.
		size = math.Round(float64(fi.Size()) * (1 - inst.FreelistRatio) * 0.95)
	}
	if inst.DBPath == "" { // PostgreSQL: the server's size, a little less
		size = math.Round(float64(inst.DBBytes) * 0.95)
	}
	step := func(name string, kind runbook.Kind, metrics map[string]runbook.Metric) runbook.StepResult {
		return runbook.StepResult{Name: name, Kind: kind, StartedAt: start, FinishedAt: start,
			Result: runbook.Result{Status: runbook.StatusOK, Findings: []runbook.Finding{}, Actions: []string{}, Metrics: metrics}}
	}
	headline := func(v float64, unit string) runbook.Metric {
		return runbook.Metric{Value: v, Unit: unit, Headline: true}
	}
	metric := func(v float64, unit string) runbook.Metric { return runbook.Metric{Value: v, Unit: unit} }
	stats := map[string]runbook.Metric{
		runbook.HeadlineWorkOrders: headline(float64(max(inst.WorkOrders-420, 0)), "rows"),
		runbook.HeadlineDispensers: headline(float64(max(inst.Dispensers-1260, 0)), "rows"),
	}
	if inst.DBPath != "" { // free pages are SQLite's
		stats[history.MeasureFreelist] = metric(14.2, "%")
	}
	run := &runbook.Run{
		SchemaVersion: runbook.SchemaVersion, RunID: runbook.NewRunID(start), Command: runbook.CommandWeekly,
		Host: "demo", Operator: "fossamaint demo (planted: last week's run, for week over week)",
		StartedAt: start, FinishedAt: start.Add(4 * time.Minute), Status: runbook.RunWarn,
		Phases: []runbook.PhaseResult{
			{Name: "database", Title: "Database maintenance", Status: runbook.StatusOK, Steps: []runbook.StepResult{
				step("stats", runbook.ReadOnly, stats),
				step("optimize", runbook.Downtime, map[string]runbook.Metric{
					runbook.HeadlineDatabaseSizeBytes: headline(size, "bytes"),
					runbook.MetricDowntimeSeconds:     metric(0.91, "s"),
				}),
			}},
			{Name: "logs", Title: "Log analysis", Status: runbook.StatusOK, Steps: []runbook.StepResult{
				step("analyze", runbook.ReadOnly, map[string]runbook.Metric{runbook.HeadlineErrorsLastWeek: headline(151, "count")}),
			}},
			{Name: "security", Title: "Security review", Status: runbook.StatusOK, Steps: []runbook.StepResult{
				step("app-logs", runbook.ReadOnly, map[string]runbook.Metric{history.MeasureFailedLogins: metric(64, "count")}),
			}},
		},
	}
	run.Summarize()
	return run
}
