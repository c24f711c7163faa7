package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// demoServe is `demo --serve [--addr]`: after the demo's run, plant weeks
// of history before it and serve the dashboard over the kept installation
// until interrupted.
type demoServe struct {
	on   bool
	addr string
}

// demoServeFlags registers --serve and --addr on the demo command.
func demoServeFlags(c *cobra.Command, f *demoServe) {
	c.Flags().BoolVar(&f.on, "serve", false, "keep the installation, plant "+fmt.Sprint(demoEarlierWeeks)+
		" earlier weeks of history (so the trends are not one point) and serve the dashboard until interrupted")
	c.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8090", "with --serve: the dashboard's address (port 0: any free port)")
}

// demoEarlierWeeks is how many weeks before last week's planted run
// `demo --serve` plants: with last week's and this week's, ten weeks.
const demoEarlierWeeks = 8

// serveDemo, with --serve, plants the earlier weeks and serves the
// dashboard until ctx ends (Ctrl-C); then, or without --serve at once, it
// returns runErr, the demo run's outcome, so the exit code is the run's.
// When the dashboard cannot be served (the address is taken), that error
// is the outcome: the run's report is written and printed already.
func (a *app) serveDemo(ctx context.Context, in *install.Installation, run *runbook.Run, f demoServe, runErr error) error {
	if !f.on || ctx.Err() != nil {
		return runErr
	}
	if err := a.plantEarlierWeeks(ctx, in, run); err != nil {
		return err
	}
	if err := a.serveDashboard(ctx, in, f.addr); err != nil {
		return err
	}
	return runErr
}

// plantEarlierWeeks records demoEarlierWeeks weekly runs before last
// week's planted one, each a copy of it taken k weeks before this run with
// its measures moved back in time: fewer rows and a smaller database (the
// backend keeps adding work orders), errors, failed logins, fragmentation,
// downtime and latency that wander from week to week. One week has a
// warning (a burst of failed logins), one was rolled back (its optimize
// step failed and was undone). They are planted after this week's run,
// which compares itself with last week only, so its report is the same as
// without --serve; their operator says they were planted.
func (a *app) plantEarlierWeeks(ctx context.Context, in *install.Installation, run *runbook.Run) error {
	store, err := history.Open(ctx, in.StateDir, a.now)
	if err != nil {
		return fmt.Errorf("planting the demo's earlier weeks: %w", err)
	}
	defer store.Close()
	last, err := store.Previous(ctx, run)
	if err != nil {
		return fmt.Errorf("planting the demo's earlier weeks: %w", err)
	}
	if last == nil {
		return fmt.Errorf("planting the demo's earlier weeks: last week's planted run is not in %s (a bug: the demo plants it before its run)", in.StateDir)
	}
	base, err := store.Get(ctx, last.RunID)
	if err != nil {
		return fmt.Errorf("planting the demo's earlier weeks: %w", err)
	}
	for k := 2; k < 2+demoEarlierWeeks; k++ {
		week, err := earlierWeek(base, run.StartedAt.Add(-time.Duration(k)*7*24*time.Hour), k)
		if err != nil {
			return fmt.Errorf("planting the demo's earlier weeks: %w", err)
		}
		if err := store.RunStarted(ctx, week); err != nil {
			return fmt.Errorf("planting the demo's earlier weeks: %w", err)
		}
		if err := store.RunFinished(ctx, week); err != nil {
			return fmt.Errorf("planting the demo's earlier weeks: %w", err)
		}
	}
	return nil
}

// The weeks (counted back from this run) that went wrong.
const (
	demoWarnWeek       = 4
	demoRolledBackWeek = 6
)

// demoWobble is how far each earlier week's wandering measures stray
// (-1 to 1), week by week back.
var demoWobble = []float64{0.6, -0.4, 0.9, -0.8, 0.3, -0.2, 0.7, -0.6}

// earlierWeek is last week's run moved to start, k weeks before this one.
func earlierWeek(base *runbook.Run, start time.Time, k int) (*runbook.Run, error) {
	blob, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	var run runbook.Run
	if err := json.Unmarshal(blob, &run); err != nil {
		return nil, err
	}
	shift := start.Sub(base.StartedAt)
	run.RunID = runbook.NewRunID(start)
	run.Operator = fmt.Sprintf("fossamaint demo (planted: the run of %d weeks ago, for the dashboard's trends)", k)
	run.StartedAt, run.FinishedAt = start, base.FinishedAt.Add(shift)
	back := float64(k - 1) // weeks before last week
	wobble := demoWobble[(k-2)%len(demoWobble)]
	for pi := range run.Phases {
		p := &run.Phases[pi]
		for si := range p.Steps {
			s := &p.Steps[si]
			s.StartedAt, s.FinishedAt = s.StartedAt.Add(shift), s.FinishedAt.Add(shift)
			for name, m := range s.Metrics {
				m.Value = earlierValue(name, m.Value, back, wobble)
				s.Metrics[name] = m
			}
			if k == demoWarnWeek && p.Name == "security" && s.Name == "app-logs" {
				s.Status = runbook.StatusWarn
				s.Finding(runbook.Warning, "203.0.113.7: 48 failed logins in 6 minutes",
					"a burst of failed logins from one address (planted)")
			}
			if k == demoRolledBackWeek && p.Name == "database" && s.Name == "optimize" {
				s.Status, s.Undone = runbook.StatusFail, true
				s.Error = "the backend did not become ready after the optimize step (planted); the database was put back"
			}
		}
		p.Status = runbook.PhaseStatus(p.Steps)
	}
	run.Status = runbook.Overall(run.Phases)
	run.WeekOverWeek = nil
	run.NextMaintenance = start.Add(7 * 24 * time.Hour)
	run.Summarize()
	return &run, nil
}

// earlierValue is a measure back weeks before last week: what grows
// (rows, the database) was smaller, what wanders (errors, failed logins,
// fragmentation, downtime, latency) moves by wobble (-1 to 1).
func earlierValue(name string, v, back, wobble float64) float64 {
	switch {
	case name == runbook.HeadlineWorkOrders:
		return math.Max(v-420*back, 0)
	case name == runbook.HeadlineDispensers:
		return math.Max(v-1260*back, 0)
	case name == runbook.HeadlineDatabaseSizeBytes:
		return math.Round(v * math.Pow(0.985, back))
	case name == runbook.HeadlineErrorsLastWeek || name == history.MeasureFailedLogins:
		return math.Max(math.Round(v*(1+0.12*wobble)), 0)
	case name == history.MeasureFreelist || name == runbook.MetricDowntimeSeconds:
		return math.Round(v*(1+0.08*wobble)*100) / 100
	case strings.HasPrefix(name, history.MeasureLatencyP95):
		return v * (1 + 0.06*wobble)
	}
	return v
}

// serveDashboard is `fossamaint serve --addr addr` over the demo's
// installation until ctx ends, its lines on stderr with the demo's own
// (stdout has the run's report, JSON with --json).
func (a *app) serveDashboard(ctx context.Context, in *install.Installation, addr string) error {
	out := a.stdout
	a.stdout = a.stderr
	defer func() { a.stdout = out }()
	return a.serve(ctx, in, addr)
}
