package weekly

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// downtime runs the stopped part of the database phase and rolls back on
// failure. With a VACUUM planned on a WAL database, the copy is made while
// the service still runs (prepareOnline) and used after the stop if
// PRAGMA data_version proves nothing was committed since, so only the
// checkpoint, the swap and the restart fall inside the downtime, whatever
// the database's size.
type downtime struct {
	ph   *databasePhase
	env  *runbook.Env
	unit config.Service
	plan vacuumPlan
	r    *runbook.Result
	// online allows the copy before the stop (a WAL database: the copy's
	// read transaction does not block the application's writers).
	online bool
	// sizeBefore and sizeAfter are the file's sizes around a swap.
	sizeBefore, sizeAfter int64
}

func (d *downtime) run(ctx context.Context) error {
	ph := d.ph
	dbPath := ph.db.Path
	var pre *onlineCopy
	if d.plan.vacuum && d.online {
		var err error
		if pre, err = d.prepareOnline(ctx, dbPath); err != nil {
			if ctx.Err() != nil {
				return err
			}
			d.r.Finding(runbook.Info, err.Error(), "the online VACUUM INTO failed: it is done with the service stopped instead")
		}
		defer pre.discard()
	}
	// Whatever happens next, the service was stopped from here on.
	ph.downtime = downtimeState{stoppedAt: ph.now()}
	if err := ph.rec.StopUnit(ctx, d.env, d.unit); err != nil {
		return err
	}
	if err := fault.Hit(fault.AfterStop); err != nil {
		return err
	}
	tmp, err := d.settle(ctx, dbPath, pre)
	if err != nil {
		return err
	}
	if d.plan.vacuum {
		if tmp == "" {
			if tmp, err = d.vacuumCopy(ctx, dbPath, nil, "with the service stopped"); err != nil {
				return err
			}
		}
		err = d.swap(ctx, dbPath, tmp)
	} else {
		err = d.pointBThenOptimize(ctx)
		if err == nil {
			// PRAGMA optimize changed the live file in place.
			err = d.quickCheck(ctx, dbPath)
		}
	}
	if err != nil {
		return err
	}
	if err := fault.Hit(fault.BeforeStart); err != nil {
		return err
	}
	if err := d.start(ctx); err != nil {
		return err
	}
	d.afterRestart(ctx)
	return nil
}

// onlineCopy is a VACUUM INTO copy taken while the service ran, and the
// connection whose data_version tells whether anything was committed
// since it began.
type onlineCopy struct {
	conn    *sqlitedb.DB
	version int64
	tmp     string
	took    time.Duration
}

// discard closes the watching connection and removes a copy that was not
// installed. Safe on nil.
func (c *onlineCopy) discard() {
	if c == nil {
		return
	}
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	if c.tmp != "" {
		removeQuietly(c.tmp)
		c.tmp = ""
	}
}

// prepareOnline reads data_version on a connection it keeps open, then
// writes, checks and optimises the VACUUM INTO copy, all while the
// application runs.
func (d *downtime) prepareOnline(ctx context.Context, dbPath string) (*onlineCopy, error) {
	conn, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(false))
	if err != nil {
		return nil, err
	}
	c := &onlineCopy{conn: conn}
	if c.version, err = conn.DataVersion(ctx); err != nil {
		c.discard()
		return nil, err
	}
	start := d.ph.now()
	if c.tmp, err = d.vacuumCopy(ctx, dbPath, conn, "while the service runs"); err != nil {
		c.discard()
		return nil, err
	}
	c.took = d.ph.now().Sub(start)
	return c, nil
}

// settle runs after the stop: it checkpoints the WAL into the main file
// (rollback point B must be whole) and says whether the online copy is
// still current. It returns the copy to install, or "" when there is none
// or the application committed after it began (then it is discarded and
// the caller copies again, stopped).
func (d *downtime) settle(ctx context.Context, dbPath string, pre *onlineCopy) (string, error) {
	if pre == nil {
		return "", d.checkpoint(ctx, dbPath, nil)
	}
	if err := d.checkpoint(ctx, dbPath, pre.conn); err != nil {
		return "", err
	}
	now, err := pre.conn.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	pre.conn.Close()
	pre.conn = nil
	if now != pre.version {
		d.r.Metric("vacuum_online", 0, "bool")
		d.r.Finding(runbook.Info, fmt.Sprintf("PRAGMA data_version %d -> %d", pre.version, now),
			"the application committed while the online copy was made (%s): it was discarded and VACUUM INTO repeated with the service stopped",
			human.Duration(pre.took))
		pre.discard()
		return "", nil
	}
	d.r.Metric("vacuum_online", 1, "bool")
	d.r.Finding(runbook.Info, fmt.Sprintf("PRAGMA data_version %d unchanged", now),
		"VACUUM INTO ran while the service was up (%s) and nothing was committed since: only the swap was inside the downtime",
		human.Duration(pre.took))
	tmp := pre.tmp
	pre.tmp = "" // installed by the caller from here on
	return tmp, nil
}

// checkpoint merges the WAL into the main file, on conn when given (so
// the checkpoint is that connection's own and leaves its data_version
// alone) or on a connection of its own.
func (d *downtime) checkpoint(ctx context.Context, dbPath string, conn *sqlitedb.DB) error {
	return d.env.Do(ctx, "PRAGMA wal_checkpoint(TRUNCATE)", func(ctx context.Context) error {
		if conn == nil {
			db, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(false))
			if err != nil {
				return err
			}
			defer db.Close()
			conn = db
		}
		_, err := conn.Checkpoint(ctx)
		return err
	})
}

// vacuumCopy writes a compacted copy of the database beside it under a
// temporary name (on conn, or a read-only connection of its own), checks
// it and runs PRAGMA optimize on it. The copy is removed on failure.
func (d *downtime) vacuumCopy(ctx context.Context, dbPath string, conn *sqlitedb.DB, when string) (tmp string, err error) {
	tmp = durable.Path(filepath.Dir(dbPath), "vacuum")
	defer func() {
		if err != nil {
			removeQuietly(tmp)
		}
	}()
	d.sizeBefore = fileSize(dbPath)
	start := d.ph.now()
	err = d.env.Do(ctx, "VACUUM INTO "+tmp+" "+when, func(ctx context.Context) error {
		if conn == nil {
			db, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(true))
			if err != nil {
				return err
			}
			defer db.Close()
			conn = db
		}
		if d.plan.switchIncremental {
			if err := conn.SwitchToIncremental(ctx); err != nil {
				return err
			}
			d.env.Record("the copy is written with auto_vacuum=INCREMENTAL (database.vacuum: incremental)")
		}
		_, err := conn.VacuumInto(ctx, tmp)
		return err
	})
	if err != nil {
		return tmp, err
	}
	d.env.Metric("vacuum_seconds", d.ph.now().Sub(start).Seconds(), "s")
	if err := fault.Hit(fault.AfterVacuum); err != nil {
		return tmp, err
	}
	if err := d.quickCheck(ctx, tmp); err != nil {
		return tmp, err
	}
	return tmp, d.optimizeFile(ctx, tmp)
}

func (d *downtime) pointB(name string) string {
	return filepath.Join(d.ph.layout.MaintenanceDir, name)
}

// swap installs the checked copy over the database by one rename; the
// original becomes rollback point B, recorded in the journal first.
func (d *downtime) swap(ctx context.Context, dbPath, tmp string) error {
	ph := d.ph
	name := ph.stem() + "_pre_maintenance_" + stamp(ph.localNow()) + ".db"
	if err := d.env.RecordRollbackPoint(ctx, d.pointB(name)); err != nil {
		removeQuietly(tmp)
		return err
	}
	err := d.env.Do(ctx, "swap the vacuumed file in; the original becomes rollback point B "+d.pointB(name), func(ctx context.Context) error {
		aside, err := sqlitedb.InstallFile(ctx, tmp, dbPath, filepath.Dir(d.pointB(name)), name)
		ph.downtime.pointB = aside
		return err
	})
	if err != nil {
		removeQuietly(tmp)
		return err
	}
	d.sizeAfter = fileSize(dbPath)
	return fault.Hit(fault.AfterSwap)
}

func (d *downtime) pointBThenOptimize(ctx context.Context) error {
	var created backup.Created
	err := d.env.Do(ctx, "back up the stopped database as rollback point B", func(ctx context.Context) error {
		var err error
		created, err = d.ph.backups.create(ctx, backup.KindMaintenance, "point-b")
		return err
	})
	if err != nil {
		return err
	}
	d.ph.downtime.pointB = created.Path
	if err := d.env.RecordRollbackPoint(ctx, created.Path); err != nil {
		return err
	}
	return d.optimizeFile(ctx, d.ph.db.Path)
}

func (d *downtime) optimizeFile(ctx context.Context, path string) error {
	what := "PRAGMA optimize, journal_mode=WAL"
	if d.plan.reindex {
		what += ", REINDEX"
	}
	return d.env.Do(ctx, what+" on "+path, func(ctx context.Context) error {
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
	if err := sqlitedb.QuickCheckFile(ctx, path); err != nil {
		return err
	}
	d.env.Record("quick_check of %s: ok", path)
	return nil
}

// start starts the unit, waits until it is ready and records the downtime.
func (d *downtime) start(ctx context.Context) error {
	ph := d.ph
	ready, err := ph.rec.StartUnit(ctx, d.env, d.unit)
	if err != nil {
		return err
	}
	ph.downtime.restarted = true
	d.env.Downtime(ph.now().Sub(ph.downtime.stoppedAt))
	d.env.Metric("ready_seconds", ready.Seconds(), "s")
	return nil
}

// afterRestart is what a successful downtime leaves to do with the
// service up again: the sizes a VACUUM reclaimed (only one that stayed in
// place reclaimed anything), and the manifest of rollback point B, hashed
// now that nothing writes to it and outside the downtime.
func (d *downtime) afterRestart(ctx context.Context) {
	if !d.plan.vacuum {
		return
	}
	d.r.Metric("size_before_bytes", float64(d.sizeBefore), "bytes")
	d.r.Metric("size_after_bytes", float64(d.sizeAfter), "bytes")
	d.r.Headline(runbook.HeadlineDatabaseSizeBytes, float64(d.sizeAfter), "bytes") // the size the run leaves
	d.r.Metric("reclaimed_bytes", float64(d.sizeBefore-d.sizeAfter), "bytes")
	d.r.Tally(runbook.Tally{Verb: "vacuumed", Object: "database", Count: 1, BytesBefore: d.sizeBefore, BytesAfter: d.sizeAfter})
	pointB := d.ph.downtime.pointB
	if pointB == "" {
		return
	}
	err := d.env.Do(ctx, "write the manifest of rollback point B "+pointB, func(ctx context.Context) error {
		m, err := backup.DescribeFile(ctx, pointB, backup.KindMaintenance, d.ph.now(), d.ph.toolVersion, "point-b")
		if err == nil {
			d.env.Record("rollback point B: %s, quick_check ok, sha256 %s", pointB, short(m.SHA256))
		}
		return err
	})
	if err != nil {
		d.r.Finding(runbook.Warning, err.Error(), "rollback point B has no manifest: `fossamaint backup verify` will call it unverified")
	}
}

// rollback restores point B after a failure past the stop, starts the
// service and marks the step rolled back.
func (d *downtime) rollback(ctx context.Context, cause error) {
	d.r.Finding(runbook.Critical, cause.Error(), "database maintenance failed after %s was stopped", d.unit.Name)
	if err := d.ph.restorePointB(ctx, d.env, d.unit); err != nil {
		d.r.Finding(runbook.Critical, err.Error(), "ROLLBACK FAILED: the database or service needs manual attention")
		d.r.Recommend("Restore %s by hand with `fossamaint rollback` and start %s.", d.ph.downtime.pointB, d.unit.Name)
		return
	}
	d.r.RolledBack()
	d.r.Recommend("Find out why the maintenance failed (%v) before the next window.", cause)
}

// restorePointB puts rollback point B back when the live file is not the
// one B was taken from, then makes sure the service runs. The downtime it
// ends (stop to ready, or to giving up) is recorded either way.
func (ph *databasePhase) restorePointB(ctx context.Context, env *runbook.Env, unit config.Service) error {
	st := ph.downtime
	if st.stoppedAt.IsZero() {
		return nil // never stopped: nothing to undo
	}
	var err error
	if st.pointB != "" {
		// A service that failed its readiness check may still be running:
		// never swap a file under a live writer.
		if err = ph.rec.StopUnit(ctx, env, unit); err == nil {
			st.restarted = false
			err = env.Do(ctx, "restore rollback point B "+st.pointB, func(ctx context.Context) error {
				_, err := backup.Restore(ctx, backup.RestoreOptions{BackupPath: st.pointB, DBPath: ph.db.Path,
					PreRecoveryDir: ph.preRecoveryDir, Now: ph.localNow()})
				return err
			})
		}
	}
	if !st.restarted {
		// Start even when the restore failed: the file in place passed
		// its checks or is the original, and a stopped service is worse.
		if _, serr := ph.rec.StartUnit(ctx, env, unit); serr != nil {
			err = errors.Join(err, serr)
		} else {
			ph.downtime.restarted = true
		}
	}
	if !env.DryRun {
		env.Downtime(ph.now().Sub(st.stoppedAt))
	}
	return err
}

// undoDowntime is the engine's Undo for an interrupted optimize step.
func (ph *databasePhase) undoDowntime(ctx context.Context, env *runbook.Env) error {
	unit, ok := ph.dbUnit()
	if !ok {
		return nil
	}
	return ph.restorePointB(ctx, env, unit)
}
