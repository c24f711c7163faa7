package runbook

import "context"

// Journal durably records a run as it happens, so a run killed at any point
// can be found and finished or undone by the next invocation.
type Journal interface {
	RunStarted(ctx context.Context, run *Run) error
	// StepStarted records that a step began, with its kind, so recovery
	// knows whether a step that never finished may have changed anything.
	StepStarted(ctx context.Context, runID, phase, step string, kind Kind) error
	StepFinished(ctx context.Context, run *Run, phase string, res StepResult) error
	Action(ctx context.Context, runID, phase, step, what, outcome string) error
	// RollbackPoint records the file this run can be rolled back to.
	RollbackPoint(ctx context.Context, runID, path string) error
	RunFinished(ctx context.Context, run *Run) error
}
