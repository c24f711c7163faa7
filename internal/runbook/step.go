package runbook

import (
	"context"
	"errors"
	"time"
)

// Kind says what a step may change.
type Kind string

// Step kinds.
const (
	// ReadOnly steps only look.
	ReadOnly Kind = "read-only"
	// Mutating steps change files or the database while services run.
	Mutating Kind = "mutating"
	// Downtime steps run with a service stopped.
	Downtime Kind = "downtime"
)

// Step is one unit of the procedure.
type Step struct {
	Name   string
	Kind   Kind
	Budget time.Duration
	// Critical steps run even when the window is nearly spent; the others
	// are postponed under the "postpone" overrun policy.
	Critical bool
	Run      func(ctx context.Context, env *Env) (Result, error)
	// Undo reverts a mutating step that was interrupted or failed. Optional.
	Undo func(ctx context.Context, env *Env) error
}

// Phase is a named group of steps, in order.
type Phase struct {
	Name  string
	Title string
	Steps []Step
}

// Plan is the whole procedure.
type Plan struct {
	Phases []Phase
}

// Env is what the engine hands each step.
type Env struct {
	DryRun bool
	// Now is the injected clock; steps use it instead of time.Now.
	Now func() time.Time
	// Deadline is the end of the window.
	Deadline time.Time
	journal  Journal
	runID    string
	phase    string
	step     string
	result   *Result
	rollback string
}

// RecordRollbackPoint durably records path as the file this run restores
// on rollback, before anything that makes it needed happens.
func (e *Env) RecordRollbackPoint(ctx context.Context, path string) error {
	if e.DryRun {
		return nil
	}
	if e.journal != nil {
		if err := e.journal.RollbackPoint(ctx, e.runID, path); err != nil {
			return err
		}
	}
	e.rollback = path
	return nil
}

// Do performs a mutating action: in a dry run it only records "would:
// what"; otherwise it journals the intent, runs fn, journals the outcome
// and records the action in the step's result, a failed one with its
// error.
func (e *Env) Do(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	if e.DryRun {
		if e.result != nil {
			e.result.Action("would: %s", what)
		}
		return nil
	}
	if e.journal != nil {
		if err := e.journal.Action(ctx, e.runID, e.phase, e.step, what, "begin"); err != nil {
			return err
		}
	}
	err := fn(ctx)
	outcome := "done"
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	if e.journal != nil {
		if jerr := e.journal.Action(ctx, e.runID, e.phase, e.step, what, outcome); jerr != nil && err == nil {
			err = jerr
		}
	}
	if e.result != nil {
		// A failed action is listed too: it may have half happened (a
		// stop cut short by Ctrl-C), and the report must not hide it.
		switch {
		case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled):
			// Cut short by the run's cancellation: "context canceled"
			// says nothing to a reader.
			e.result.Action("%s (interrupted)", what)
		case err != nil:
			e.result.Action("%s (failed: %v)", what, err)
		default:
			e.result.Action("%s", what)
		}
	}
	return err
}

// RunID is the id of the run the step belongs to ("" outside a plan).
func (e *Env) RunID() string { return e.runID }

// Metric records a measurement in the step's result. Unlike a value in
// the returned Result, it survives the step failing or being undone: use
// it for what happened whatever the outcome (a service's downtime).
func (e *Env) Metric(name string, value float64, unit string) {
	if e.result != nil {
		e.result.Metric(name, value, unit)
	}
}

// Record notes something the step did or found, in order with the actions
// Do records (use it for outcomes worth listing, not for changes: changes
// go through Do so they are journalled and dry-run aware).
func (e *Env) Record(format string, a ...any) {
	if e.result != nil {
		e.result.Action(format, a...)
	}
}

// NewEnv returns an Env for work done outside a plan (rollback, recover):
// actions are recorded, not journalled.
func NewEnv(dryRun bool, now func() time.Time) *Env {
	return &Env{DryRun: dryRun, Now: now, result: &Result{}}
}

// Actions returns what Do recorded.
func (e *Env) Actions() []string {
	if e.result == nil {
		return nil
	}
	return e.result.Actions
}
