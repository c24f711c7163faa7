package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// database holds the read-only basics of the seed's "Database Maintenance":
// what the database is (size, tables, the counts the seed reports, how
// fragmented it is) and whether SQLite finds it sound. Both run while the
// service keeps running: nothing here needs downtime.
func (p *Procedure) database() runbook.Phase {
	return runbook.Phase{Name: "database", Title: "Database maintenance and optimization", Steps: []runbook.Step{
		{Name: "stats", Kind: runbook.ReadOnly, Budget: 5 * time.Minute, Critical: true, Run: p.dbStats},
		{Name: "quick-check", Kind: runbook.ReadOnly, Budget: 15 * time.Minute, Critical: true, Run: p.dbQuickCheck},
	}}
}

func (p *Procedure) openDB(ctx context.Context) (*sqlitedb.DB, error) {
	return sqlitedb.Open(ctx, p.path(p.d.Config.Database.Path), sqlitedb.MaintenanceOptions(true))
}

func (p *Procedure) dbStats(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	db, err := p.openDB(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	st, err := db.Stats(ctx, p.d.Config.Database.CountTables)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Metric("database_size_bytes", float64(st.FileSize), "bytes")
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
		r.Metric(t.Table, float64(t.Rows), "rows")
	}
	if !strings.EqualFold(st.JournalMode, "wal") {
		r.Finding(runbook.Info, "journal_mode="+st.JournalMode, "the database is not in WAL mode")
		r.Recommend("Switch to WAL (PRAGMA journal_mode=WAL persists in the file) so readers do not block the writer.")
	}
	if st.FreelistRatio >= 0.10 {
		r.Finding(runbook.Info, fmt.Sprintf("%d of %d pages free", st.FreelistCount, st.PageCount),
			"%.0f%% of the file is free pages: a VACUUM would reclaim %s", st.FreelistRatio*100,
			humanBytes(uint64(st.FreelistCount*st.PageSize)))
		r.Recommend("Reclaim the free pages with VACUUM INTO during downtime (not done by this release: this phase is read-only).")
	}
	for _, n := range st.Notes {
		r.Finding(runbook.Info, st.Path, "%s", n)
	}
	return r, nil
}

func (p *Procedure) dbQuickCheck(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	db, err := p.openDB(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	res, err := db.QuickCheck(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Metric("quick_check_seconds", res.Duration.Seconds(), "s")
	if !res.OK {
		r.Finding(runbook.Critical, strings.Join(first(res.Messages, 10), "\n"), "PRAGMA quick_check found corruption in %s", db.Path())
		r.Recommend("Stop writes and restore the newest verified backup taken before the corruption; keep the damaged file for forensics.")
	}
	return r, nil
}
