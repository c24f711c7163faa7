package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// AppQuery is a read FossaWork's backend runs often. Params picks its
// arguments from the database itself (a real user, work order, date
// range), so the timing is of the data the application has.
type AppQuery struct {
	Name string
	SQL  string
	// Params returns the arguments, or an error when the database has
	// no row to take them from.
	Params func(ctx context.Context, db *sql.DB) ([]any, error)
}

// AppQueries are the application's most frequent reads (upstream's
// routes: the work-order list by user and date range, a work order's
// dispensers, the login's user lookup, the dashboard's counts by status,
// the newest work orders).
var AppQueries = []AppQuery{
	{Name: "work_orders_by_date",
		SQL: `SELECT id, site_name, status, scheduled_date FROM work_orders
			WHERE user_id = ? AND scheduled_date BETWEEN ? AND ? ORDER BY scheduled_date`,
		Params: func(ctx context.Context, db *sql.DB) ([]any, error) {
			var user, last string
			err := db.QueryRowContext(ctx, `SELECT user_id, max(scheduled_date) FROM work_orders
				WHERE scheduled_date IS NOT NULL GROUP BY user_id ORDER BY count(*) DESC LIMIT 1`).Scan(&user, &last)
			if err != nil {
				return nil, err
			}
			return []any{user, sqlDateMinus(last, 30), last}, nil
		}},
	{Name: "dispensers_of_work_order",
		SQL: `SELECT * FROM dispensers WHERE work_order_id = ?`,
		Params: func(ctx context.Context, db *sql.DB) ([]any, error) {
			var wo string
			err := db.QueryRowContext(ctx, `SELECT work_order_id FROM dispensers
				ORDER BY rowid LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dispensers)`).Scan(&wo)
			return []any{wo}, err
		}},
	{Name: "user_lookup",
		SQL: `SELECT * FROM users WHERE username = ?`,
		Params: func(ctx context.Context, db *sql.DB) ([]any, error) {
			var name string
			err := db.QueryRowContext(ctx, `SELECT username FROM users ORDER BY rowid DESC LIMIT 1`).Scan(&name)
			return []any{name}, err
		}},
	{Name: "work_orders_by_status",
		SQL: `SELECT status, count(*) FROM work_orders GROUP BY status`},
	{Name: "newest_work_orders",
		SQL: `SELECT id, site_name, status, created_at FROM work_orders ORDER BY created_at DESC LIMIT 50`},
}

// sqlDateMinus is a DATETIME text days earlier, computed by SQLite's own
// date functions' format ("YYYY-MM-DD HH:MM:SS"); text it cannot read is
// returned as it is (the range is then empty, not an error).
func sqlDateMinus(s string, days int) string {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05", time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.AddDate(0, 0, -days).Format("2006-01-02 15:04:05")
		}
	}
	return s
}

// QueryTiming is one query's timings over its runs.
type QueryTiming struct {
	Name string `json:"name"`
	Runs int    `json:"runs"`
	Rows int    `json:"rows"`
	// Median, P95 and Max are the wall time of a run, rows read included.
	Median human.Seconds `json:"median_seconds"`
	P95    human.Seconds `json:"p95_seconds"`
	Max    human.Seconds `json:"max_seconds"`
	// Skipped says why the query was not timed (a table or column this
	// database lacks, no row to take parameters from).
	Skipped string `json:"skipped,omitempty"`
}

// BenchQueries times each query runs times (at least 1) on the
// connection, reading every row, within budget (0: no limit; a query
// whose runs would pass it stops early, with the runs it had). A query
// this database cannot run is skipped with the reason, never an error:
// schemas differ between releases. Only reads run: the connection may be
// read-only.
func (d *DB) BenchQueries(ctx context.Context, queries []AppQuery, runs int, budget time.Duration) ([]QueryTiming, error) {
	runs = max(runs, 1)
	deadline := time.Time{}
	if budget > 0 {
		deadline = time.Now().Add(budget)
	}
	out := make([]QueryTiming, 0, len(queries))
	for _, q := range queries {
		t, err := d.benchOne(ctx, q, runs, deadline)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (d *DB) benchOne(ctx context.Context, q AppQuery, runs int, deadline time.Time) (QueryTiming, error) {
	t := QueryTiming{Name: q.Name}
	var args []any
	if q.Params != nil {
		var err error
		if args, err = q.Params(ctx, d.sql); err != nil {
			if ctx.Err() != nil {
				return t, ctx.Err()
			}
			t.Skipped = skipReason(err)
			return t, nil
		}
	}
	var took []time.Duration
	for i := 0; i < runs; i++ {
		if i > 0 && !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		start := time.Now()
		n, err := d.readAll(ctx, q.SQL, args)
		if err != nil {
			if ctx.Err() != nil {
				return t, ctx.Err()
			}
			t.Skipped = skipReason(err)
			return t, nil
		}
		took = append(took, time.Since(start))
		t.Rows = n
	}
	t.Runs = len(took)
	t.Median, t.P95, t.Max = summarize(took)
	return t, nil
}

// summarize returns the median (the lower middle of an even count), the
// nearest-rank 95th percentile and the maximum of took (not empty).
func summarize(took []time.Duration) (median, p95, maxi human.Seconds) {
	s := slices.Sorted(slices.Values(took))
	n := len(s)
	return human.Seconds(s[(n-1)/2]), human.Seconds(s[(n*95+99)/100-1]), human.Seconds(s[n-1])
}

// readAll runs query and reads every row, as the application does.
func (d *DB) readAll(ctx context.Context, query string, args []any) (int, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func skipReason(err error) string {
	if errors.Is(err, sql.ErrNoRows) {
		return "no rows to take its parameters from"
	}
	return fmt.Sprintf("cannot run on this database: %v", err)
}
