package weekly

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Options select what a run does.
type Options struct {
	DryRun      bool
	Only, Skip  []string
	ForceWindow bool
	ToolVersion string
	// Progress, if set, sees each step start and end.
	Progress func(runbook.Event)
}

// Execute performs one run: it takes the state-dir lock, records any run
// that died before it, refuses to start outside the window (unless
// forced), runs the plan under the engine with the history journal, and
// fills the run's summary. The returned run is complete even when the
// error is ErrInterrupted.
func (p *Procedure) Execute(ctx context.Context, opts Options) (*runbook.Run, error) {
	cfg := p.d.Config
	plan, err := p.Plan(opts.Only, opts.Skip)
	if err != nil {
		return nil, err
	}
	win, err := p.Window()
	if err != nil {
		return nil, err
	}
	now := p.d.Now()
	span, inside := win.Current(now)
	if !inside {
		if !opts.ForceWindow {
			return nil, &runbook.ErrOutsideWindow{Now: now.In(win.Location), Next: win.Next(now)}
		}
		span = runbook.Span{Start: now, End: now.Add(win.Duration)}
	}
	stateDir := p.path(cfg.StateDir)
	lock, err := runbook.AcquireLock(stateDir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	store, err := history.Open(ctx, stateDir, p.d.Now)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	abandoned, err := store.Abandoned(ctx)
	if err != nil {
		return nil, err
	}
	plan = p.withAbandoned(plan, abandoned)
	// Corruption is dated from the first failed check, which may be an
	// earlier run's: backups taken since then are not trusted.
	if since, ok, err := store.FailingSince(ctx, "database", "integrity"); err == nil && ok {
		p.s.failingSince = since
	}

	host, _ := os.Hostname()
	run := &runbook.Run{
		RunID: newRunID(now), Host: host, Operator: cfg.Operator, ToolVersion: opts.ToolVersion,
		DryRun: opts.DryRun, StartedAt: now, Window: span,
		NextMaintenance: win.Next(now).Start,
	}
	eng := &runbook.Engine{Now: p.d.Now, Journal: store, DryRun: opts.DryRun, Deadline: span.End, Progress: opts.Progress}
	execErr := eng.Execute(ctx, plan, run)
	Summarize(run)
	// The summary is part of the stored report: write the run once more.
	if err := store.RunFinished(context.WithoutCancel(ctx), run); err != nil && execErr == nil {
		execErr = err
	}
	return run, execErr
}

// Window returns the configured maintenance window.
func (p *Procedure) Window() (runbook.Window, error) {
	spec, err := p.d.Config.Window.Spec()
	if err != nil {
		return runbook.Window{}, fmt.Errorf("window: %w", err)
	}
	return runbook.Window{Weekday: spec.Weekday, Hour: spec.Hour, Minute: spec.Minute, Duration: spec.Duration, Location: spec.Location}, nil
}

// withAbandoned puts a step first into preflight that reports runs that
// died and finishes or undoes what they left (services stopped, a database
// swap half done), before this run changes anything.
func (p *Procedure) withAbandoned(plan runbook.Plan, dead []history.Abandoned) runbook.Plan {
	if len(dead) == 0 {
		return plan
	}
	step := runbook.Step{Name: "previous-runs", Kind: runbook.Mutating, Critical: true,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			var r runbook.Result
			for _, d := range dead {
				ev := "no mutating action was in progress"
				if len(d.OpenActions) > 0 {
					ev = fmt.Sprintf("actions begun but not finished: %v", d.OpenActions)
				}
				r.Finding(runbook.Warning, ev, "run %s (started %s) died before finishing", d.RunID, d.StartedAt.Format(time.RFC3339))
				r.Recommend("Check what stopped run %s (OOM killer, reboot, kill).", d.RunID)
				if err := p.recoverAbandoned(ctx, env, d, &r); err != nil {
					return r, err
				}
			}
			return r, nil
		}}
	for i := range plan.Phases {
		if plan.Phases[i].Name == "preflight" {
			plan.Phases[i].Steps = append([]runbook.Step{step}, plan.Phases[i].Steps...)
			return plan
		}
	}
	plan.Phases = append([]runbook.Phase{{Name: "preflight", Title: "Pre-maintenance verification", Steps: []runbook.Step{step}}}, plan.Phases...)
	return plan
}

func newRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// summaryMetrics maps the report's headline numbers to the step metric
// that measures each.
var summaryMetrics = []struct{ name, phase, step, metric string }{
	{"database_size_bytes", "database", "stats", "database_size_bytes"},
	{"work_orders", "database", "stats", "work_orders"},
	{"dispensers", "database", "stats", "dispensers"},
	{"errors_last_week", "logs", "analyze", "errors_last_week"},
	{"cpu_avg_percent", "performance", "trends", "cpu_avg_percent"},
	{"memory_avg_percent", "performance", "trends", "memory_avg_percent"},
}

// Summarize fills the run's headline metrics and recommendations from its
// step results. A metric no step measured is left out, never guessed.
func Summarize(run *runbook.Run) {
	run.Metrics = map[string]float64{}
	for _, m := range summaryMetrics {
		if st, ok := run.Step(m.phase, m.step); ok {
			if v, ok := st.Metrics[m.metric]; ok {
				run.Metrics[m.name] = v.Value
			}
		}
	}
	run.Recommendations = recommendations(run)
	run.DowntimeSeconds = 0
	for _, ph := range run.Phases {
		for _, s := range ph.Steps {
			run.DowntimeSeconds += s.Metrics["downtime_seconds"].Value
			if s.Metrics["rolled_back"].Value == 1 || (s.Undone && s.Kind == runbook.Downtime) {
				run.Status = runbook.RunRolledBack
			}
		}
	}
}

var sevOrder = map[runbook.Severity]int{runbook.Critical: 0, runbook.Warning: 1, runbook.Info: 2}

func recommendations(run *runbook.Run) []string {
	fs := run.Findings()
	sort.SliceStable(fs, func(i, j int) bool { return sevOrder[fs[i].Severity] < sevOrder[fs[j].Severity] })
	seen := map[string]bool{}
	out := []string{}
	for _, f := range fs {
		if f.Recommendation != "" && !seen[f.Recommendation] {
			seen[f.Recommendation] = true
			out = append(out, f.Recommendation)
		}
	}
	for _, ph := range run.Phases {
		for _, s := range ph.Steps {
			if s.Status == runbook.StatusPostponed {
				out = append(out, fmt.Sprintf("Run the postponed step %s/%s early in the next window.", ph.Name, s.Name))
			}
		}
	}
	return out
}

// IsInterrupted reports whether err means the run was cancelled.
func IsInterrupted(err error) bool { return errors.Is(err, runbook.ErrInterrupted) }
