package runbook

import (
	"context"
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
}

// Do performs a mutating action: in a dry run it only records "would:
// what"; otherwise it journals the intent, runs fn, journals the outcome
// and records the action in the step's result.
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
	if err == nil && e.result != nil {
		e.result.Action("%s", what)
	}
	return err
}
