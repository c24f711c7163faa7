package recovery

import (
	"context"
	"os"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// RollbackInRun is the rollback of window.overrun: rollback, done by the
// weekly run itself (which holds the lock) when its window closes: the
// steps of `fossamaint rollback` in one, for the run env belongs to.
// It verifies point (the run's rollback point) before anything is
// stopped, stops every managed service, restores point and the
// configuration snapshot the run took, starts the services (even after
// a failure) and probes the endpoints. The result lists what it did; the
// error is a failure to verify, restore or start.
func (k *Kit) RollbackInRun(ctx context.Context, env *runbook.Env, point string) (runbook.Result, error) {
	src := restoreSource{db: point, config: k.SnapshotDir(env.RunID()), what: "rollback point of run " + env.RunID()}
	r, err := k.verifySource(src)(ctx, env)
	// In order with the actions that follow.
	for _, a := range r.Actions {
		env.Record("%s", a)
	}
	r.Actions = nil
	if err != nil {
		return r, err
	}
	if _, err := k.RestoreWithService(ctx, env, src.db, k.in.Services.Managed(), func(ctx context.Context) error {
		return k.restoreConfig(ctx, env, src.config, &r)
	}); err != nil {
		return r, err
	}
	// The database's size is that of the restored file again.
	if fi, err := os.Stat(k.in.Database.Path); err == nil {
		r.Headline(runbook.HeadlineDatabaseSizeBytes, float64(fi.Size()), "bytes")
	}
	h, err := k.restoredHealth(ctx, env)
	r.Actions = append(r.Actions, h.Actions...)
	for _, f := range h.Findings {
		r.Findings = append(r.Findings, f)
		r.Status = runbook.Worse(r.Status, runbook.StatusOf(f.Severity))
	}
	return r, err
}
