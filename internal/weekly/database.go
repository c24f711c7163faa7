package weekly

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// databasePhase is the seed's "Database Maintenance", done safely.
type databasePhase struct {
	clock
	db             install.Database
	layout         backup.Layout
	preRecoveryDir string
	configPath     string
	toolVersion    string
	services       install.Services
	backups        *backupMaker
	rec            *recovery.Kit
	// failingSince is when earlier runs first saw the check fail.
	failingSince time.Time
	// pointA (written by backup) and verdict (written by integrity) are
	// handed to the later steps of the phase.
	pointA  *handoff[string]
	verdict *handoff[integrityVerdict]
	// queries are the application's reads timed before optimize, for
	// the timing after it; regressionPercent is when slower is a warning.
	queries           *handoff[queryTimings]
	regressionPercent float64
	// downtime is what the optimize step has done so far, for its Undo
	// and for recover.
	downtime downtimeState
	// served is the database as optimize left it, once restarted (nil:
	// not recorded).
	served *handoff[servedState]
	// engine does each step's work on the installation's database engine.
	engine dbEngine
}

// dbEngine is what the database phase needs from the database's engine:
// one method per step's work (stats, the timed reads, the backup that is
// rollback point A, the check, the corruption procedure with its restore,
// the optimisation and its undo), so the steps in plan.go are the same for
// every engine and none of them branches on it. sqliteEngine is the
// SQLite file's (the methods of databasePhase), pgEngine PostgreSQL's
// (pg*.go); engineFor picks by install.Database.Engine.
type dbEngine interface {
	stats(context.Context, *runbook.Env) (runbook.Result, error)
	timeQueries(ctx context.Context, when string) (queryTimings, runbook.Result, error)
	backup(context.Context, *runbook.Env) (runbook.Result, error)
	check(context.Context, *runbook.Env) (runbook.Result, error)
	corruption(context.Context, *runbook.Env) (runbook.Result, error)
	optimize(context.Context, *runbook.Env) (runbook.Result, error)
	undoOptimize(context.Context, *runbook.Env) error
}

// engineFor is the engine of ph's database.
func engineFor(ph *databasePhase) dbEngine {
	if ph.db.Engine() == install.EnginePostgres {
		return newPGEngine(ph)
	}
	return sqliteEngine{ph}
}

// sqliteEngine is the SQLite file's database phase.
type sqliteEngine struct{ ph *databasePhase }

func (e sqliteEngine) stats(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	return e.ph.dbStats(ctx, env)
}

func (e sqliteEngine) timeQueries(ctx context.Context, when string) (queryTimings, runbook.Result, error) {
	return e.ph.timeQueries(ctx, when)
}

func (e sqliteEngine) backup(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	return e.ph.dbBackup(ctx, env)
}

func (e sqliteEngine) check(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	return e.ph.dbIntegrity(ctx, env)
}

func (e sqliteEngine) corruption(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	return e.ph.dbCorruption(ctx, env)
}

func (e sqliteEngine) optimize(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	return e.ph.dbOptimize(ctx, env)
}

func (e sqliteEngine) undoOptimize(ctx context.Context, env *runbook.Env) error {
	return e.ph.undoDowntime(ctx, env)
}

// downtimeState is what the optimize step has done so far.
type downtimeState struct {
	stoppedAt time.Time
	pointB    string
	restarted bool
}

// corruptSince dates a failure seen at: from the first failed check, which
// may be an earlier run's (backups taken since then are not trusted).
func (ph *databasePhase) corruptSince(at time.Time) time.Time {
	if !ph.failingSince.IsZero() && ph.failingSince.Before(at) {
		return ph.failingSince
	}
	return at
}

func (ph *databasePhase) openDB(ctx context.Context) (*sqlitedb.DB, error) {
	return sqlitedb.Open(ctx, ph.db.Path, sqlitedb.MaintenanceOptions(true))
}

func (ph *databasePhase) dbStats(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	db, err := ph.openDB(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	st, err := db.Stats(ctx, ph.db.CountTables)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Headline(runbook.HeadlineDatabaseSizeBytes, float64(st.FileSize), "bytes")
	r.Metric("wal_size_bytes", float64(st.WALSize), "bytes")
	r.Metric("tables", float64(st.Tables), "count")
	r.Metric("indexes", float64(st.Indexes), "count")
	r.Metric("page_size", float64(st.PageSize), "bytes")
	r.Metric("page_count", float64(st.PageCount), "pages")
	r.Metric("freelist_percent", st.FreelistRatio*100, "%")
	for _, t := range st.Rows {
		if t.Missing {
			r.Finding(runbook.Warning, st.Path, "table %s does not exist", t.Table)
			continue
		}
		if t.Table == runbook.HeadlineWorkOrders || t.Table == runbook.HeadlineDispensers {
			r.Headline(t.Table, float64(t.Rows), "rows")
		} else {
			r.Metric(t.Table, float64(t.Rows), "rows")
		}
	}
	if !strings.EqualFold(st.JournalMode, "wal") {
		r.Finding(runbook.Info, "journal_mode="+st.JournalMode, "the database is not in WAL mode; the optimize step sets it (it persists in the file)")
	}
	for _, n := range st.Notes {
		r.Finding(runbook.Info, st.Path, "%s", n)
	}
	return r, nil
}

// dbIntegrity runs the full integrity_check on rollback point A when it
// exists (a page-for-page copy of the live database, so its verdict is the
// live file's), else quick_check on the live file.
func (ph *databasePhase) dbIntegrity(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	target, check := ph.pointA.get(), "integrity_check"
	if target == "" {
		target, check = ph.db.Path, "quick_check"
		if env.DryRun {
			r.Finding(runbook.Info, "", "dry run: no backup was taken, so quick_check runs on the live database instead of integrity_check on a copy")
		} else {
			r.Finding(runbook.Warning, "", "no online backup was taken in this run: running quick_check on the live database instead of integrity_check on a copy")
		}
	}
	res, err := sqlitedb.CheckFile(ctx, target, check == "integrity_check")
	if err != nil {
		if !errors.Is(err, sqlitedb.ErrNotDatabase) && !errors.Is(err, sqlitedb.ErrCorrupt) {
			// Not a verdict on the file: say so to the corruption step.
			ph.verdict.put(integrityVerdict{checkErr: err})
			return r, err
		}
		// SQLite refuses the file itself: that is the worst corruption.
		res = sqlitedb.CheckResult{Messages: []string{err.Error()}}
	}
	r.Metric(check+"_seconds", res.Duration.D().Seconds(), "s")
	if res.OK {
		r.Action("%s of %s: ok in %s", check, target, human.Duration(res.Duration.D()))
		return r, nil
	}
	ph.verdict.put(integrityVerdict{corrupt: res.Messages, since: ph.corruptSince(ph.now())})
	r.Finding(runbook.Critical, strings.Join(first(res.Messages, 10), "\n"), "%s found corruption in %s", check, ph.db.Path)
	return r, nil
}

// indexProblem reports whether integrity messages point at indexes only,
// which REINDEX repairs.
func indexProblem(msgs []string) bool {
	for _, m := range msgs {
		if strings.Contains(m, "index") || strings.Contains(m, "missing from index") {
			return true
		}
	}
	return false
}

func (ph *databasePhase) stem() string {
	base := ph.db.Path
	base = base[strings.LastIndexByte(base, '/')+1:]
	return strings.TrimSuffix(strings.TrimSuffix(base, ".sqlite3"), ".db")
}

func stamp(t time.Time) string { return t.Format("20060102_150405") }
