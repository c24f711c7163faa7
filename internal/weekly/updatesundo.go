package weekly

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// healthWatch remembers which postflight health steps failed (a critical
// finding or an error): the undo step reads it.
type healthWatch struct {
	h handoff[[]string]
}

// watch wraps a step's Run so that its failure is noted under name.
func (w *healthWatch) watch(name string, run func(context.Context, *runbook.Env) (runbook.Result, error)) func(context.Context, *runbook.Env) (runbook.Result, error) {
	return func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
		r, err := run(ctx, env)
		critical := err != nil
		for _, f := range r.Findings {
			critical = critical || f.Severity == runbook.Critical
		}
		if critical {
			w.h.put(append(slices.Clone(w.h.get()), name))
		}
		return r, err
	}
}

func (w *healthWatch) failed() []string { return w.h.get() }

// updatesUndo is postflight's undo-updates step: when the endpoints or
// the comprehensive check failed after this run applied application
// updates (pip, npm), they are undone from their snapshots, the services
// restarted and the endpoints probed again; the run is rolled back. OS
// packages are never downgraded: their apt-get install commands are
// listed instead.
type updatesUndo struct {
	set      *appliedSet
	health   *healthWatch
	rec      *recovery.Kit
	services install.Services
	checker  *health.Checker
	checks   []health.Check
	record   func(ctx context.Context, changes []history.UpdateChange) error
}

func (u *updatesUndo) run(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	applied := u.set.all()
	if len(applied) == 0 {
		return runbook.NotNeeded("no update was applied in this run"), nil
	}
	failed := u.health.failed()
	if len(failed) == 0 {
		return runbook.NotNeeded("postflight health is good: the applied updates stay"), nil
	}
	var r runbook.Result
	app := 0
	for _, a := range applied {
		if !a.applied.Automatic() {
			r.Finding(runbook.Warning, commandLines(a.applied.UndoCommands),
				"postflight health failed (%s) after %s OS package upgrades; they are not downgraded automatically", strings.Join(failed, ", "), a.applied.Manager)
			r.Recommend("If the OS upgrades caused it, downgrade with the listed apt-get install commands.")
			continue
		}
		app++
	}
	if app == 0 {
		return r, nil
	}
	reverted, undone, err := undoApplied(ctx, env, u.set)
	if rerr := recordReversal(ctx, u.record, env.RunID(), undone); rerr != nil {
		r.Finding(runbook.Warning, rerr.Error(), "the undone changes could not be recorded in the history")
	}
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "undoing the application updates failed: the application may need manual attention")
		return r, err
	}
	r.RolledBack()
	r.Finding(runbook.Warning, strings.Join(reverted, "\n"), "postflight health failed (%s) after the application updates: reverted %d packages",
		strings.Join(failed, ", "), len(reverted))
	if err := u.restart(ctx, env); err != nil {
		r.Finding(runbook.Critical, err.Error(), "restarting the services after the undo failed")
		return r, err
	}
	u.verify(ctx, env, &r)
	return r, nil
}

// restart stops and starts every managed unit, waiting until each is ready.
func (u *updatesUndo) restart(ctx context.Context, env *runbook.Env) error {
	var errs []error
	for _, unit := range u.services.Managed() {
		if err := u.rec.StopUnit(ctx, env, unit); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := u.rec.StartUnit(ctx, env, unit); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// verify probes the endpoints again (not the run's earlier probes).
func (u *updatesUndo) verify(ctx context.Context, env *runbook.Env, r *runbook.Result) {
	if len(u.checks) == 0 || env.DryRun {
		return
	}
	bad := 0
	for _, res := range u.checker.ProbeAll(ctx, u.checks) {
		if !res.Healthy && res.Critical {
			bad++
			r.Finding(runbook.Critical, res.Err, "%s is still not healthy after the undo (%s)", res.URL, statusText(res))
		}
	}
	if bad == 0 {
		env.Record("verified: every critical endpoint answers after the undo")
	}
}

// recordReversal records the undone application changes as changes back
// (from the upgraded version to the previous one).
func recordReversal(ctx context.Context, record func(context.Context, []history.UpdateChange) error, runID string, applied []appliedUpdate) error {
	if record == nil {
		return nil
	}
	var rows []history.UpdateChange
	for _, a := range applied {
		if !a.applied.Automatic() {
			continue
		}
		for _, c := range a.applied.Changes {
			rows = append(rows, history.UpdateChange{RunID: runID, Manager: c.Manager, Package: c.Name, From: c.To, To: c.From})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return record(context.WithoutCancel(ctx), rows)
}

// undoApplied undoes the application updates in set, newest first, and
// returns what was reverted ("pip requests 2.32.3 -> 2.31.0") and the
// updates undone, which leave set (so nothing is undone twice). OS
// packages (updates.ErrNoAutomaticUndo) are left alone.
func undoApplied(ctx context.Context, env *runbook.Env, set *appliedSet) ([]string, []appliedUpdate, error) {
	all := set.all()
	var reverted []string
	var undone, kept []appliedUpdate
	var errs []error
	for i := len(all) - 1; i >= 0; i-- {
		a := all[i]
		if !a.applied.Automatic() {
			kept = append(kept, a)
			continue
		}
		err := env.Do(ctx, fmt.Sprintf("undo the %s updates from %s", a.applied.Manager, a.applied.Snapshot), func(ctx context.Context) error {
			return a.applier.Undo(ctx, a.applied)
		})
		if err != nil {
			kept = append(kept, a)
			if !errors.Is(err, updates.ErrNoAutomaticUndo) {
				errs = append(errs, fmt.Errorf("undoing the %s updates: %w", a.applied.Manager, err))
			}
			continue
		}
		undone = append(undone, a)
		for _, c := range a.applied.Changes {
			reverted = append(reverted, fmt.Sprintf("%s %s %s -> %s", c.Manager, c.Name, c.To, c.From))
		}
	}
	slices.Reverse(kept)
	set.replace(kept)
	set.markUndone(reverted)
	return reverted, undone, errors.Join(errs...)
}

func commandLines(cmds [][]string) string {
	var lines []string
	for _, c := range cmds {
		lines = append(lines, strings.Join(c, " "))
	}
	return strings.Join(lines, "\n")
}
