package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// ErrNoRollbackPoint is returned when a run recorded no rollback point.
var ErrNoRollbackPoint = errors.New("no rollback point")

// RecoveredMarker is the one journal write recovery makes: that a dead
// run's leftovers were dealt with. A dry run passes nil.
type RecoveredMarker interface {
	MarkRecovered(ctx context.Context, runID string) error
}

// recoverRuns finishes what runs that died left (weekly runs, rollbacks,
// restores: every command that stops a service or replaces a file is
// journalled), then sweeps the temporaries of dead processes. A run is
// marked recovered only once its database is checked and every service is
// up, so a failed or dry recovery leaves it for the next attempt.
func (k *Kit) Runs(ctx context.Context, env *runbook.Env, dead []history.Abandoned, mark RecoveredMarker, r *runbook.Result) error {
	for _, a := range dead {
		ev := "no step was in progress"
		if len(a.RunningSteps) > 0 {
			ev = "steps not finished: " + strings.Join(a.RunningSteps, ", ")
		}
		if len(a.OpenActions) > 0 {
			ev += "; actions begun but not finished: " + strings.Join(a.OpenActions, "; ")
		}
		r.Finding(runbook.Warning, ev, "%s run %s (started %s) died before finishing", commandOf(a), a.RunID, a.StartedAt.Format(time.RFC3339))
		r.Recommend("Check what stopped run %s (OOM killer, reboot, kill).", a.RunID)
		if err := k.recoverOne(ctx, env, a, r); err != nil {
			return fmt.Errorf("recovering after run %s: %w", a.RunID, err)
		}
		if mark != nil && !env.DryRun {
			if err := mark.MarkRecovered(ctx, a.RunID); err != nil {
				return err
			}
		}
	}
	return k.sweepTemps(ctx, env.DryRun, r)
}

func commandOf(a history.Abandoned) string {
	if a.Command == "" {
		return runbook.CommandWeekly
	}
	return a.Command
}

// recoverOne deals with one dead run: when it died inside a step that may
// change files, the database is checked and the run's rollback point put
// back if the file is missing or damaged; then every managed service is
// started.
func (k *Kit) recoverOne(ctx context.Context, env *runbook.Env, a history.Abandoned, r *runbook.Result) error {
	switch {
	case a.Mutating && k.postgres() != nil:
		if err := k.recoverPostgres(ctx, env, a, r); err != nil {
			return err
		}
	case a.Mutating:
		if err := k.recoverDatabase(ctx, env, a, r); err != nil {
			return err
		}
	}
	if err := k.StartAll(ctx, env, r); err != nil {
		return err
	}
	switch commandOf(a) {
	case runbook.CommandRollback, runbook.CommandRestore:
		if a.Mutating {
			r.Finding(runbook.Warning, strings.Join(a.RunningSteps, ", "),
				"the %s did not finish; the database in place is either the one before it or the restored one, and services are up", commandOf(a))
			r.Recommend("Run the %s again to finish it (`fossamaint report %s` shows what it had done).", commandOf(a), a.RunID)
		}
	}
	return nil
}

// recoverDatabase checks the live database after a run died changing it.
// Every replacement is one rename, so the file is normally whole; if it is
// not, the run's recorded rollback point is restored.
func (k *Kit) recoverDatabase(ctx context.Context, env *runbook.Env, a history.Abandoned, r *runbook.Result) error {
	db := k.in.Database.Path
	if err := k.unlinkUnusedPoint(ctx, env, db, a); err != nil {
		return err
	}
	err := sqlitedb.QuickCheckFile(ctx, db)
	if err == nil {
		env.Record("run %s died while changing files; the database in place passes quick_check and is kept", a.RunID)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if a.RollbackPoint == "" {
		r.Finding(runbook.Critical, err.Error(), "run %s died while changing files and the database now fails its check; the run recorded no rollback point", a.RunID)
		r.Recommend("Restore the newest verified backup: `fossamaint backup list`, then `fossamaint backup restore ID`.")
		return nil
	}
	if _, serr := os.Stat(a.RollbackPoint); serr != nil {
		r.Finding(runbook.Critical, serr.Error(), "the database fails its check and run %s's rollback point is gone", a.RunID)
		r.Recommend("Restore the newest verified backup: `fossamaint backup list`, then `fossamaint backup restore ID`.")
		return nil
	}
	r.Finding(runbook.Warning, err.Error(), "run %s died while changing the database and left it unusable: restoring its rollback point %s", a.RunID, a.RollbackPoint)
	_, err = k.RestoreWithService(ctx, env, a.RollbackPoint, k.DBUnits())
	return err
}

// unlinkUnusedPoint removes a rollback point that is still the live
// database itself: a run killed between linking point B and the swap
// leaves a second name for the live file in the backup tree, which would
// change with every write and pass for a backup.
func (k *Kit) unlinkUnusedPoint(ctx context.Context, env *runbook.Env, db string, a history.Abandoned) error {
	if a.RollbackPoint == "" {
		return nil
	}
	pf, err1 := os.Stat(a.RollbackPoint)
	lf, err2 := os.Stat(db)
	if err1 != nil || err2 != nil || !os.SameFile(pf, lf) {
		return nil
	}
	return env.Do(ctx, "remove "+a.RollbackPoint+": the swap never happened, so it is the live database under a second name, not a rollback point", func(context.Context) error {
		for _, suffix := range []string{"", "-wal", "-journal"} {
			if err := os.Remove(a.RollbackPoint + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	})
}

// Recover finds runs that died and finishes or undoes what they left
// (`fossamaint recover`); the next weekly run does the same first. A dry
// run opens the history read-only and changes nothing.
func (k *Kit) Recover(ctx context.Context, dryRun bool) (runbook.Result, error) {
	lock, store, err := k.openState(ctx, dryRun)
	if err != nil {
		return runbook.Result{}, err
	}
	defer lock.Release()
	var dead []history.Abandoned
	var mark RecoveredMarker
	if store != nil {
		defer store.Close()
		if dead, err = store.Abandoned(ctx); err != nil {
			return runbook.Result{}, err
		}
		if !dryRun {
			mark = store
		}
	}
	env := runbook.NewEnv(dryRun, k.now)
	var r runbook.Result
	err = k.Runs(ctx, env, dead, mark, &r)
	r.Actions = append(env.Actions(), r.Actions...)
	if len(dead) == 0 {
		r.Note = "no run died unfinished"
	}
	return r.Settled(), err
}
