package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// pgDowntime is what a VACUUM FULL with the service stopped has done so
// far: when the unit was stopped (zero: it was not) and whether it runs
// again.
type pgDowntime struct {
	unit      config.Service
	stoppedAt time.Time
	restarted bool
}

// PGThresholds are database.postgres's thresholds for pgdb.PlanOptimize:
// the weekly run's and `db optimize`'s (which applies --vacuum on top).
func PGThresholds(p config.Postgres) pgdb.Thresholds {
	return pgdb.Thresholds{DeadTuplePercent: p.DeadTuplePercent, IndexBloatPercent: p.IndexBloatPercent,
		VacuumFullBloatPercent: p.VacuumFullBloatPercent, VacuumFull: p.VacuumFull == "downtime"}
}

// thresholds are database.postgres's, for pgdb.PlanOptimize.
func (e *pgEngine) thresholds() pgdb.Thresholds { return PGThresholds(e.opt) }

// optimize is database/optimize on PostgreSQL: what pgdb.PlanOptimize
// picks with database.postgres's thresholds. The online part (VACUUM
// (ANALYZE), ANALYZE, REINDEX INDEX CONCURRENTLY) always runs, with no
// downtime; VACUUM FULL only with vacuum_full: downtime, rollback point A
// taken and the service managed, with the service stopped and inside
// both the step's budget and the window.
func (e *pgEngine) optimize(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	ph := e.ph
	if ph.verdict.get().corrupt != nil {
		return runbook.Skipped("the integrity check failed: no optimisation of a damaged database"), nil
	}
	// The step's budget (the engine does not enforce it) and the window
	// bound the VACUUM FULL: whichever ends first.
	until := ph.now().Add(optimizeBudget)
	if !env.Deadline.IsZero() && env.Deadline.Before(until) {
		until = env.Deadline
	}
	db, err := e.open(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	st, err := e.readStats(ctx, db, env.DryRun)
	if err != nil {
		return runbook.Result{}, err
	}
	th := e.thresholds()
	plan := pgdb.PlanOptimize(st, th)
	var r runbook.Result
	if !th.VacuumFull {
		th.VacuumFull = true
		if would := pgdb.PlanOptimize(st, th).VacuumFull; len(would) > 0 {
			r.Finding(runbook.Info, itemLines(would), "%s bloated beyond vacuum_full_bloat_percent (%s): VACUUM FULL would give the space back, with downtime, once database.postgres.vacuum_full is downtime",
				human.Count(len(would), "table is", "tables are"), human.Percent(e.opt.VacuumFullBloatPercent))
		}
	}
	if plan.Empty() {
		nn := runbook.NotNeeded("no table or index is above database.postgres's thresholds (dead tuples %s, index bloat %s)",
			human.Percent(e.opt.DeadTuplePercent), human.Percent(e.opt.IndexBloatPercent))
		nn.Findings = r.Findings
		return nn, nil
	}
	if err := e.optimizeOnline(ctx, env, db, plan, &r); err != nil {
		return r, err
	}
	if len(plan.VacuumFull) == 0 {
		r.Finding(runbook.Info, "", "maintenance ran online (VACUUM, ANALYZE, REINDEX CONCURRENTLY), with no downtime")
		return r, nil
	}
	return r, e.vacuumFull(ctx, env, db, plan, until, &r)
}

// itemLines are items as evidence, one "name: reason" a line.
func itemLines(items []pgdb.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s: %s (%s)", it.Name, it.Reason, human.Bytes(it.Bytes)))
	}
	return strings.Join(first(out, 20), "\n")
}

// optimizeOnline runs plan's online part while the application runs.
func (e *pgEngine) optimizeOnline(ctx context.Context, env *runbook.Env, db *pgdb.DB, plan pgdb.Plan, r *runbook.Result) error {
	online := plan
	online.VacuumFull = nil
	if online.Empty() {
		return nil
	}
	if env.DryRun {
		for _, s := range onlineStatements(online) {
			if err := env.Do(ctx, s, nil); err != nil {
				return err
			}
		}
		return nil
	}
	var res pgdb.OptimizeResult
	what := fmt.Sprintf("online maintenance of %s: %s", db.Name, strings.Join(onlineCounts(online), ", "))
	err := env.Do(ctx, what, func(ctx context.Context) error {
		var err error
		res, err = pgdb.OptimizeOnline(ctx, db, online)
		return err
	})
	for _, a := range res.Actions {
		env.Record("%s", a)
	}
	r.Metric("vacuumed_tables", float64(len(online.Vacuum)), "count")
	r.Metric("analyzed_tables", float64(len(online.Analyze)), "count")
	r.Metric("reindexed_indexes", float64(len(online.Reindex)), "count")
	r.Metric("optimize_online_seconds", res.Duration.Seconds(), "s")
	if err == nil && res.BytesBefore > 0 {
		r.Metric("online_reclaimed_bytes", float64(res.BytesBefore-res.BytesAfter), "bytes")
	}
	return err
}

// onlineStatements are what a dry run says the online part would run.
func onlineStatements(p pgdb.Plan) []string {
	var out []string
	for _, it := range p.Vacuum {
		out = append(out, "VACUUM (ANALYZE) "+it.Name+" online ("+it.Reason+")")
	}
	for _, it := range p.Analyze {
		out = append(out, "ANALYZE "+it.Name+" online ("+it.Reason+")")
	}
	for _, it := range p.Reindex {
		out = append(out, "REINDEX INDEX CONCURRENTLY "+it.Name+" online ("+it.Reason+")")
	}
	return out
}

func onlineCounts(p pgdb.Plan) []string {
	var out []string
	if n := len(p.Vacuum); n > 0 {
		out = append(out, "VACUUM (ANALYZE) of "+human.Count(n, "table", "tables"))
	}
	if n := len(p.Analyze); n > 0 {
		out = append(out, "ANALYZE of "+human.Count(n, "table", "tables"))
	}
	if n := len(p.Reindex); n > 0 {
		out = append(out, "REINDEX INDEX CONCURRENTLY of "+human.Count(n, "index", "indexes"))
	}
	return out
}

// vacuumFull is the step's downtime: stop the managed service, VACUUM
// FULL the bloated tables until the deadline (the step's budget or the
// window, whichever ends first), start the service and wait until it is
// ready. A service that does not come back gets rollback point A (the
// dump) restored and is started again (rolled back).
func (e *pgEngine) vacuumFull(ctx context.Context, env *runbook.Env, db *pgdb.DB, plan pgdb.Plan, until time.Time, r *runbook.Result) error {
	ph := e.ph
	unit, ok := ph.dbUnit()
	switch {
	case !ok:
		r.Finding(runbook.Info, itemLines(plan.VacuumFull), "VACUUM FULL is warranted but needs the service stopped, and fossamaint manages no service for the database (services.manager none or database.service not listed)")
		return nil
	case ph.pointA.get() == "" && !env.DryRun:
		r.Finding(runbook.Warning, itemLines(plan.VacuumFull), "VACUUM FULL is warranted but no verified dump was taken in this run: no downtime without a rollback point")
		return nil
	}
	r.Finding(runbook.Info, itemLines(plan.VacuumFull), "VACUUM FULL warranted (vacuum_full: downtime): %s rewritten with the service stopped",
		human.Count(len(plan.VacuumFull), "table is", "tables are"))
	if env.DryRun {
		steps := []string{"stop " + unit.Name}
		for _, it := range plan.VacuumFull {
			steps = append(steps, "VACUUM (FULL, ANALYZE) "+it.Name+" while the window and the step's budget allow")
		}
		for _, s := range append(steps, "start "+unit.Name+" and wait until it is ready") {
			if err := env.Do(ctx, s, nil); err != nil {
				return err
			}
		}
		return nil
	}
	e.full = pgDowntime{unit: unit, stoppedAt: ph.now()}
	if err := ph.rec.StopUnit(ctx, env, unit); err != nil {
		return e.afterFailedStop(ctx, env, err)
	}
	res, verr := e.runVacuumFull(ctx, env, db, plan, until)
	if verr != nil && ctx.Err() != nil {
		return verr // the engine's Undo starts the service
	}
	if err := e.start(ctx, env); err != nil {
		e.rollbackToPointA(ctx, env, r, err)
		return nil
	}
	if verr != nil {
		// VACUUM FULL is one transaction a table: a failed one left its
		// table as it was, and the service runs again.
		r.Finding(runbook.Warning, verr.Error(), "VACUUM FULL failed; the table it was on is unchanged and %s runs again", unit.Name)
		return nil
	}
	e.reportFull(r, res)
	return nil
}

// runVacuumFull is VACUUM FULL with the service stopped until until (on
// the run's clock): pgdb gets it as a deadline on the wall clock, through
// a context that also ends a statement still running then.
func (e *pgEngine) runVacuumFull(ctx context.Context, env *runbook.Env, db *pgdb.DB, plan pgdb.Plan, until time.Time) (pgdb.OptimizeResult, error) {
	if err := fault.Hit(fault.AfterStop); err != nil {
		return pgdb.OptimizeResult{}, err
	}
	vctx, cancel := context.WithTimeout(ctx, until.Sub(e.ph.now()))
	defer cancel()
	deadline, _ := vctx.Deadline()
	var res pgdb.OptimizeResult
	what := "VACUUM (FULL, ANALYZE) of " + human.Count(len(plan.VacuumFull), "table", "tables") + " with the service stopped"
	start := e.ph.now()
	err := env.Do(vctx, what, func(ctx context.Context) error {
		var err error
		res, err = pgdb.VacuumFull(ctx, db, plan, deadline)
		return err
	})
	for _, a := range res.Actions {
		env.Record("%s", a)
	}
	env.Metric("vacuum_seconds", e.ph.now().Sub(start).Seconds(), "s")
	if err == nil {
		err = fault.Hit(fault.BeforeStart)
	}
	return res, err
}

// start starts the unit, waits until it is ready and records the
// downtime, as the SQLite path does (downtime_seconds, ready_seconds).
func (e *pgEngine) start(ctx context.Context, env *runbook.Env) error {
	ph := e.ph
	ready, err := ph.rec.StartUnit(context.WithoutCancel(ctx), env, e.full.unit)
	if err != nil {
		return err
	}
	e.full.restarted = true
	env.Downtime(ph.now().Sub(e.full.stoppedAt))
	env.Metric("ready_seconds", ready.Seconds(), "s")
	return nil
}

// reportFull is what a VACUUM FULL gave back.
func (e *pgEngine) reportFull(r *runbook.Result, res pgdb.OptimizeResult) {
	r.Metric("size_before_bytes", float64(res.BytesBefore), "bytes")
	r.Metric("size_after_bytes", float64(res.BytesAfter), "bytes")
	r.Metric("reclaimed_bytes", float64(res.BytesBefore-res.BytesAfter), "bytes")
	r.Tally(runbook.Tally{Verb: "vacuumed", Object: "database", Count: 1, BytesBefore: res.BytesBefore, BytesAfter: res.BytesAfter})
	if len(res.Left) > 0 {
		r.Finding(runbook.Info, itemLines(res.Left), "%s left for next week: VACUUM FULL would have passed the end of the window or the step's budget",
			human.Count(len(res.Left), "table is", "tables are"))
	}
}

// afterFailedStop: a stop that failed may have half happened; the
// service is started (and the downtime recorded) before the error.
func (e *pgEngine) afterFailedStop(ctx context.Context, env *runbook.Env, cause error) error {
	if err := e.start(ctx, env); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// rollbackToPointA: the service did not come back after the VACUUM FULL.
// Rollback point A (this run's dump) is restored with the service
// stopped and the service started again; writes between the dump and the
// stop are not in it, which the finding says.
func (e *pgEngine) rollbackToPointA(ctx context.Context, env *runbook.Env, r *runbook.Result, cause error) {
	ph := e.ph
	unit, pointA := e.full.unit, ph.pointA.get()
	r.Finding(runbook.Critical, cause.Error(), "%s did not come back after VACUUM FULL", unit.Name)
	stoppedAt, err := ph.rec.RestoreWithService(ctx, env, pointA, []config.Service{unit})
	// The downtime began with the first stop, not the restore's.
	env.Downtime(ph.now().Sub(e.full.stoppedAt))
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "ROLLBACK FAILED: the database or service needs manual attention")
		r.Recommend("Restore %s by hand with `fossamaint backup restore %s` and start %s.", pointA, pointA, unit.Name)
		return
	}
	e.full.restarted = true
	r.Finding(runbook.Critical, pointA, "rollback point A %s was restored and %s started again; writes between the dump and %s were lost",
		pointA, unit.Name, stoppedAt.Format(time.RFC3339))
	r.RolledBack()
	r.Recommend("Find out why %s did not start after VACUUM FULL (%v) before the next window.", unit.Name, cause)
}

// undoOptimize is the engine's Undo for an interrupted optimize step: an
// interrupted VACUUM FULL rolled back in the server, so the service only
// needs starting again.
func (e *pgEngine) undoOptimize(ctx context.Context, env *runbook.Env) error {
	if e.full.stoppedAt.IsZero() || e.full.restarted || env.DryRun {
		return nil
	}
	return e.start(ctx, env)
}
