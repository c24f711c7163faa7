package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// pgThresholds are database.postgres's thresholds with --vacuum applied:
// auto keeps database.postgres.vacuum_full, always allows VACUUM FULL
// (above vacuum_full_bloat_percent, with downtime), never forbids it.
func pgThresholds(o *install.Installation, vacuum string) (pgdb.Thresholds, error) {
	th := weekly.PGThresholds(o.Database.Postgres)
	switch vacuum {
	case "", "auto":
	case "always":
		th.VacuumFull = true
	case "never":
		th.VacuumFull = false
	default:
		return th, usageErr("--vacuum %q: for PostgreSQL use auto (database.postgres.vacuum_full), always (VACUUM FULL of the tables above database.postgres.vacuum_full_bloat_percent, with downtime) or never", vacuum)
	}
	return th, nil
}

// pgOptimize is db optimize of a PostgreSQL database, a journalled run of
// three steps: the plan from the statistics (read-only), VACUUM
// (ANALYZE), ANALYZE and REINDEX INDEX CONCURRENTLY while the application
// runs, and, only when the thresholds allow it and a table warrants it,
// VACUUM FULL with the database's service stopped through the recovery
// kit, after a dump taken as the rollback point, within the window. Only
// that last step needs the window (or --force-window).
func (a *app) pgOptimize(cmd *cobra.Command, in *install.Installation, src *backup.PostgresSource, vacuum string, f weeklyFlags) error {
	ctx := cmd.Context()
	th, err := pgThresholds(in, vacuum)
	if err != nil {
		return err
	}
	db, _, err := pgOpen(ctx, src, false)
	if err != nil {
		return err
	}
	defer db.Close()
	// A dry run changes nothing, pgstattuple included: its figures are
	// then the estimates.
	st, err := pgdb.ReadStats(ctx, db, pgdb.StatsOptions{InstallExtension: in.Database.Postgres.InstallExtensions && !f.dryRun})
	if err != nil {
		return pgUnusable(err)
	}
	plan := pgdb.PlanOptimize(st, th)
	if len(plan.VacuumFull) > 0 {
		if err := a.optimizeWindow(in.Window, f); err != nil {
			return err
		}
	}
	// The budget is the window's rest (its whole length when forced
	// outside it), on the clock VacuumFull reads: the machine's.
	budget := in.Window.Duration
	if span, inside := in.Window.Current(a.now()); inside {
		budget = span.End.Sub(a.now())
	}
	deadline := time.Now().Add(budget)
	kit := a.recovery(in)
	steps := []runbook.Step{
		{Name: "plan", Kind: runbook.ReadOnly, Run: func(context.Context, *runbook.Env) (runbook.Result, error) {
			return planResult(st, plan, th), nil
		}},
		{Name: "online", Kind: runbook.Mutating, Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			return pgOnline(ctx, env, db, plan)
		}},
		{Name: "vacuum_full", Kind: runbook.Downtime, Critical: true,
			Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
				return a.pgVacuumFull(ctx, env, in, kit, src, db, plan, deadline)
			},
			Undo: func(ctx context.Context, env *runbook.Env) error {
				var r runbook.Result
				return kit.StartAll(ctx, env, &r)
			}},
	}
	run, err := kit.Journaled(ctx, commandName(cmd), f.dryRun, runbook.Plan{Phases: []runbook.Phase{
		{Name: "database", Title: "Optimise the PostgreSQL database", Steps: steps}}})
	if run == nil {
		return err
	}
	opts := report.Options{Secrets: a.secrets(in.Config)}
	if f.asJSON {
		if rerr := report.Render(a.stdout, report.FormatJSON, run, opts); rerr != nil {
			return rerr
		}
	} else {
		_ = report.Steps(a.stdout, run, opts)
	}
	if err != nil {
		return err
	}
	return exitSilently(runExit(run))
}

// planResult lists what the statistics warrant, and why.
func planResult(st pgdb.Stats, plan pgdb.Plan, th pgdb.Thresholds) runbook.Result {
	var r runbook.Result
	r.Metric("db_size_bytes", float64(st.Size), "B")
	if plan.Empty() {
		r.Action("nothing warrants VACUUM, ANALYZE, REINDEX or VACUUM FULL (dead tuples below %.0f%%, index bloat below %.0f%%)", th.DeadTuplePercent, th.IndexBloatPercent)
	}
	for _, g := range []struct {
		what  string
		items []pgdb.Item
	}{{"VACUUM (ANALYZE)", plan.Vacuum}, {"ANALYZE", plan.Analyze}, {"REINDEX INDEX CONCURRENTLY", plan.Reindex}, {"VACUUM FULL (downtime)", plan.VacuumFull}} {
		for _, it := range g.items {
			r.Action("plan: %s %s: %s", g.what, it.Name, it.Reason)
		}
	}
	if !th.VacuumFull {
		r.Action("VACUUM FULL is not allowed (database.postgres.vacuum_full: never, or --vacuum never)")
	}
	return r
}

func itemNames(items []pgdb.Item) string {
	var n []string
	for _, it := range items {
		n = append(n, it.Name)
	}
	return strings.Join(n, ", ")
}

// pgOnline runs the plan's online items through the journal.
func pgOnline(ctx context.Context, env *runbook.Env, db *pgdb.DB, plan pgdb.Plan) (runbook.Result, error) {
	var what []string
	for _, g := range []struct {
		stmt  string
		items []pgdb.Item
	}{{"VACUUM (ANALYZE)", plan.Vacuum}, {"ANALYZE", plan.Analyze}, {"REINDEX INDEX CONCURRENTLY", plan.Reindex}} {
		if len(g.items) > 0 {
			what = append(what, g.stmt+" "+itemNames(g.items))
		}
	}
	if len(what) == 0 {
		return runbook.Skipped("nothing to do while the application runs"), nil
	}
	var res pgdb.OptimizeResult
	err := env.Do(ctx, strings.Join(what, "; ")+" (online)", func(ctx context.Context) error {
		var err error
		res, err = pgdb.OptimizeOnline(ctx, db, pgdb.Plan{Vacuum: plan.Vacuum, Analyze: plan.Analyze, Reindex: plan.Reindex})
		return err
	})
	var r runbook.Result
	for _, act := range res.Actions {
		env.Record("%s", act)
	}
	if res.BytesBefore > res.BytesAfter {
		r.Metric("db_bytes_reclaimed", float64(res.BytesBefore-res.BytesAfter), "B")
	}
	return r, err
}

// pgVacuumFull dumps the database as the rollback point, stops the
// database's service, runs VACUUM FULL on the plan's tables within
// deadline, and starts the service again whatever happened.
func (a *app) pgVacuumFull(ctx context.Context, env *runbook.Env, in *install.Installation, kit *recovery.Kit, src *backup.PostgresSource, db *pgdb.DB, plan pgdb.Plan, deadline time.Time) (runbook.Result, error) {
	if len(plan.VacuumFull) == 0 {
		return runbook.Skipped("no table warrants VACUUM FULL, or it is not allowed"), nil
	}
	var r runbook.Result
	o := in.CreateOptions(backup.KindMaintenance, a.now())
	var created backup.Created
	err := env.Do(ctx, "dump "+src.Name()+" into "+in.Backups.Layout.MaintenanceDir+" as the rollback point", func(ctx context.Context) error {
		var err error
		created, err = backup.Create(ctx, o)
		return err
	})
	if err == nil && !env.DryRun {
		err = env.RecordRollbackPoint(ctx, created.Path)
	}
	if err != nil {
		return r, err
	}
	var stopped []int
	units := kit.DBUnits()
	for i, u := range units {
		if err = kit.StopUnit(ctx, env, u); err != nil {
			break
		}
		stopped = append(stopped, i)
	}
	stoppedAt := a.now()
	if err == nil {
		var res pgdb.OptimizeResult
		err = env.Do(ctx, "VACUUM (FULL, ANALYZE) "+itemNames(plan.VacuumFull)+" (service stopped)", func(ctx context.Context) error {
			var verr error
			res, verr = pgdb.VacuumFull(ctx, db, plan, deadline)
			return verr
		})
		for _, act := range res.Actions {
			env.Record("%s", act)
		}
		if len(res.Left) > 0 {
			r.Finding(runbook.Warning, itemNames(res.Left), "VACUUM FULL of %s was left for the next window: it would not have finished by %s", itemNames(res.Left), deadline.Format(time.RFC3339))
		}
	}
	sctx := context.WithoutCancel(ctx)
	for _, i := range stopped {
		if _, serr := kit.StartUnit(sctx, env, units[i]); serr != nil && err == nil {
			err = fmt.Errorf("starting %s after VACUUM FULL: %w", units[i].Name, serr)
		}
	}
	if len(stopped) > 0 && !env.DryRun {
		env.Downtime(a.now().Sub(stoppedAt))
	}
	return r, err
}
