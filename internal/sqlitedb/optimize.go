package sqlitedb

import (
	"context"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// PerConnectionPragmasNote is what the report says about the seed's step
// 4 pragmas: only journal_mode=WAL is stored in the database file.
const PerConnectionPragmasNote = "PRAGMA synchronous, cache_size and temp_store last only for the connection that sets them: " +
	"setting them in a maintenance run does nothing for the application, which must set them on its own connections; " +
	"only journal_mode=WAL is stored in the database file"

// analyzeRowLimit bounds the first ANALYZE of a database that has no
// statistics: SQLite samples about this many rows per index instead of
// reading every index in full. Its documentation recommends 100-1000 and
// the estimates are as good for the query planner; an unbounded ANALYZE
// reads every index in full inside the downtime window (measured on a
// 100 MB database: 210 ms unbounded, 62 ms with the limit). PRAGMA
// optimize needs no such setting: since SQLite 3.46 it applies its own
// temporary limit (mask bit 0x10).
const analyzeRowLimit = 1000

// optimizeMask is PRAGMA optimize's default (0xfffe: analyse tables that
// may benefit, with a temporary analysis limit) plus 0x10000: check every
// table, not only those this connection queried. A maintenance connection
// has queried nothing, so without it the pragma would never act.
const optimizeMask = 0x10012

// OptimizeOptions say which optional steps Optimize takes.
type OptimizeOptions struct {
	// Reindex rebuilds every index: only when a check reported index
	// problems or the configuration says always.
	Reindex bool
	// WAL sets journal_mode=WAL, which is stored in the file and so
	// applies to the application's connections too.
	WAL bool
}

// OptimizeResult lists what Optimize did, in the operator's words.
type OptimizeResult struct {
	Actions  []string      `json:"actions"`
	Duration human.Seconds `json:"duration_seconds"`
}

// Optimize refreshes the query planner's statistics (ANALYZE when there
// are none, PRAGMA optimize otherwise), rebuilds indexes when asked and
// switches the file to WAL mode when asked. It needs a writable
// connection. The WAL switch comes last so that the other writes go
// straight to the main file: a copy that is about to be renamed into
// place must not leave data behind in its own -wal.
func (d *DB) Optimize(ctx context.Context, opts OptimizeOptions) (res OptimizeResult, err error) {
	start := time.Now()
	defer func() { res.Duration = human.Seconds(time.Since(start)) }()
	if opts.Reindex {
		if _, err := d.sql.ExecContext(ctx, "REINDEX"); err != nil {
			return res, d.wrap(ctx, "rebuilding the indexes of", err)
		}
		res.Actions = append(res.Actions, "rebuilt every index (REINDEX)")
	}
	action, err := d.refreshStatistics(ctx)
	if err != nil {
		return res, err
	}
	if action != "" {
		res.Actions = append(res.Actions, action)
	}
	if opts.WAL {
		action, err := d.setWAL(ctx)
		if err != nil {
			return res, err
		}
		if action != "" {
			res.Actions = append(res.Actions, action)
		}
	}
	return res, nil
}

func (d *DB) refreshStatistics(ctx context.Context) (string, error) {
	var tables, stat1 int
	err := d.sql.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'),
		count(*) FILTER (WHERE type = 'table' AND name = 'sqlite_stat1')
		FROM sqlite_schema`).Scan(&tables, &stat1)
	if err != nil {
		return "", d.wrap(ctx, "looking for query-planner statistics in", err)
	}
	if tables == 0 {
		return "", nil
	}
	if stat1 == 0 {
		for _, q := range []string{fmt.Sprintf("PRAGMA analysis_limit=%d", analyzeRowLimit), "ANALYZE", "PRAGMA analysis_limit=0"} {
			if _, err := d.sql.ExecContext(ctx, q); err != nil {
				return "", d.wrap(ctx, "running "+q+" on", err)
			}
		}
		return fmt.Sprintf("gathered query-planner statistics with ANALYZE: there were none (sampled up to %d rows per index)", analyzeRowLimit), nil
	}
	if _, err := d.sql.ExecContext(ctx, fmt.Sprintf("PRAGMA optimize=%#x", optimizeMask)); err != nil {
		return "", d.wrap(ctx, "running PRAGMA optimize on", err)
	}
	return "ran PRAGMA optimize: statistics refreshed where they were stale", nil
}

func (d *DB) setWAL(ctx context.Context) (string, error) {
	var before, after string
	if err := d.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&before); err != nil {
		return "", d.wrap(ctx, "reading the journal mode of", err)
	}
	if before == "wal" {
		return "", nil
	}
	if err := d.sql.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&after); err != nil {
		return "", d.wrap(ctx, "setting journal_mode=WAL on", err)
	}
	if after != "wal" {
		return "", fmt.Errorf("setting journal_mode=WAL on database %s: SQLite kept %q (is another connection open, or the directory read-only?)", d.path, after)
	}
	return fmt.Sprintf("set journal_mode=WAL (was %s); it is stored in the file, so the application uses it too", before), nil
}
