package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// pgEngine is the database phase on PostgreSQL (install.EnginePostgres):
// the same steps as on SQLite, with PostgreSQL's tools (package pgdb)
// and dumps (package backup with a PostgresSource). Nothing is copied to
// be checked: pg_amcheck takes only AccessShareLock, so it runs on the
// live database while the application does.
type pgEngine struct {
	ph  *databasePhase
	src backup.PostgresSource
	opt config.Postgres
	// tools are pg_dump's, pg_restore's and pg_amcheck's directory, found
	// once per run for the server's version.
	tools memo[pgdb.Tools]
	// full is what a VACUUM FULL with the service stopped has done so
	// far, for the step's Undo.
	full pgDowntime
}

func newPGEngine(ph *databasePhase) *pgEngine {
	return &pgEngine{ph: ph, src: *ph.db.PostgresSource(), opt: ph.db.Postgres}
}

// name is the database as reports show it (no password).
func (e *pgEngine) name() string { return e.ph.db.Redacted() }

func (e *pgEngine) open(ctx context.Context) (*pgdb.DB, error) {
	db, err := pgdb.Open(ctx, e.src.URL)
	if err != nil {
		return nil, fmt.Errorf("opening the PostgreSQL database %s: %w (is the server running, and database.url right?)", e.name(), err)
	}
	return db, nil
}

// findTools are the client programs for db's server, never older.
func (e *pgEngine) findTools(ctx context.Context, db *pgdb.DB) (pgdb.Tools, error) {
	return e.tools.get(ctx, func(ctx context.Context) (pgdb.Tools, error) {
		return pgdb.FindTools(ctx, e.opt.BinDir, db.Major)
	})
}

// readStats reads the statistics; a dry run installs no extension.
func (e *pgEngine) readStats(ctx context.Context, db *pgdb.DB, dryRun bool) (pgdb.Stats, error) {
	st, err := pgdb.ReadStats(ctx, db, pgdb.StatsOptions{CountTables: e.ph.db.CountTables,
		InstallExtension: e.opt.InstallExtensions && !dryRun})
	if err != nil {
		return st, fmt.Errorf("reading the statistics of %s: %w", e.name(), err)
	}
	return st, nil
}

func (e *pgEngine) backup(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	// backupMaker takes a pg_dump (postgresSource): the step is the same.
	return e.ph.dbBackup(ctx, env)
}

// stats is database/stats: the same headline measures as SQLite's (the
// database's size, the work_orders and dispensers rows), the tables,
// indexes, dead tuples and transaction-ID age, and what of it needs a
// person.
func (e *pgEngine) stats(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	db, err := e.open(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	defer db.Close()
	st, err := e.readStats(ctx, db, env.DryRun)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Headline(runbook.HeadlineDatabaseSizeBytes, float64(st.Size), "bytes")
	var live, dead int64
	for _, t := range st.Tables {
		live, dead = live+t.LiveTuples, dead+t.DeadTuples
	}
	r.Metric("tables", float64(len(st.Tables)), "count")
	r.Metric("indexes", float64(len(st.Indexes)), "count")
	r.Metric("live_tuples", float64(live), "count")
	r.Metric("dead_tuples", float64(dead), "count")
	r.Metric("xid_age", float64(st.XIDAge), "count")
	r.Metric("xid_left", float64(st.XIDLeft), "count")
	for _, m := range st.Missing {
		r.Finding(runbook.Warning, e.name(), "table %s does not exist", m)
	}
	for _, name := range e.ph.db.CountTables {
		n, ok := countOf(st.Counts, name)
		if !ok {
			continue
		}
		if name == runbook.HeadlineWorkOrders || name == runbook.HeadlineDispensers {
			r.Headline(name, float64(n), "rows")
		} else {
			r.Metric(name, float64(n), "rows")
		}
	}
	xidFindings(&r, st)
	invalidIndexFindings(&r, st)
	note := fmt.Sprintf("PostgreSQL %s, database %s", st.ServerVersion, st.Database)
	if !st.PgStatTuple {
		note += "; bloat is estimated (pgstattuple is not installed)"
	}
	r.Note = note
	for _, n := range st.Notes {
		r.Finding(runbook.Info, st.Database, "%s", n)
	}
	return r, nil
}

// countOf is the exact row count of table, named as the config names it
// ("work_orders") or schema-qualified ("public.work_orders").
func countOf(counts map[string]int64, table string) (int64, bool) {
	if n, ok := counts[table]; ok {
		return n, true
	}
	n, ok := counts["public."+table]
	return n, ok
}

// xidWraparound is 2^31: the transaction IDs a database may use before
// the server refuses writes to prevent wraparound.
const xidWraparound = 1 << 31

// xidFindings: fewer than a tenth of the IDs left (about 215 million) is
// critical, whatever else; an age past twice autovacuum_freeze_max_age
// means autovacuum is not keeping up (a warning, weeks before that).
func xidFindings(r *runbook.Result, st pgdb.Stats) {
	ev := fmt.Sprintf("age(datfrozenxid) %d, %d transaction IDs left before the server stops writes, autovacuum_freeze_max_age %d",
		st.XIDAge, st.XIDLeft, st.FreezeMaxAge)
	switch {
	case st.XIDLeft < xidWraparound/10:
		r.Finding(runbook.Critical, ev, "%s is near transaction-ID wraparound: %s left", st.Database, human.Count(int(st.XIDLeft), "transaction ID", "transaction IDs"))
		r.Recommend("Run VACUUM (FREEZE) on the oldest tables of %s now (pg_class.relfrozenxid), and find what holds back autovacuum (long transactions, prepared transactions, replication slots).", st.Database)
	case st.FreezeMaxAge > 0 && st.XIDAge > 2*st.FreezeMaxAge:
		r.Finding(runbook.Warning, ev, "autovacuum is not keeping up on %s: the oldest unfrozen transaction ID is more than twice autovacuum_freeze_max_age old", st.Database)
		r.Recommend("Find what holds back autovacuum on %s (long transactions, prepared transactions, replication slots) and run VACUUM (FREEZE) on its oldest tables.", st.Database)
	}
}

// invalidIndexFindings: an index a failed CREATE INDEX CONCURRENTLY left
// is still updated on every write and never used.
func invalidIndexFindings(r *runbook.Result, st pgdb.Stats) {
	var bad []string
	for _, ix := range st.Indexes {
		if !ix.Valid {
			bad = append(bad, ix.Name+" on "+ix.Table)
		}
	}
	if len(bad) == 0 {
		return
	}
	r.Finding(runbook.Warning, strings.Join(bad, "\n"), "%s invalid (a failed CREATE INDEX CONCURRENTLY): written on every change, never used",
		human.Count(len(bad), "index is", "indexes are"))
	r.Recommend("Rebuild each with REINDEX INDEX CONCURRENTLY, or drop it and create it again.")
}

// check is database/integrity: pg_amcheck on the live database (B-tree
// and heap verification under AccessShareLock only, so no copy and no
// downtime). Corruption is a critical finding naming the relation; a
// missing amcheck extension a warning that says how to allow it.
func (e *pgEngine) check(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	ph := e.ph
	fail := func(err error) (runbook.Result, error) {
		ph.verdict.put(integrityVerdict{checkErr: err})
		return r, err
	}
	db, err := e.open(ctx)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	tools, err := e.findTools(ctx, db)
	if err != nil {
		return fail(err)
	}
	res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{InstallExtension: e.opt.InstallExtensions && !env.DryRun})
	if errors.Is(err, pgdb.ErrNoAmcheck) {
		ph.verdict.put(integrityVerdict{checkErr: err})
		r.Finding(runbook.Warning, err.Error(), "the amcheck extension is not installed in %s: its indexes and tables were not verified this week", db.Name)
		r.Recommend("Allow it with database.postgres.install_extensions: true (fossamaint then runs CREATE EXTENSION amcheck), or run CREATE EXTENSION amcheck; in %s as a superuser.", db.Name)
		return r, nil
	}
	if err != nil {
		return fail(fmt.Errorf("checking %s with pg_amcheck: %w", e.name(), err))
	}
	r.Metric("amcheck_seconds", res.Duration.Seconds(), "s")
	r.Metric("relations_checked", float64(res.Relations), "count")
	var corrupt []string
	for _, f := range res.Findings {
		rel := f.Relation
		if rel == "" {
			rel = db.Name
		}
		if f.Corruption {
			corrupt = append(corrupt, rel+": "+f.Message)
			r.Finding(runbook.Critical, f.Message, "pg_amcheck found corruption in %s", rel)
			continue
		}
		r.Finding(runbook.Warning, f.Message, "pg_amcheck could not check %s", rel)
	}
	if len(corrupt) > 0 {
		ph.verdict.put(integrityVerdict{corrupt: corrupt, since: ph.corruptSince(ph.now())})
		return r, nil
	}
	r.Action("pg_amcheck of %s: %s checked, ok in %s", db.Name, human.Count(res.Relations, "relation", "relations"), human.Duration(res.Duration))
	return r, nil
}
