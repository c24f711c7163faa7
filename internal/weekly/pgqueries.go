package weekly

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// pgQuery is one of the application's reads (sqlitedb.AppQueries, by the
// same name) in PostgreSQL's SQL: $n placeholders, and ParamsSQL, a query
// whose one row is the arguments (no rowid: the primary key orders).
type pgQuery struct {
	Name, SQL, ParamsSQL string
}

// pgAppQueries are sqlitedb.AppQueries as PostgreSQL runs them; the names
// match, so the report compares the same reads on either engine.
var pgAppQueries = []pgQuery{
	{Name: "work_orders_by_date",
		SQL: `SELECT id, site_name, status, scheduled_date FROM work_orders
			WHERE user_id = $1 AND scheduled_date BETWEEN $2 AND $3 ORDER BY scheduled_date`,
		ParamsSQL: `SELECT user_id, max(scheduled_date) - interval '30 days', max(scheduled_date) FROM work_orders
			WHERE scheduled_date IS NOT NULL GROUP BY user_id ORDER BY count(*) DESC LIMIT 1`},
	{Name: "dispensers_of_work_order",
		SQL:       `SELECT * FROM dispensers WHERE work_order_id = $1`,
		ParamsSQL: `SELECT work_order_id FROM dispensers ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dispensers)`},
	{Name: "user_lookup",
		SQL:       `SELECT * FROM users WHERE username = $1`,
		ParamsSQL: `SELECT username FROM users ORDER BY id DESC LIMIT 1`},
	{Name: "work_orders_by_status",
		SQL: `SELECT status, count(*) FROM work_orders GROUP BY status`},
	{Name: "newest_work_orders",
		SQL: `SELECT id, site_name, status, created_at FROM work_orders ORDER BY created_at DESC LIMIT 50`},
}

// timeQueries is the application's reads (pgAppQueries) timed on
// PostgreSQL through pgx, each queryRuns times within queryBudget; one
// this database cannot run (a table or column it lacks, no row to take
// its arguments from) is listed as not timed, with why.
func (e *pgEngine) timeQueries(ctx context.Context, when string) (queryTimings, runbook.Result, error) {
	db, err := e.open(ctx)
	if err != nil {
		return nil, runbook.Result{}, err
	}
	defer db.Close()
	var list []sqlitedb.QueryTiming
	deadline := e.ph.now().Add(queryBudget)
	for _, q := range pgAppQueries {
		t, err := e.timeQuery(ctx, db, q, deadline)
		if err != nil {
			return nil, runbook.Result{}, err
		}
		list = append(list, t)
	}
	out, r := timingsResult(list, when)
	return out, r, nil
}

// timeQuery runs q up to queryRuns times, reading every row, until
// deadline. A read the database cannot answer (a table or column it
// lacks) is skipped with the server's reason; a cancelled ctx is an
// error.
func (e *pgEngine) timeQuery(ctx context.Context, db *pgdb.DB, q pgQuery, deadline time.Time) (sqlitedb.QueryTiming, error) {
	t := sqlitedb.QueryTiming{Name: q.Name}
	args, err := queryArgs(ctx, db, q)
	if err != nil {
		if ctx.Err() != nil {
			return t, ctx.Err()
		}
		t.Skipped = pgdb.Redact(err.Error())
		return t, nil
	}
	var runs []time.Duration
	for i := 0; i < queryRuns && (i == 0 || e.ph.now().Before(deadline)); i++ {
		start := e.ph.now()
		rows, err := db.Conn().Query(ctx, q.SQL, args...)
		n := 0
		if err == nil {
			for rows.Next() {
				n++
			}
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			if ctx.Err() != nil {
				return t, ctx.Err()
			}
			t.Skipped = pgdb.Redact(err.Error())
			return t, nil
		}
		runs = append(runs, e.ph.now().Sub(start))
		t.Rows = n
	}
	slices.Sort(runs)
	t.Runs = len(runs)
	t.Median = human.Seconds(runs[len(runs)/2])
	t.P95 = human.Seconds(runs[min(len(runs)-1, len(runs)*95/100)])
	t.Max = human.Seconds(runs[len(runs)-1])
	return t, nil
}

// queryArgs are q's arguments, read by its ParamsSQL (none without one).
func queryArgs(ctx context.Context, db *pgdb.DB, q pgQuery) ([]any, error) {
	if q.ParamsSQL == "" {
		return nil, nil
	}
	rows, err := db.Conn().Query(ctx, q.ParamsSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("no row to take its arguments from")
	}
	return rows.Values()
}
