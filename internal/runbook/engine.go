package runbook

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Event reports progress to whoever watches the run (a TTY, a log).
type Event struct {
	Phase  string
	Step   string
	Done   bool
	Result *StepResult
}

// Engine runs a Plan inside a window.
type Engine struct {
	// Now is the clock. Required.
	Now func() time.Time
	// Journal receives durable records of the run. Optional.
	Journal Journal
	DryRun  bool
	// Deadline is when the window closes; what happens to a step whose
	// budget no longer fits in the time left is Overrun's policy.
	Deadline time.Time
	// Overrun is the overrun policy (zero: postpone non-critical steps).
	Overrun Overrun
	// UndoTimeout bounds an Undo run after cancellation (default 2m).
	UndoTimeout time.Duration
	// Progress, if set, is called as each step starts and ends.
	Progress func(Event)
}

// ErrInterrupted is returned by Execute when ctx was cancelled mid-run.
var ErrInterrupted = errors.New("run interrupted")

// Execute runs every step of plan in order and fills run. It returns
// ErrInterrupted (wrapped) when ctx is cancelled; the run is then complete
// up to that point, with an in-flight mutating step undone. Before each
// step the overrun policy (Engine.Overrun) compares its budget with the
// time left in the window: it runs, or is postponed, or the window is
// extended first, or the run is rolled back (see OverrunPolicy);
// run.Overrun records what was decided.
func (e *Engine) Execute(ctx context.Context, plan Plan, run *Run) error {
	run.Status = RunRunning
	if e.Journal != nil {
		if err := e.Journal.RunStarted(ctx, run); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	w := newWindow(e.Overrun, e.Deadline, plan)
	interrupted := false
	for _, ph := range plan.Phases {
		pr := PhaseResult{Name: ph.Name, Title: ph.Title}
		for _, st := range ph.Steps {
			var results []StepResult
			if interrupted || ctx.Err() != nil {
				interrupted = true
				results = []StepResult{e.notRunInterrupted(ctx, run, ph.Name, st)}
			} else {
				results = e.stepInWindow(ctx, w, run, ph.Name, st)
				// Cancelled during the step, even the last one: the run
				// was interrupted.
				interrupted = ctx.Err() != nil
			}
			w.rest = w.rest[1:]
			for _, sr := range results {
				pr.Steps = append(pr.Steps, sr)
				if e.Journal != nil {
					if err := e.Journal.StepFinished(context.WithoutCancel(ctx), run, ph.Name, sr); err != nil {
						return fmt.Errorf("journal: %w", err)
					}
				}
			}
		}
		pr.Status = PhaseStatus(pr.Steps)
		run.Phases = append(run.Phases, pr)
	}
	run.Overrun = w.out
	run.FinishedAt = e.Now()
	if run.Status == RunRunning {
		run.Status = Overall(run.Phases)
	}
	if interrupted {
		run.Status = RunFail
		if run.Interrupted == nil {
			// Cancelled as the last step finished: nothing was cut
			// short and no step is left (Step is empty).
			run.Interrupted = &Interruption{Cause: causeText(ctx)}
		}
	}
	if e.Journal != nil {
		if err := e.Journal.RunFinished(context.WithoutCancel(ctx), run); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	if interrupted {
		return fmt.Errorf("%w: %v", ErrInterrupted, context.Cause(ctx))
	}
	return nil
}

// notRunInterrupted is a step the run's cancellation kept from running;
// the first one records where the run stopped.
func (e *Engine) notRunInterrupted(ctx context.Context, run *Run, phase string, st Step) StepResult {
	if run.Interrupted == nil {
		// Stopped between two steps: before this one.
		run.Interrupted = &Interruption{Phase: phase, Step: st.Name, Cause: causeText(ctx)}
	}
	sr := e.notRun(st, StatusSkipped, "not run (interrupted)")
	sr.Reason = SkipInterrupted
	return sr
}

// stepInWindow runs st, or not, as the overrun policy decides: the step's
// result, preceded by the window-extension or window-rollback step the
// decision added.
func (e *Engine) stepInWindow(ctx context.Context, w *window, run *Run, phase string, st Step) []StepResult {
	if w.stopped {
		return []StepResult{e.notRunRolledBack(st)}
	}
	d := w.decide(e.Now(), st)
	var out []StepResult
	switch d.act {
	case actPostpone:
		sr := e.notRun(st, StatusPostponed, d.note)
		o := w.outcome(phase + "/" + st.Name + ": " + d.note)
		o.Postponed = append(o.Postponed, phase+"/"+st.Name)
		e.emit(Event{Phase: phase, Step: st.Name, Done: true, Result: &sr})
		return []StepResult{sr}
	case actExtend:
		out = append(out, e.extendStep(ctx, w, run, phase, st, d))
	case actRollback:
		return []StepResult{e.rollbackStep(ctx, w, run, phase, st, d), e.notRunRolledBack(st)}
	}
	sr, point := e.runStep(ctx, phase, st, run.RunID, w.end)
	return append(out, e.track(ctx, w, run, phase, sr, point))
}

// track notes what a step that ran means for the run: its rollback point,
// whether it undid the run's changes, whether it was cut short.
func (e *Engine) track(ctx context.Context, w *window, run *Run, phase string, sr StepResult, point string) StepResult {
	if point != "" {
		run.RollbackPoint, w.point = point, point
	}
	if sr.Rolled || (sr.Undone && sr.Kind == Downtime) {
		w.restored = true
	}
	if sr.Status == StatusInterrupted {
		run.Interrupted = &Interruption{Phase: phase, Step: sr.Name, During: true, Cause: causeText(ctx)}
	}
	return sr
}

// causeText is why ctx was cancelled: "interrupt signal received" for
// a context of signal.NotifyContext.
func causeText(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil {
		return c.Error()
	}
	return context.Canceled.Error()
}

func (e *Engine) notRun(st Step, status Status, note string) StepResult {
	now := e.Now()
	return StepResult{Name: st.Name, Kind: st.Kind, StartedAt: now, FinishedAt: now,
		Result: Result{Status: status, Note: note}}
}

// runStep runs st with the window ending at deadline; it returns the
// step's result and the rollback point it recorded, if any.
func (e *Engine) runStep(ctx context.Context, phase string, st Step, runID string, deadline time.Time) (StepResult, string) {
	e.emit(Event{Phase: phase, Step: st.Name})
	var acc Result
	env := &Env{DryRun: e.DryRun, Now: e.Now, Deadline: deadline, journal: e.Journal,
		runID: runID, phase: phase, step: st.Name, result: &acc}
	start := e.Now()
	var res Result
	var err error
	if e.Journal != nil {
		// A step the journal does not know began could not be recovered
		// after a crash: it must not run.
		err = e.Journal.StepStarted(ctx, runID, phase, st.Name, st.Kind)
	}
	if err == nil {
		res, err = safeRun(ctx, st, env)
	}
	sr := StepResult{Name: st.Name, Kind: st.Kind, StartedAt: start, Result: res}
	if sr.Status == "" {
		sr.Status = StatusOK
	}
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled):
		// Cut short by the run's cancellation (a signal): not a failure
		// of the step, and "context canceled" tells a reader nothing.
		sr.Status = StatusInterrupted
	case err != nil:
		sr.Error = err.Error()
		sr.Finding(Critical, "", "%s failed: %v", st.Name, err)
	}
	ran := len(acc.Actions)
	if (err != nil || ctx.Err() != nil) && st.Undo != nil && st.Kind != ReadOnly && !e.DryRun {
		sr.Undone = e.undo(ctx, st, env, &sr)
	}
	// What the step did, what it reported, then what undoing it did.
	sr.Actions = append(append(append([]string(nil), acc.Actions[:ran]...), res.Actions...), acc.Actions[ran:]...)
	for name, m := range acc.Metrics {
		sr.Metric(name, m.Value, m.Unit)
	}
	sr.FinishedAt = e.Now()
	sr.DurationSeconds = sr.FinishedAt.Sub(sr.StartedAt).Seconds()
	e.emit(Event{Phase: phase, Step: st.Name, Done: true, Result: &sr})
	return sr, env.rollback
}

// safeRun turns a panic in a step into an error so one broken step cannot
// leave services stopped by skipping the rest of the plan.
func safeRun(ctx context.Context, st Step, env *Env) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in step %s: %v", st.Name, p)
		}
	}()
	return st.Run(ctx, env)
}

func (e *Engine) undo(ctx context.Context, st Step, env *Env, sr *StepResult) bool {
	timeout := e.UndoTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := st.Undo(uctx, env); err != nil {
		sr.Finding(Critical, err.Error(), "undoing %s failed: the system may need manual attention", st.Name)
		return false
	}
	env.Record("undid %s", st.Name)
	return true
}

func (e *Engine) emit(ev Event) {
	if e.Progress != nil {
		e.Progress(ev)
	}
}

// PhaseStatus is the worst status among steps that ran; a phase whose
// steps were all skipped is skipped.
func PhaseStatus(steps []StepResult) Status {
	st := StatusSkipped
	ran := false
	for _, s := range steps {
		if s.Status == StatusSkipped {
			continue
		}
		if !ran {
			st, ran = s.Status, true
			continue
		}
		st = Worse(st, s.Status)
	}
	return st
}

// Overall is the run status implied by its phases.
func Overall(phases []PhaseResult) RunStatus {
	worst := StatusOK
	for _, p := range phases {
		worst = Worse(worst, p.Status)
	}
	switch worst {
	case StatusFail, StatusInterrupted:
		return RunFail
	case StatusWarn, StatusPostponed:
		return RunWarn
	}
	return RunOK
}
