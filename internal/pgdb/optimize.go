package pgdb

// CONTRACT (helper pgcheck replaces this file's bodies; signatures fixed).

import (
	"context"
	"time"
)

// Thresholds decide what PlanOptimize picks (database.postgres.*).
type Thresholds struct {
	DeadTuplePercent       float64
	IndexBloatPercent      float64
	VacuumFullBloatPercent float64
	// VacuumFull allows VACUUM FULL (downtime) at all.
	VacuumFull bool
}

// Item is one table or index to work on, and why.
type Item struct {
	Name   string
	Reason string
	Bytes  int64
}

// Plan is what optimisation is warranted.
type Plan struct {
	// Vacuum: VACUUM (ANALYZE), online. Analyze: ANALYZE only (never
	// analysed, or stale statistics), online.
	Vacuum  []Item
	Analyze []Item
	// Reindex: REINDEX INDEX CONCURRENTLY, online.
	Reindex []Item
	// VacuumFull: with the service stopped only.
	VacuumFull []Item
}

// Empty says nothing is warranted.
func (p Plan) Empty() bool {
	return len(p.Vacuum)+len(p.Analyze)+len(p.Reindex)+len(p.VacuumFull) == 0
}

// PlanOptimize picks from st what th warrants.
func PlanOptimize(st Stats, th Thresholds) Plan { return Plan{} }

// OptimizeResult says what ran.
type OptimizeResult struct {
	// Actions are human sentences, one per statement run.
	Actions                 []string
	BytesBefore, BytesAfter int64
	Duration                time.Duration
	// Left are the VACUUM FULL items not run because the deadline would
	// have passed.
	Left []Item
}

// OptimizeOnline runs p's Vacuum, Analyze and Reindex items while the
// application runs.
func OptimizeOnline(ctx context.Context, db *DB, p Plan) (OptimizeResult, error) {
	return OptimizeResult{}, errContract
}

// VacuumFull runs VACUUM (FULL, ANALYZE) on p.VacuumFull one table at a
// time, largest first, skipping a table whose estimated time would pass
// deadline (kept in Left). Call it only with the service stopped.
func VacuumFull(ctx context.Context, db *DB, p Plan, deadline time.Time) (OptimizeResult, error) {
	return OptimizeResult{}, errContract
}
