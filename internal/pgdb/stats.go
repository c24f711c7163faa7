package pgdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// StatsOptions say what ReadStats counts.
type StatsOptions struct {
	// CountTables are counted exactly (SELECT count(*)); a missing one is
	// listed in Stats.Missing.
	CountTables []string
	// InstallExtension allows CREATE EXTENSION pgstattuple when missing
	// (exact bloat figures); without it bloat is estimated.
	InstallExtension bool
}

// Stats are the database's size, health and vacuum state.
type Stats struct {
	Database      string
	ServerVersion string
	// Size is pg_database_size.
	Size    int64
	Tables  []TableStats
	Indexes []IndexStats
	// Counts are CountTables' exact rows; Missing the ones not there.
	Counts  map[string]int64
	Missing []string
	// XIDAge is age(datfrozenxid) of this database; XIDLeft the
	// transactions left before the server stops assigning new ones to
	// prevent wraparound (see xidLeft: 2^31-1 - 3M - the oldest
	// database's age, which may be another database's); FreezeMaxAge is
	// autovacuum_freeze_max_age.
	XIDAge       int64
	XIDLeft      int64
	FreezeMaxAge int64
	// PgStatTuple is true when bloat figures are pgstattuple's.
	PgStatTuple bool
	Notes       []string
}

// TableStats is one user table.
type TableStats struct {
	// Name is schema-qualified ("public.work_orders").
	Name                   string
	LiveTuples, DeadTuples int64
	// DeadPercent is dead / (live + dead) * 100.
	DeadPercent float64
	// TableBytes is the heap; TotalBytes with indexes and TOAST.
	TableBytes, TotalBytes int64
	// BloatPercent is the share of the heap that is free or dead space
	// (pgstattuple, or an estimate).
	BloatPercent                                             float64
	LastVacuum, LastAutovacuum, LastAnalyze, LastAutoanalyze time.Time
	XIDAge                                                   int64
}

// IndexStats is one index of a user table.
type IndexStats struct {
	Name, Table  string
	Bytes        int64
	BloatPercent float64
	// Valid is false for an index a failed CREATE INDEX CONCURRENTLY left.
	Valid bool
	Scans int64
}

// ReadStats reads the statistics of db's database. Bloat comes from
// pgstattuple when it is installed (or o.InstallExtension allows it),
// else from the estimates of stats_bloat.go; Notes say which.
func ReadStats(ctx context.Context, db *DB, o StatsOptions) (Stats, error) {
	st := Stats{Database: db.Name, ServerVersion: db.Version}
	if err := readDatabase(ctx, db, &st); err != nil {
		return Stats{}, err
	}
	tables, err := readTables(ctx, db)
	if err != nil {
		return Stats{}, err
	}
	indexes, err := readIndexes(ctx, db)
	if err != nil {
		return Stats{}, err
	}
	if err := readBloat(ctx, db, o.InstallExtension, &st, tables, indexes); err != nil {
		return Stats{}, err
	}
	for _, t := range tables {
		st.Tables = append(st.Tables, t.TableStats)
	}
	for _, i := range indexes {
		st.Indexes = append(st.Indexes, i.IndexStats)
	}
	if err := countTables(ctx, db, o.CountTables, &st); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// Transaction ID wraparound, from the PostgreSQL 15 documentation,
// section 25.1.5 "Preventing Transaction ID Wraparound Failures"
// (https://www.postgresql.org/docs/15/routine-vacuuming.html#VACUUM-FOR-WRAPAROUND):
// XIDs are compared modulo 2^32, so a row must be frozen within about two
// billion (2^31) transactions; the server warns when "the database's
// oldest XIDs reach forty million transactions from the wraparound point"
// and refuses to assign new XIDs "once there are fewer than three million
// transactions left until wraparound". In the server (varsup.c,
// SetTransactionIdLimit) the wrap limit is the cluster's oldest
// datfrozenxid + 2^31-1 and the stop limit 3,000,000 before it (both
// numbers since PostgreSQL 14; 11 million and 1 million before).
const (
	xidWrapDistance = 1<<31 - 1
	xidStopMargin   = 3_000_000
)

// xidLeft is how many XIDs can still be assigned when the oldest
// database's datfrozenxid is oldestAge transactions old.
func xidLeft(oldestAge int64) int64 { return xidWrapDistance - xidStopMargin - oldestAge }

// readDatabase reads the size, the XID ages and autovacuum_freeze_max_age.
func readDatabase(ctx context.Context, db *DB, st *Stats) error {
	const q = `SELECT pg_database_size(current_database()),
  (SELECT age(datfrozenxid) FROM pg_database WHERE datname = current_database()),
  (SELECT max(age(datfrozenxid)) FROM pg_database),
  current_setting('autovacuum_freeze_max_age')::bigint`
	var oldest int64
	if err := db.conn.QueryRow(ctx, q).Scan(&st.Size, &st.XIDAge, &oldest, &st.FreezeMaxAge); err != nil {
		return fmt.Errorf("reading the size and transaction ID age of %s: %w", db.Name, err)
	}
	st.XIDLeft = xidLeft(max(oldest, st.XIDAge))
	return nil
}

// table is a TableStats and what the bloat figures need.
type table struct {
	TableStats
	oid      uint32
	relpages int64
	// width is the estimated bytes a live row takes on a page, 0 when
	// never analysed.
	width float64
}

// readTables reads every user table.
func readTables(ctx context.Context, db *DB) ([]table, error) {
	const q = `SELECT s.relid, s.schemaname || '.' || s.relname, s.n_live_tup, s.n_dead_tup,
  s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
  pg_relation_size(s.relid), pg_total_relation_size(s.relid),
  CASE WHEN c.relfrozenxid::text::bigint = 0 THEN 0 ELSE age(c.relfrozenxid) END,
  c.relpages::bigint,
  coalesce((SELECT sum(st.avg_width) FROM pg_stats st
            WHERE st.schemaname = s.schemaname AND st.tablename = s.relname AND NOT st.inherited), 0)::float8,
  (SELECT count(*) FROM pg_stats st WHERE st.schemaname = s.schemaname AND st.tablename = s.relname)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
ORDER BY 2`
	rows, err := db.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading the table statistics of %s: %w", db.Name, err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var t table
		var lv, lav, la, laa *time.Time
		var nstats int64
		if err := rows.Scan(&t.oid, &t.Name, &t.LiveTuples, &t.DeadTuples, &lv, &lav, &la, &laa,
			&t.TableBytes, &t.TotalBytes, &t.XIDAge, &t.relpages, &t.width, &nstats); err != nil {
			return nil, fmt.Errorf("reading the table statistics of %s: %w", db.Name, err)
		}
		t.LastVacuum, t.LastAutovacuum, t.LastAnalyze, t.LastAutoanalyze = when(lv), when(lav), when(la), when(laa)
		if nstats == 0 {
			t.width = 0
		} else {
			t.width = heapTupleBytes(t.width)
		}
		if n := t.LiveTuples + t.DeadTuples; n > 0 {
			t.DeadPercent = float64(t.DeadTuples) * 100 / float64(n)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the table statistics of %s: %w", db.Name, err)
	}
	return out, nil
}

// index is an IndexStats and what the bloat figures need.
type index struct {
	IndexStats
	oid                 uint32
	btree               bool
	relpages, reltuples int64
	// keyWidth is the sum of the key columns' average widths, 0 when
	// unknown (never analysed, or an expression).
	keyWidth float64
}

// readIndexes reads every index of the user tables.
func readIndexes(ctx context.Context, db *DB) ([]index, error) {
	const q = `SELECT s.indexrelid, s.schemaname || '.' || s.indexrelname, s.schemaname || '.' || s.relname,
  pg_relation_size(s.indexrelid), i.indisvalid, coalesce(s.idx_scan, 0), am.amname = 'btree',
  c.relpages::bigint, greatest(c.reltuples, 0)::bigint,
  CASE WHEN 0 = ANY (i.indkey::int2[]) THEN 0 ELSE coalesce((
    SELECT sum(st.avg_width) FROM pg_attribute a
    JOIN pg_stats st ON st.schemaname = s.schemaname AND st.tablename = s.relname AND st.attname = a.attname AND NOT st.inherited
    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])), 0) END::float8,
  CASE WHEN 0 = ANY (i.indkey::int2[]) THEN 0 ELSE (
    SELECT count(*) FROM pg_attribute a
    JOIN pg_stats st ON st.schemaname = s.schemaname AND st.tablename = s.relname AND st.attname = a.attname AND NOT st.inherited
    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) END = cardinality(i.indkey::int2[])
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
JOIN pg_class c ON c.oid = s.indexrelid
JOIN pg_am am ON am.oid = c.relam
ORDER BY 2`
	rows, err := db.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading the index statistics of %s: %w", db.Name, err)
	}
	defer rows.Close()
	var out []index
	for rows.Next() {
		var x index
		var complete bool
		if err := rows.Scan(&x.oid, &x.Name, &x.Table, &x.Bytes, &x.Valid, &x.Scans, &x.btree,
			&x.relpages, &x.reltuples, &x.keyWidth, &complete); err != nil {
			return nil, fmt.Errorf("reading the index statistics of %s: %w", db.Name, err)
		}
		if !complete {
			x.keyWidth = 0
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the index statistics of %s: %w", db.Name, err)
	}
	return out, nil
}

// when is t, or the zero time for NULL (never).
func when(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// countTables counts o.CountTables exactly. An unqualified name is looked
// up in the search_path, as the application would; to_regclass parses
// quoting and case as SQL does, and its text form is a safe identifier.
func countTables(ctx context.Context, db *DB, names []string, st *Stats) error {
	for _, name := range names {
		var rel *string
		err := db.conn.QueryRow(ctx, "SELECT to_regclass($1)::text", name).Scan(&rel)
		var pgErr *pgconn.PgError
		if err != nil && !errors.As(err, &pgErr) {
			return fmt.Errorf("looking up table %s in %s: %w", name, db.Name, err)
		}
		// A name that is not even an identifier ("a.b.c.d") is missing too.
		if err != nil || rel == nil {
			st.Missing = append(st.Missing, name)
			continue
		}
		var n int64
		if err := db.conn.QueryRow(ctx, "SELECT count(*) FROM "+*rel).Scan(&n); err != nil {
			return fmt.Errorf("counting the rows of %s in %s: %w", name, db.Name, err)
		}
		if st.Counts == nil {
			st.Counts = map[string]int64{}
		}
		st.Counts[name] = n
	}
	return nil
}
