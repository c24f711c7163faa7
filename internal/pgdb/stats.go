package pgdb

// CONTRACT (helper pgcheck replaces this file's bodies; signatures fixed).

import (
	"context"
	"time"
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
	// XIDAge is age(datfrozenxid); XIDLeft the transactions left before
	// the server stops to prevent wraparound (2^31 - 3M - XIDAge);
	// FreezeMaxAge is autovacuum_freeze_max_age.
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

// ReadStats reads the statistics of db's database.
func ReadStats(ctx context.Context, db *DB, o StatsOptions) (Stats, error) {
	return Stats{}, errContract
}
