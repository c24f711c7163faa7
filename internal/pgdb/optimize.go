package pgdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
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
// application runs: VACUUM (ANALYZE), ANALYZE and REINDEX INDEX
// CONCURRENTLY, each its own statement outside a transaction (REINDEX
// CONCURRENTLY refuses to run in one). A failed REINDEX leaves an invalid
// "<index>_ccnew" copy behind: it is dropped and the failure reported;
// the other items still run, and the error joins every failure (the
// result holds what ran either way).
func OptimizeOnline(ctx context.Context, db *DB, p Plan) (OptimizeResult, error) {
	start := time.Now()
	var res OptimizeResult
	var errs []error
	var err error
	if res.BytesBefore, err = databaseSize(ctx, db); err != nil {
		return res, err
	}
	run := func(verb, name, kind string) {
		rel, err := qualified(ctx, db, name, kind)
		if err == nil {
			t := time.Now()
			_, err = db.conn.Exec(ctx, verb+" "+rel)
			if err == nil {
				res.Actions = append(res.Actions, fmt.Sprintf("%s %s (%s)", verb, name, human.Duration(time.Since(t))))
				return
			}
		}
		res.Actions = append(res.Actions, fmt.Sprintf("%s %s failed: %v", verb, name, err))
		errs = append(errs, fmt.Errorf("%s %s: %w", verb, name, err))
		if kind == "i" && ctx.Err() == nil {
			res.Actions = append(res.Actions, dropLeftover(ctx, db, name)...)
		}
	}
	for _, it := range p.Vacuum {
		run("VACUUM (ANALYZE)", it.Name, "t")
	}
	for _, it := range p.Analyze {
		run("ANALYZE", it.Name, "t")
	}
	for _, it := range p.Reindex {
		run("REINDEX INDEX CONCURRENTLY", it.Name, "i")
	}
	res.BytesAfter, err = databaseSize(ctx, db)
	res.Duration = time.Since(start)
	return res, errors.Join(append(errs, err)...)
}

// VacuumFull runs VACUUM (FULL, ANALYZE) on p.VacuumFull one table at a
// time, largest first, skipping a table whose estimated time would pass
// deadline (kept in Left). Call it only with the service stopped.
//
// A table's time is its heap bytes at the rate the first table ran at
// (50 MB/s before any has run: a rewrite reads and writes each byte and
// rebuilds the indexes, well under a disk's sequential speed).
func VacuumFull(ctx context.Context, db *DB, p Plan, deadline time.Time) (OptimizeResult, error) {
	start := time.Now()
	var res OptimizeResult
	var err error
	if res.BytesBefore, err = databaseSize(ctx, db); err != nil {
		return res, err
	}
	items := slices.Clone(p.VacuumFull)
	slices.SortStableFunc(items, largestFirst)
	rate := 50e6 // bytes per second
	measured := false
	for _, it := range items {
		est := time.Duration(float64(it.Bytes) / rate * float64(time.Second))
		if time.Now().Add(est).After(deadline) {
			res.Left = append(res.Left, it)
			continue
		}
		rel, err := qualified(ctx, db, it.Name, "t")
		if err != nil {
			res.BytesAfter, _ = databaseSize(ctx, db)
			res.Duration = time.Since(start)
			return res, err
		}
		t := time.Now()
		if _, err := db.conn.Exec(ctx, "VACUUM (FULL, ANALYZE) "+rel); err != nil {
			res.Actions = append(res.Actions, fmt.Sprintf("VACUUM (FULL, ANALYZE) %s failed: %v", it.Name, err))
			res.BytesAfter, _ = databaseSize(ctx, db)
			res.Duration = time.Since(start)
			return res, fmt.Errorf("VACUUM FULL %s: %w (the table is unchanged: VACUUM FULL writes a new copy and swaps it in only at the end)", it.Name, err)
		}
		took := time.Since(t)
		res.Actions = append(res.Actions, fmt.Sprintf("VACUUM (FULL, ANALYZE) %s, %s (%s)", it.Name, human.Bytes(it.Bytes), human.Duration(took)))
		if !measured && it.Bytes > 0 {
			rate, measured = float64(it.Bytes)/max(took.Seconds(), 0.001), true
		}
	}
	res.BytesAfter, err = databaseSize(ctx, db)
	res.Duration = time.Since(start)
	return res, err
}

// databaseSize is pg_database_size of db.
func databaseSize(ctx context.Context, db *DB) (int64, error) {
	var n int64
	if err := db.conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		return 0, fmt.Errorf("reading the size of %s: %w", db.Name, err)
	}
	return n, nil
}

// qualified turns a Stats name ("schema.relation", unquoted) into a
// quoted identifier for a statement, by finding the relation: a name is
// never pasted into SQL as it came. kind is "t" for a table, "i" for an
// index.
func qualified(ctx context.Context, db *DB, name, kind string) (string, error) {
	kinds := []string{"r", "m", "p"}
	if kind == "i" {
		kinds = []string{"i", "I"}
	}
	const q = `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname || '.' || c.relname = $1 AND c.relkind::text = ANY ($2)`
	var rel string
	if err := db.conn.QueryRow(ctx, q, name, kinds).Scan(&rel); err != nil {
		return "", fmt.Errorf("finding %s in %s: %w (was it dropped or renamed since the statistics were read?)", name, db.Name, err)
	}
	return rel, nil
}

// dropLeftover drops the invalid copies a failed REINDEX CONCURRENTLY of
// index name left ("<name>_ccnew", "<name>_ccnew1", ...), and says so.
func dropLeftover(ctx context.Context, db *DB, name string) []string {
	const q = `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
WHERE NOT i.indisvalid AND left(n.nspname || '.' || c.relname, length($1) + 6) = $1 || '_ccnew'
  AND substr(n.nspname || '.' || c.relname, length($1) + 7) ~ '^[0-9]*$'`
	rows, err := db.conn.Query(ctx, q, name)
	if err != nil {
		return []string{fmt.Sprintf("looking for the invalid copy of %s failed: %v (drop any invalid %s_ccnew index by hand)", name, err, name)}
	}
	type pair struct{ quoted, plain string }
	var left []pair
	for rows.Next() {
		var p pair
		if rows.Scan(&p.quoted, &p.plain) == nil {
			left = append(left, p)
		}
	}
	rows.Close()
	var out []string
	for _, p := range left {
		if _, err := db.conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+p.quoted); err != nil {
			out = append(out, fmt.Sprintf("dropping the invalid index %s failed: %v (drop it by hand: DROP INDEX CONCURRENTLY %s)", p.plain, err, p.quoted))
			continue
		}
		out = append(out, fmt.Sprintf("DROP INDEX CONCURRENTLY %s (the invalid copy the failed REINDEX left)", p.plain))
	}
	return out
}
