package weekly

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// database is the seed's "Database Maintenance" done safely, in order:
//
//  1. stats: what the database is (read-only);
//  2. backup: an online backup while the service runs, verified and with a
//     manifest: rollback point A (the week's full backup);
//  3. integrity: the full integrity_check, run on that copy, so the
//     expensive check costs no downtime;
//  4. corruption: only when the check failed: keep the damaged file aside,
//     find the newest verified backup from before, then stop or restore;
//  5. optimize: the downtime part: stop the service, checkpoint the WAL,
//     VACUUM INTO a temp file and swap it in (the original becomes rollback
//     point B) when fragmentation warrants it, otherwise take point B while
//     stopped and PRAGMA optimize in place; quick_check; start; wait until
//     ready. Any failure after the stop restores B.
//
// The seed's per-connection pragmas (synchronous, cache_size, temp_store)
// are not set: they would do nothing for the application's connections.
func (p *Procedure) database() runbook.Phase {
	return runbook.Phase{Name: "database", Title: "Database maintenance and optimization", Steps: []runbook.Step{
		{Name: "stats", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Critical: true, Run: p.dbStats},
		{Name: "backup", Kind: runbook.Mutating, Budget: 20 * time.Minute, Critical: true, Run: p.dbBackup},
		{Name: "integrity", Kind: runbook.ReadOnly, Budget: 30 * time.Minute, Critical: true, Run: p.dbIntegrity},
		{Name: "corruption", Kind: runbook.Mutating, Budget: 20 * time.Minute, Critical: true, Run: p.dbCorruption},
		{Name: "optimize", Kind: runbook.Downtime, Budget: 30 * time.Minute, Run: p.dbOptimize, Undo: p.undoDowntime},
	}}
}

func (p *Procedure) openDB(ctx context.Context) (*sqlitedb.DB, error) {
	return sqlitedb.Open(ctx, p.in.Database.Path, sqlitedb.MaintenanceOptions(true))
}

func (p *Procedure) dbStats(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	db, err := p.openDB(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	st, err := db.Stats(ctx, p.in.Database.CountTables)
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
	r.Metric("freelist_ratio", st.FreelistRatio*100, "%")
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
func (p *Procedure) dbIntegrity(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	target, check := p.s.pointA, "integrity_check"
	if target == "" {
		target, check = p.in.Database.Path, "quick_check"
		if env.DryRun {
			r.Finding(runbook.Info, "", "dry run: no backup was taken, so quick_check runs on the live database instead of integrity_check on a copy")
		} else {
			r.Finding(runbook.Warning, "", "no online backup was taken in this run: running quick_check on the live database instead of integrity_check on a copy")
		}
	}
	res, err := runCheck(ctx, target, check)
	if err != nil {
		if !errors.Is(err, sqlitedb.ErrNotDatabase) && !errors.Is(err, sqlitedb.ErrCorrupt) {
			// Not a verdict on the file: say so to the corruption step.
			p.s.setCheckFailed(err)
			return r, err
		}
		// SQLite refuses the file itself: that is the worst corruption.
		res = sqlitedb.CheckResult{Messages: []string{err.Error()}}
	}
	r.Metric(check+"_seconds", res.Duration.Seconds(), "s")
	if res.OK {
		r.Action("%s of %s: ok in %s", check, target, res.Duration.Round(time.Millisecond))
		return r, nil
	}
	p.s.setCorrupt(res.Messages, p.d.Now())
	r.Finding(runbook.Critical, strings.Join(first(res.Messages, 10), "\n"), "%s found corruption in %s", check, p.in.Database.Path)
	return r, nil
}

// runCheck opens path for maintenance and runs check on it.
func runCheck(ctx context.Context, path, check string) (sqlitedb.CheckResult, error) {
	db, err := sqlitedb.Open(ctx, path, sqlitedb.MaintenanceOptions(true))
	if err != nil {
		return sqlitedb.CheckResult{}, err
	}
	defer db.Close()
	if check == "integrity_check" {
		return db.IntegrityCheck(ctx, 100)
	}
	return db.QuickCheck(ctx)
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

func (p *Procedure) stem() string {
	base := p.in.Database.Path
	base = base[strings.LastIndexByte(base, '/')+1:]
	return strings.TrimSuffix(strings.TrimSuffix(base, ".sqlite3"), ".db")
}

func stamp(t time.Time) string { return t.Format("20060102_150405") }
