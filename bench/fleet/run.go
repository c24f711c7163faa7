package main

import (
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// benchRun is the i-th weekly run of an installation: the procedure's 34
// steps in 7 phases with a few findings, actions and the headline
// measures, their values growing week by week.
func benchRun(id string, i int, at time.Time) *runbook.Run {
	f := float64(i)
	run := &runbook.Run{SchemaVersion: runbook.SchemaVersion, RunID: at.Format("20060102-150405") + fmt.Sprintf("-%06x", i), Command: runbook.CommandWeekly,
		Host: id, Operator: "fossamaint", ToolVersion: "bench", StartedAt: at, Status: []runbook.RunStatus{runbook.RunOK, runbook.RunWarn}[i%2],
		Window: runbook.Span{Start: at, End: at.Add(4 * time.Hour)}, DowntimeSeconds: 12 + float64(i%7),
		Metrics: map[string]float64{runbook.HeadlineDatabaseSizeBytes: 80e6 + f*1e6, runbook.HeadlineWorkOrders: 20000 + f*150,
			runbook.HeadlineDispensers: 4000 + f*10, runbook.HeadlineErrorsLastWeek: float64(5 + i%9)},
		Recommendations: []string{}, NextMaintenance: at.AddDate(0, 0, 7)}
	phases := []struct {
		name  string
		steps int
	}{{"preflight", 8}, {"database", 8}, {"backups", 3}, {"logs", 3}, {"security", 5}, {"performance", 3}, {"postflight", 4}}
	t := at
	for _, p := range phases {
		ph := runbook.PhaseResult{Name: p.name, Title: p.name, Status: runbook.StatusOK}
		for k := range p.steps {
			var res runbook.Result
			res.Metric(fmt.Sprintf("m%d", k), f, "count")
			if k == 0 {
				res.Finding(runbook.Info, "evidence", "%s checked", p.name)
			}
			if k == 1 && p.name == "database" {
				res.Action("VACUUM INTO a copy, swapped by rename")
				res.Metric(history.MeasureFreelist, 3+float64(i%5), "%")
			}
			if k == 1 && p.name == "security" {
				res.Metric(history.MeasureFailedLogins, float64(i%11), "count")
			}
			name := fmt.Sprintf("%s-%d", p.name, k)
			if k == 1 && p.name == "security" {
				name = "app-logs" // where history.MeasuresOf reads the failed logins
			}
			took := time.Duration(1+k) * time.Second
			ph.Steps = append(ph.Steps, runbook.StepResult{Name: name, Kind: runbook.ReadOnly, StartedAt: t,
				FinishedAt: t.Add(took), DurationSeconds: took.Seconds(), Result: res.Settled()})
			t = t.Add(took)
		}
		run.Phases = append(run.Phases, ph)
	}
	run.FinishedAt = t
	return run
}
