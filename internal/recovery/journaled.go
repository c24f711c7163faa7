package recovery

import (
	"context"
	"os"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Journaled runs plan as a stand-alone run of command (prune, restore,
// rollback) under the state-dir lock and in the history journal, like a
// weekly run: a kill in the middle leaves a dead run that `recover` and
// the next weekly run see and finish. A dry run takes the lock but
// journals nothing.
func (k *Kit) Journaled(ctx context.Context, command string, dryRun bool, plan runbook.Plan) (*runbook.Run, error) {
	lock, store, err := k.openState(ctx, dryRun)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if store != nil {
		defer store.Close()
	}
	return k.execute(ctx, store, dryRun, command, plan)
}

// execute runs plan under the engine, journalled in store unless this is
// a dry run, and summarises the run.
func (k *Kit) execute(ctx context.Context, store *history.Store, dryRun bool, command string, plan runbook.Plan) (*runbook.Run, error) {
	now := k.now()
	host, _ := os.Hostname()
	run := &runbook.Run{RunID: runbook.NewRunID(now), Command: command, Host: host, Operator: k.in.Operator,
		ToolVersion: k.in.ToolVersion, DryRun: dryRun, StartedAt: now}
	eng := &runbook.Engine{Now: k.now, DryRun: dryRun}
	if store != nil && !dryRun {
		eng.Journal = store
	}
	err := eng.Execute(ctx, plan, run)
	run.Summarize()
	if eng.Journal != nil {
		if jerr := store.RunFinished(context.WithoutCancel(ctx), run); jerr != nil && err == nil {
			err = jerr
		}
	}
	return run, err
}
