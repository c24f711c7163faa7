package weekly

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// createBackup takes a verified backup of kind with a manifest.
func (p *Procedure) createBackup(ctx context.Context, kind backup.Kind, tags ...string) (backup.Created, error) {
	cfg := p.d.Config
	return backup.Create(ctx, backup.CreateOptions{
		Kind: kind, DBPath: p.path(cfg.Database.Path), EnvFile: p.path(cfg.Security.EnvFile),
		DataDir: p.path("backend/data"), ConfigFile: p.d.ConfigPath, Layout: p.backupLayout(),
		Now: p.d.Now(), Tags: tags, Verify: cfg.Database.Verify, ToolVersion: p.d.ToolVersion,
	})
}

// dbBackup takes rollback point A: the week's full backup, online.
func (p *Procedure) dbBackup(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	var created backup.Created
	err := env.Do(ctx, "online backup of the database to "+p.path(p.d.Config.Backups.WeeklyDir), func(ctx context.Context) error {
		var err error
		created, err = p.createBackup(ctx, backup.KindWeekly, "point-a")
		return err
	})
	if err != nil || env.DryRun {
		return r, err
	}
	p.s.pointA = created.Path
	r.Action("verified backup %s (%s, %s %s, sha256 %s)", created.Path, humanize.IBytes(uint64(created.Manifest.Size)),
		created.Manifest.Check, created.Manifest.CheckResult, short(created.Manifest.SHA256))
	r.Metric("backup_seconds", created.Duration.Seconds(), "s")
	r.Metric("verify_seconds", created.VerifyDuration.Seconds(), "s")
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
func (p *Procedure) dbUnit() (config.Service, bool) {
	if p.d.Config.Services.Manager == "none" {
		return config.Service{}, false
	}
	for _, u := range p.d.Config.Services.Units {
		if u.Name == p.d.Config.Database.Service {
			return u, true
		}
	}
	return config.Service{}, false
}

// dbOptimize is the only step with downtime. See database() for the order.
func (p *Procedure) dbOptimize(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if msgs, _ := p.s.corruption(); msgs != nil {
		return runbook.Skipped("the integrity check failed: no optimisation of a damaged database"), nil
	}
	if p.s.pointA == "" && !env.DryRun {
		return runbook.Skipped("no verified backup was taken in this run: no downtime without one"), nil
	}
	plan, err := p.decideVacuum(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	unit, ok := p.dbUnit()
	if !ok {
		return p.optimizeOnline(ctx, env, plan)
	}
	var r runbook.Result
	r.Finding(runbook.Info, "", "%s", sqlitedb.PerConnectionPragmasNote)
	if plan.vacuum {
		r.Finding(runbook.Info, plan.reason, "VACUUM warranted: the file is rebuilt with VACUUM INTO and swapped in")
	} else {
		r.Finding(runbook.Info, plan.reason, "no VACUUM needed: PRAGMA optimize in place keeps the downtime short")
	}
	if env.DryRun {
		return p.describeDowntime(ctx, env, unit, plan, r)
	}
	d := downtime{p: p, env: env, unit: unit, plan: plan, r: &r}
	if err := d.run(ctx); err != nil {
		if ctx.Err() != nil {
			// Interrupted: the engine runs undoDowntime with a live context.
			return r, err
		}
		d.rollback(ctx, err)
	}
	return r, nil
}

// vacuumPlan is the decision to VACUUM and why.
type vacuumPlan struct {
	vacuum, reindex bool
	reason          string
}

func (p *Procedure) decideVacuum(ctx context.Context) (vacuumPlan, error) {
	cfg := p.d.Config.Database
	msgs, _ := p.s.corruption()
	plan := vacuumPlan{reindex: cfg.Reindex == "always" || indexProblem(msgs)}
	switch cfg.Vacuum {
	case "always":
		plan.vacuum, plan.reason = true, "database.vacuum is always"
		return plan, nil
	case "never":
		plan.reason = "database.vacuum is never"
		return plan, nil
	}
	db, err := p.openDB(ctx)
	if err != nil {
		return plan, err
	}
	defer db.Close()
	frag, err := db.Fragmentation(ctx)
	if err != nil {
		return plan, err
	}
	plan.vacuum, plan.reason = sqlitedb.NeedsVacuum(frag, cfg.VacuumFreelistRatio, cfg.VacuumUnusedRatio)
	return plan, nil
}

// optimizeOnline is what can be done without stopping the application:
// PRAGMA optimize. VACUUM would race the application's writes.
func (p *Procedure) optimizeOnline(ctx context.Context, env *runbook.Env, plan vacuumPlan) (runbook.Result, error) {
	var r runbook.Result
	if plan.vacuum {
		r.Finding(runbook.Info, plan.reason, "a VACUUM would help but needs the service stopped, and fossamaint manages no service for the database (services.manager none or database.service not listed)")
	}
	err := env.Do(ctx, "PRAGMA optimize (online)", func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, p.path(p.d.Config.Database.Path), sqlitedb.MaintenanceOptions(false))
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
	return r, err
}

func (p *Procedure) describeDowntime(ctx context.Context, env *runbook.Env, unit config.Service, plan vacuumPlan, r runbook.Result) (runbook.Result, error) {
	db := p.path(p.d.Config.Database.Path)
	steps := []string{"stop " + unit.Name, "PRAGMA wal_checkpoint(TRUNCATE) on " + db}
	if plan.vacuum {
		steps = append(steps, "VACUUM INTO a temp file beside "+db+", check and optimise it",
			"swap it in, keeping the original as rollback point B in "+p.path(p.d.Config.Backups.MaintenanceDir))
	} else {
		steps = append(steps, "back up "+db+" to "+p.path(p.d.Config.Backups.MaintenanceDir)+" as rollback point B", "PRAGMA optimize in place")
	}
	steps = append(steps, "quick_check", "start "+unit.Name+" and wait until it is ready")
	for _, s := range steps {
		if err := env.Do(ctx, s, nil); err != nil {
			return r, err
		}
	}
	return r, nil
}

// downtime runs the stopped part of the phase and rolls back on failure.
type downtime struct {
	p    *Procedure
	env  *runbook.Env
	unit config.Service
	plan vacuumPlan
	r    *runbook.Result
}

func (d *downtime) run(ctx context.Context) error {
	p, cfg := d.p, d.p.d.Config
	dbPath := p.path(cfg.Database.Path)
	if err := d.env.Do(ctx, "stop "+d.unit.Name, func(ctx context.Context) error { return p.d.Services.Stop(ctx, d.unit.Name) }); err != nil {
		return fmt.Errorf("stopping %s: %w", d.unit.Name, err)
	}
	p.s.downtime = downtimeState{stoppedAt: p.d.Now()}
	if err := d.checkpoint(ctx, dbPath); err != nil {
		return err
	}
	var err error
	if d.plan.vacuum {
		err = d.vacuumAndSwap(ctx, dbPath)
	} else {
		err = d.pointBThenOptimize(ctx)
	}
	if err != nil {
		return err
	}
	if err := d.quickCheck(ctx, dbPath); err != nil {
		return err
	}
	return d.start(ctx)
}

func (d *downtime) checkpoint(ctx context.Context, dbPath string) error {
	return d.env.Do(ctx, "PRAGMA wal_checkpoint(TRUNCATE)", func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(false))
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Checkpoint(ctx)
		return err
	})
}

func (d *downtime) pointB(name string) string {
	return filepath.Join(d.p.path(d.p.d.Config.Backups.MaintenanceDir), name)
}

func (d *downtime) vacuumAndSwap(ctx context.Context, dbPath string) error {
	p := d.p
	ts := stamp(p.d.Now())
	tmp := filepath.Join(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+".vacuum-"+ts)
	before := fileSize(dbPath)
	err := d.env.Do(ctx, "VACUUM INTO "+tmp, func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(true))
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.VacuumInto(ctx, tmp)
		return err
	})
	if err != nil {
		removeQuietly(tmp)
		return err
	}
	if err := d.quickCheck(ctx, tmp); err != nil {
		removeQuietly(tmp)
		return err
	}
	if err := d.optimizeFile(ctx, tmp); err != nil {
		removeQuietly(tmp)
		return err
	}
	name := p.stem() + "_pre_maintenance_" + ts + ".db"
	if err := d.env.RecordRollbackPoint(ctx, d.pointB(name)); err != nil {
		removeQuietly(tmp)
		return err
	}
	err = d.env.Do(ctx, "swap the vacuumed file in; the original becomes rollback point B "+d.pointB(name), func(ctx context.Context) error {
		aside, err := sqlitedb.InstallFile(ctx, tmp, dbPath, filepath.Dir(d.pointB(name)), name)
		p.s.downtime.pointB = aside
		return err
	})
	if err != nil {
		removeQuietly(tmp)
		return err
	}
	after := fileSize(dbPath)
	d.r.Metric("size_before_bytes", float64(before), "bytes")
	d.r.Metric("size_after_bytes", float64(after), "bytes")
	d.r.Metric("reclaimed_bytes", float64(before-after), "bytes")
	return nil
}

func (d *downtime) pointBThenOptimize(ctx context.Context) error {
	var created backup.Created
	err := d.env.Do(ctx, "back up the stopped database as rollback point B", func(ctx context.Context) error {
		var err error
		created, err = d.p.createBackup(ctx, backup.KindMaintenance, "point-b")
		return err
	})
	if err != nil {
		return err
	}
	d.p.s.downtime.pointB = created.Path
	if err := d.env.RecordRollbackPoint(ctx, created.Path); err != nil {
		return err
	}
	return d.optimizeFile(ctx, d.p.path(d.p.d.Config.Database.Path))
}

func (d *downtime) optimizeFile(ctx context.Context, path string) error {
	return d.env.Do(ctx, "PRAGMA optimize, journal_mode=WAL"+map[bool]string{true: ", REINDEX", false: ""}[d.plan.reindex]+" on "+path, func(ctx context.Context) error {
		db, err := sqlitedb.Open(ctx, path, sqlitedb.MaintenanceOptions(false))
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := db.Optimize(ctx, sqlitedb.OptimizeOptions{Reindex: d.plan.reindex, WAL: true})
		for _, a := range res.Actions {
			d.env.Record("%s", a)
		}
		return err
	})
}

func (d *downtime) quickCheck(ctx context.Context, path string) error {
	if err := quickCheckFile(ctx, path); err != nil {
		return err
	}
	d.env.Record("quick_check of %s: ok", path)
	return nil
}

// quickCheckFile opens the database at path for maintenance and runs
// PRAGMA quick_check; a damaged file is an error quoting SQLite.
func quickCheckFile(ctx context.Context, path string) error {
	db, err := sqlitedb.Open(ctx, path, sqlitedb.MaintenanceOptions(true))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.QuickCheck(ctx)
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("quick_check of %s: %v", path, first(res.Messages, 3))
	}
	return nil
}

// start starts the unit, waits until it is ready and records the downtime.
func (d *downtime) start(ctx context.Context) error {
	p := d.p
	var ready time.Duration
	err := d.env.Do(ctx, "start "+d.unit.Name, func(ctx context.Context) error {
		var err error
		ready, err = service.StartAndWait(ctx, p.d.Services, d.unit.Name, p.readinessProbe(d.unit), p.d.Config.Services.ReadyTimeout.D())
		return err
	})
	if err != nil {
		return fmt.Errorf("starting %s: %w", d.unit.Name, err)
	}
	p.s.downtime.restarted = true
	down := p.d.Now().Sub(p.s.downtime.stoppedAt)
	d.r.Metric("downtime_seconds", down.Seconds(), "s")
	d.r.Metric("ready_seconds", ready.Seconds(), "s")
	return nil
}

// rollback restores point B after a failure past the stop, starts the
// service and marks the step rolled back.
func (d *downtime) rollback(ctx context.Context, cause error) {
	d.r.Finding(runbook.Critical, cause.Error(), "database maintenance failed after %s was stopped", d.unit.Name)
	if err := d.p.restorePointB(ctx, d.env, d.unit, d.r); err != nil {
		d.r.Finding(runbook.Critical, err.Error(), "ROLLBACK FAILED: the database or service needs manual attention")
		d.r.Recommend("Restore %s by hand with `fossamaint rollback` and start %s.", d.p.s.downtime.pointB, d.unit.Name)
		return
	}
	d.r.Metric("rolled_back", 1, "bool")
	d.r.Recommend("Find out why the maintenance failed (%v) before the next window.", cause)
}

// restorePointB puts rollback point B back when the live file is not the
// one B was taken from, then makes sure the service runs.
func (p *Procedure) restorePointB(ctx context.Context, env *runbook.Env, unit config.Service, r *runbook.Result) error {
	st := p.s.downtime
	if st.stoppedAt.IsZero() {
		return nil // never stopped: nothing to undo
	}
	dbPath := p.path(p.d.Config.Database.Path)
	if st.pointB != "" {
		// A service that failed its readiness check may still be running:
		// never swap a file under a live writer.
		if err := env.Do(ctx, "stop "+unit.Name, func(ctx context.Context) error { return p.d.Services.Stop(ctx, unit.Name) }); err != nil {
			return err
		}
		p.s.downtime.restarted = false
		st.restarted = false
		err := env.Do(ctx, "restore rollback point B "+st.pointB, func(ctx context.Context) error {
			_, err := backup.Restore(ctx, backup.RestoreOptions{BackupPath: st.pointB, DBPath: dbPath,
				PreRecoveryDir: p.path(p.d.Config.Backups.PreRecoveryDir), Now: p.d.Now()})
			return err
		})
		if err != nil {
			return err
		}
	}
	if st.restarted {
		return nil
	}
	err := env.Do(ctx, "start "+unit.Name, func(ctx context.Context) error {
		_, err := service.StartAndWait(ctx, p.d.Services, unit.Name, p.readinessProbe(unit), p.d.Config.Services.ReadyTimeout.D())
		return err
	})
	if err == nil {
		p.s.downtime.restarted = true
		r.Metric("downtime_seconds", p.d.Now().Sub(st.stoppedAt).Seconds(), "s")
	}
	return err
}

// undoDowntime is the engine's Undo for an interrupted optimize step.
func (p *Procedure) undoDowntime(ctx context.Context, env *runbook.Env) error {
	unit, ok := p.dbUnit()
	if !ok {
		return nil
	}
	var r runbook.Result
	return p.restorePointB(ctx, env, unit, &r)
}
