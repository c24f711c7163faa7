package weekly

import (
	"cmp"
	"context"
	"errors"
	"os"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Options select what a run does.
type Options struct {
	DryRun      bool
	Only, Skip  []string
	ForceWindow bool
	// SkipSteps leaves out steps of the selected phases, named
	// "phase/step" (perf trends runs the performance phase without its
	// benchmark).
	SkipSteps   []string
	ToolVersion string
	// Command is what the history records as the run's command:
	// runbook.CommandWeekly when empty, else a single command ("preflight",
	// "db optimize") that runs phases on its own and is not a "run".
	Command string
	// Progress, if set, sees each step start and end.
	Progress func(runbook.Event)
	// Notifier is told when the window is extended or the run rolled
	// back at the window's end (window.overrun). Optional: without it
	// the report says nobody was told.
	Notifier runbook.OverrunNotifier
	// Notify, if set (`weekly`), adds preflight's notifications step:
	// whether the notice went out, and the started message.
	Notify *notify.Sender
}

// pastRuns is how many earlier weekly runs the overrun policy's
// estimates look at: two months of weekly runs.
const pastRuns = 8

// readHistory reads what the history knows before a run: the runs that
// died (returned), when the integrity check began failing, the pinned
// rollback points and, for window.overrun: extend, how long each step
// took in the last runs.
func (p *Procedure) readHistory(ctx context.Context, store *history.Store, inputs *runInputs) ([]history.Abandoned, error) {
	abandoned, err := store.Abandoned(ctx)
	if err != nil {
		return nil, err
	}
	// Corruption is dated from the first failed check, which may be
	// an earlier run's: backups taken since then are not trusted.
	if since, ok, err := store.FailingSince(ctx, "database", "integrity"); err == nil && ok {
		inputs.failingSince = since
	}
	if inputs.pinned, err = store.PinnedRollbackPoints(ctx); err != nil {
		return nil, err
	}
	if p.in.Overrun.Policy == runbook.OverrunExtend {
		if inputs.past, err = store.StepDurations(ctx, pastRuns); err != nil {
			return nil, err
		}
	}
	return abandoned, nil
}

// Execute performs one run: it takes the state-dir lock, records any run
// that died before it, refuses to start outside the window (unless
// forced), runs the plan under the engine with the history journal, and
// fills the run's summary. The returned run is complete even when the
// error is ErrInterrupted.
func (p *Procedure) Execute(ctx context.Context, opts Options) (*runbook.Run, error) {
	names, err := selectPhases(opts.Only, opts.Skip)
	if err != nil {
		return nil, err
	}
	win := p.in.Window
	now := p.d.Now()
	span, inside := win.Current(now)
	if !inside {
		if !opts.ForceWindow {
			return nil, win.Refusal(now)
		}
		span = runbook.Span{Start: now, End: now.Add(win.Duration)}
	}
	lock, store, err := recovery.OpenState(ctx, p.in.StateDir, opts.DryRun, p.d.Now)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	var abandoned []history.Abandoned
	inputs := runInputs{served: &handoff[servedState]{}}
	if store != nil {
		defer store.Close()
		if abandoned, err = p.readHistory(ctx, store, &inputs); err != nil {
			return nil, err
		}
	}
	var mark recovery.RecoveredMarker
	var journal runbook.Journal
	if store != nil && !opts.DryRun {
		mark, journal = store, store
		inputs.recordUpdates = store.RecordUpdateChanges
	}
	plan := p.withNotify(ctx, p.withRecovery(withoutSteps(p.plan(names, inputs), opts.SkipSteps), abandoned, mark), opts.Notify, store)

	host, _ := os.Hostname()
	run := &runbook.Run{
		RunID: runbook.NewRunID(now), Command: cmp.Or(opts.Command, runbook.CommandWeekly), Host: host, Operator: p.in.Operator, ToolVersion: opts.ToolVersion,
		DryRun: opts.DryRun, Partial: len(opts.Only) > 0 || len(opts.Skip) > 0, StartedAt: now, Window: span, Root: p.in.Root, SchemaVersion: runbook.SchemaVersion,
		NextMaintenance: win.Next(now).Start,
	}
	// A dry run has no journal: it changes nothing, not even the history.
	overrun := p.in.Overrun
	overrun.Past, overrun.Notifier, overrun.Rollback = inputs.past, opts.Notifier, p.rec.RollbackInRun
	overrun.Unsafe = func() string { return inputs.served.get().writtenSince(p.in.Database.Path) }
	if t := opts.Notify.Timeout(); t > 0 {
		// The sender keeps to notify.timeout; the engine's bound is a backstop.
		overrun.NotifyTimeout = t + time.Second
	}
	eng := &runbook.Engine{Now: p.d.Now, Journal: journal, DryRun: opts.DryRun, Deadline: span.End, Overrun: overrun, Progress: opts.Progress}
	execErr := eng.Execute(ctx, plan, run)
	run.Summarize()
	if journal != nil {
		// The summary is part of the stored report: write the run once more.
		if err := journal.RunFinished(context.WithoutCancel(ctx), run); err != nil && execErr == nil {
			execErr = err
		}
	}
	return run, execErr
}

// withoutSteps is plan without the steps named "phase/step" in skip.
func withoutSteps(plan runbook.Plan, skip []string) runbook.Plan {
	if len(skip) == 0 {
		return plan
	}
	for i, ph := range plan.Phases {
		plan.Phases[i].Steps = slices.DeleteFunc(slices.Clone(ph.Steps), func(s runbook.Step) bool {
			return slices.Contains(skip, ph.Name+"/"+s.Name)
		})
	}
	return plan
}

// withRecovery puts two steps first into preflight, before this run
// changes anything: previous-runs reports runs that died and finishes or
// undoes what they left (services stopped, a database swap half done),
// then sweeps the temporaries of dead processes; config-snapshot keeps
// the configuration for a rollback. Without a preflight phase in the plan
// they form one.
func (p *Procedure) withRecovery(plan runbook.Plan, dead []history.Abandoned, mark recovery.RecoveredMarker) runbook.Plan {
	steps := []runbook.Step{
		{Name: "previous-runs", Kind: runbook.Mutating, Budget: 10 * time.Minute, Critical: true,
			Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
				var r runbook.Result
				err := p.rec.Runs(ctx, env, dead, mark, &r)
				if len(dead) == 0 && len(r.Actions) == 0 && len(r.Findings) == 0 {
					r.Note = "no run died unfinished; no temporary files were left behind"
				}
				return r, err
			}},
		{Name: "config-snapshot", Kind: runbook.Mutating, Budget: time.Minute, Critical: true, Run: p.rec.SnapshotConfig},
	}
	for i := range plan.Phases {
		if plan.Phases[i].Name == "preflight" {
			plan.Phases[i].Steps = append(steps, plan.Phases[i].Steps...)
			return plan
		}
	}
	plan.Phases = append([]runbook.Phase{{Name: "preflight", Title: "Pre-maintenance verification", Steps: steps}}, plan.Phases...)
	return plan
}

// IsInterrupted reports whether err means the run was cancelled.
func IsInterrupted(err error) bool { return errors.Is(err, runbook.ErrInterrupted) }
