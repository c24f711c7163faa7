package weekly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
)

// ErrNoRollbackPoint is returned when a run recorded no rollback point.
var ErrNoRollbackPoint = errors.New("no rollback point")

// RollbackResult says what a rollback did.
type RollbackResult struct {
	RunID     string   `json:"run_id"`
	Point     string   `json:"rollback_point"`
	Already   bool     `json:"already_rolled_back"`
	KeptAside string   `json:"kept_aside,omitempty"`
	Actions   []string `json:"actions"`
}

// Rollback is the seed's emergency rollback, restoring exactly the
// rollback point that run recorded (the seed takes "some backup from the
// last day"). A run already rolled back is left alone, so running it twice
// cannot throw away writes made since the first time.
func (p *Procedure) Rollback(ctx context.Context, runID string, dryRun bool) (RollbackResult, error) {
	stateDir := p.path(p.d.Config.StateDir)
	lock, err := runbook.AcquireLock(stateDir)
	if err != nil {
		return RollbackResult{}, err
	}
	defer lock.Release()
	store, err := history.Open(ctx, stateDir, p.d.Now)
	if err != nil {
		return RollbackResult{}, err
	}
	defer store.Close()
	if runID == "" || runID == "latest" {
		if runID, err = store.LatestID(ctx); err != nil {
			return RollbackResult{}, err
		}
	}
	res := RollbackResult{RunID: runID}
	if res.Point, err = store.RollbackPointOf(ctx, runID); err != nil {
		return res, err
	}
	if res.Point == "" {
		return res, fmt.Errorf("%w: run %s changed no database file, so there is nothing to roll back to (`fossamaint backup list` shows the backups; `fossamaint backup restore` restores one)", ErrNoRollbackPoint, runID)
	}
	if st, err := store.Status(ctx, runID); err == nil && st == runbook.RunRolledBack {
		res.Already = true
		return res, nil
	}
	if _, err := os.Stat(res.Point); err != nil {
		return res, fmt.Errorf("rollback point %s of run %s: %w", res.Point, runID, err)
	}
	env := runbook.NewEnv(dryRun, p.d.Now)
	err = p.restoreWithService(ctx, env, res.Point)
	res.Actions = env.Actions()
	if err != nil {
		return res, err
	}
	if !dryRun {
		if err := store.MarkRolledBack(ctx, runID); err != nil {
			return res, err
		}
	}
	return res, nil
}

// recoverAbandoned finishes what a run that died left: if it died during
// the downtime step, the database is checked and rollback point B is put
// back when the live file is missing or damaged; then every managed service
// is started.
func (p *Procedure) recoverAbandoned(ctx context.Context, env *runbook.Env, a history.Abandoned, r *runbook.Result) error {
	inDowntime := slices.Contains(a.RunningSteps, "database/optimize")
	if inDowntime && a.RollbackPoint != "" {
		if err := quickCheckFile(ctx, p.path(p.d.Config.Database.Path)); err != nil {
			r.Finding(runbook.Warning, err.Error(), "run %s died during the database downtime and left the database unusable: restoring its rollback point", a.RunID)
			p.s.downtime = downtimeState{stoppedAt: p.d.Now(), pointB: a.RollbackPoint}
			unit, _ := p.dbUnit()
			if err := p.restorePointB(ctx, env, unit, r); err != nil {
				return err
			}
		} else {
			r.Action("run %s died during the database downtime; the database in place passes quick_check and is kept", a.RunID)
		}
	}
	return p.startAll(ctx, env, r)
}

// startAll starts every managed unit that is not active.
func (p *Procedure) startAll(ctx context.Context, env *runbook.Env, r *runbook.Result) error {
	if p.d.Config.Services.Manager == "none" {
		return nil
	}
	for _, u := range p.d.Config.Services.Units {
		active, err := p.d.Services.Active(ctx, u.Name)
		if err != nil || active {
			continue
		}
		err = env.Do(ctx, "start "+u.Name, func(ctx context.Context) error {
			_, err := service.StartAndWait(ctx, p.d.Services, u.Name, p.readinessProbe(u), p.d.Config.Services.ReadyTimeout.D())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Recover finds runs that died and finishes or undoes what they left
// (`fossamaint recover`); the next weekly run does the same first.
func (p *Procedure) Recover(ctx context.Context, dryRun bool) (runbook.Result, error) {
	stateDir := p.path(p.d.Config.StateDir)
	lock, err := runbook.AcquireLock(stateDir)
	if err != nil {
		return runbook.Result{}, err
	}
	defer lock.Release()
	store, err := history.Open(ctx, stateDir, p.d.Now)
	if err != nil {
		return runbook.Result{}, err
	}
	defer store.Close()
	dead, err := store.Abandoned(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	env := runbook.NewEnv(dryRun, p.d.Now)
	var r runbook.Result
	for _, a := range dead {
		r.Finding(runbook.Warning, fmt.Sprintf("steps not finished: %v; actions begun: %v", a.RunningSteps, a.OpenActions),
			"run %s (started %s) died before finishing", a.RunID, a.StartedAt.Format(time.RFC3339))
		if err := p.recoverAbandoned(ctx, env, a, &r); err != nil {
			return r, err
		}
	}
	r.Actions = append(env.Actions(), r.Actions...)
	if len(dead) == 0 {
		r.Note = "no run died unfinished"
	}
	return r, nil
}
