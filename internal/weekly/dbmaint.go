package weekly

import (
	"context"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// dbBackup takes rollback point A: the week's full backup, online.
func (ph *databasePhase) dbBackup(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	var created backup.Created
	err := env.Do(ctx, "online backup of the database to "+ph.layout.WeeklyDir, func(ctx context.Context) error {
		var err error
		created, err = ph.backups.create(ctx, backup.KindWeekly, "point-a")
		return err
	})
	if err != nil || env.DryRun {
		return r, err
	}
	ph.pointA.put(created.Path)
	r.Tally(runbook.Tally{Verb: "taken", Object: "weekly backup", Count: 1, BytesBefore: created.Manifest.Size}) // the summary's words
	r.Action("verified backup %s (%s, %s %s, sha256 %s)", created.Path, human.Bytes(created.Manifest.Size),
		created.Manifest.Check, created.Manifest.CheckResult, short(created.Manifest.SHA256))
	r.Metric("backup_seconds", created.Duration.D().Seconds(), "s")
	r.Metric("verify_seconds", created.VerifyDuration.D().Seconds(), "s")
	r.Metric("backup_bytes", float64(created.Manifest.Size), "bytes")
	return r, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// dbUnit is the managed unit stopped for downtime, if any.
func (ph *databasePhase) dbUnit() (config.Service, bool) {
	return ph.services.Unit(ph.db.Service)
}

// dbOptimize is the only step with downtime. See database() for the order.
func (ph *databasePhase) dbOptimize(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if ph.verdict.get().corrupt != nil {
		return runbook.Skipped("the integrity check failed: no optimisation of a damaged database"), nil
	}
	if ph.pointA.get() == "" && !env.DryRun {
		return runbook.Skipped("no verified backup was taken in this run: no downtime without one"), nil
	}
	plan, err := ph.decideVacuum(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	unit, ok := ph.dbUnit()
	if !ok {
		return ph.optimizeOnline(ctx, env, plan)
	}
	if !plan.vacuum && !plan.reindex && plan.wal {
		// PRAGMA optimize (and an incremental vacuum) run beside the
		// application's writers: stopping it would be downtime for nothing.
		r, err := ph.optimizeOnline(ctx, env, plan)
		r.Finding(runbook.Info, plan.reason, "no VACUUM or REINDEX needed and the database is in WAL mode: maintenance ran online, with no downtime")
		return r, err
	}
	var r runbook.Result
	r.Finding(runbook.Info, "", "%s", sqlitedb.PerConnectionPragmasNote)
	if plan.vacuum {
		r.Finding(runbook.Info, plan.reason, "VACUUM warranted: the file is rebuilt with VACUUM INTO and swapped in")
	} else {
		r.Finding(runbook.Info, plan.reason, "no VACUUM needed: PRAGMA optimize in place keeps the downtime short")
	}
	if env.DryRun {
		return ph.describeDowntime(ctx, env, unit, plan, r)
	}
	d := downtime{ph: ph, env: env, unit: unit, plan: plan, r: &r, online: plan.wal}
	if err := d.run(ctx); err != nil {
		if ctx.Err() != nil {
			// Interrupted: the engine runs undoDowntime with a live context.
			return r, err
		}
		d.rollback(ctx, err)
		return r, nil
	}
	if ph.served != nil && ph.downtime.restarted {
		ph.served.put(stampDB(ph.db.Path, ph.now()))
	}
	return r, nil
}

// vacuumPlan is the decision to VACUUM and why.
type vacuumPlan struct {
	vacuum, reindex bool
	reason          string
	// wal: the database is in WAL mode, so a long read (the online copy)
	// does not block the application's writers, and no stop is needed to
	// switch it to WAL.
	wal bool
	// switchIncremental: the VACUUM's copy is written in
	// auto_vacuum=INCREMENTAL mode (database.vacuum: incremental, once).
	switchIncremental bool
	// reclaimOnline: free pages go back with PRAGMA incremental_vacuum
	// while the service runs, with no downtime.
	reclaimOnline bool
}

func (ph *databasePhase) decideVacuum(ctx context.Context) (vacuumPlan, error) {
	cfg := ph.db
	msgs := ph.verdict.get().corrupt
	plan := vacuumPlan{reindex: cfg.Reindex == "always" || indexProblem(msgs)}
	db, err := ph.openDB(ctx)
	if err != nil {
		return plan, err
	}
	defer db.Close()
	if plan.wal, err = db.InWAL(ctx); err != nil {
		return plan, err
	}
	switch cfg.Vacuum {
	case "incremental":
		return ph.decideIncremental(ctx, db, plan)
	case "always":
		plan.vacuum, plan.reason = true, "database.vacuum is always"
		return plan, nil
	case "never":
		plan.reason = "database.vacuum is never"
		return plan, nil
	}
	frag, err := db.Fragmentation(ctx)
	if err != nil {
		return plan, err
	}
	plan.vacuum, plan.reason = sqlitedb.NeedsVacuum(frag, cfg.VacuumFreelistRatio, cfg.VacuumUnusedRatio)
	return plan, nil
}

// decideIncremental is database.vacuum: incremental. The database is
// switched to auto_vacuum=INCREMENTAL by the next VACUUM that is due anyway
// (the copy is written in that mode); from then on free pages are given
// back online, in short chunks, and a VACUUM (with its downtime) is left
// for real fragmentation: unused space inside pages.
func (ph *databasePhase) decideIncremental(ctx context.Context, db *sqlitedb.DB, plan vacuumPlan) (vacuumPlan, error) {
	cfg := ph.db
	mode, err := db.AutoVacuum(ctx)
	if err != nil {
		return plan, err
	}
	frag, err := db.Fragmentation(ctx)
	if err != nil {
		return plan, err
	}
	if mode != sqlitedb.AutoVacuumIncremental {
		plan.vacuum, plan.reason = sqlitedb.NeedsVacuum(frag, cfg.VacuumFreelistRatio, cfg.VacuumUnusedRatio)
		plan.switchIncremental = plan.vacuum
		if plan.vacuum {
			plan.reason += "; the copy switches the database to auto_vacuum=INCREMENTAL, so later weeks give free pages back online"
		} else {
			plan.reason += "; the switch to auto_vacuum=INCREMENTAL waits for the next VACUUM that is due"
		}
		return plan, nil
	}
	unusedOnly := frag
	unusedOnly.FreelistRatio = 0
	if need, reason := sqlitedb.NeedsVacuum(unusedOnly, cfg.VacuumFreelistRatio, cfg.VacuumUnusedRatio); need {
		plan.vacuum, plan.reason = true, reason+" (auto_vacuum=INCREMENTAL does not reclaim space inside pages)"
		return plan, nil
	}
	plan.reclaimOnline = frag.FreelistCount > 0
	plan.reason = fmt.Sprintf("auto_vacuum=INCREMENTAL: %d free pages (%s) are given back online", frag.FreelistCount, human.Percent(100*frag.FreelistRatio))
	return plan, nil
}

// optimizeOnline is what can be done without stopping the application:
// PRAGMA optimize. VACUUM would race the application's writes.
func (ph *databasePhase) optimizeOnline(ctx context.Context, env *runbook.Env, plan vacuumPlan) (runbook.Result, error) {
	var r runbook.Result
	if plan.vacuum {
		r.Finding(runbook.Info, plan.reason, "a VACUUM would help but needs the service stopped, and fossamaint manages no service for the database (services.manager none or database.service not listed)")
	}
	err := env.Do(ctx, "PRAGMA optimize (online)", func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, ph.db.Path, sqlitedb.MaintenanceOptions(false))
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := db.Optimize(ctx, sqlitedb.OptimizeOptions{})
		for _, a := range res.Actions {
			r.Action("%s", a)
		}
		return err
	})
	if err != nil || !plan.reclaimOnline {
		return r, err
	}
	return r, ph.reclaimOnline(ctx, env, &r)
}

// reclaimChunk is the pages one PRAGMA incremental_vacuum gives back: one
// short write transaction, so the application's writers wait at most
// about as long as it takes (bench/incvac: 150 ms at 256 pages on a
// loaded machine, 2.3 s at 2048).
const reclaimChunk = 256

// reclaimOnline gives free pages back to the filesystem while the service
// runs, in chunks, within the time left in the window.
func (ph *databasePhase) reclaimOnline(ctx context.Context, env *runbook.Env, r *runbook.Result) error {
	budget := time.Duration(0)
	if !env.Deadline.IsZero() {
		budget = max(env.Deadline.Sub(ph.now()), time.Minute)
	}
	return env.Do(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d) until the freelist is empty, online", reclaimChunk), func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, ph.db.Path, sqlitedb.MaintenanceOptions(false))
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := db.IncrementalVacuum(ctx, reclaimChunk, budget)
		r.Metric("reclaimed_bytes", float64(res.FreedBytes), "bytes")
		r.Metric("reclaim_longest_lock_seconds", res.LongestLock.D().Seconds(), "s")
		env.Record("gave %d free pages (%s) back in %d chunks over %s; the longest held the write lock %s",
			res.FreedPages, human.Bytes(res.FreedBytes), res.Chunks, human.Duration(res.Duration.D()), human.Duration(res.LongestLock.D()))
		if res.LeftPages > 0 && err == nil {
			r.Finding(runbook.Info, "", "%d free pages are left for next week: the window's time ran out", res.LeftPages)
		}
		return err
	})
}

func (ph *databasePhase) describeDowntime(ctx context.Context, env *runbook.Env, unit config.Service, plan vacuumPlan, r runbook.Result) (runbook.Result, error) {
	db := ph.db.Path
	pointB := "rollback point B in " + ph.layout.MaintenanceDir
	var steps []string
	switch {
	case plan.vacuum && plan.wal:
		steps = []string{"VACUUM INTO a temp file beside " + db + " while the service runs, check and optimise it",
			"stop " + unit.Name, "PRAGMA wal_checkpoint(TRUNCATE) on " + db,
			"if PRAGMA data_version shows a commit since the copy began, make the copy again now",
			"swap it in, keeping the original as " + pointB}
	case plan.vacuum:
		steps = []string{"stop " + unit.Name, "PRAGMA wal_checkpoint(TRUNCATE) on " + db,
			"VACUUM INTO a temp file beside " + db + ", check and optimise it",
			"swap it in, keeping the original as " + pointB}
	default:
		steps = []string{"stop " + unit.Name, "PRAGMA wal_checkpoint(TRUNCATE) on " + db,
			"back up " + db + " as " + pointB, "PRAGMA optimize in place", "quick_check"}
	}
	steps = append(steps, "start "+unit.Name+" and wait until it is ready")
	for _, s := range steps {
		if err := env.Do(ctx, s, nil); err != nil {
			return r, err
		}
	}
	return r, nil
}
