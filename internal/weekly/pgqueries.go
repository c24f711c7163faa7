package weekly

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// sqliteOnly says why an application read cannot run as it is on
// PostgreSQL ("" when it can): its parameters are chosen by SQLite SQL
// (rowid) and it uses SQLite's ? placeholders.
func sqliteOnly(q sqlitedb.AppQuery) string {
	switch {
	case q.Params != nil, strings.Contains(q.SQL, "?"), strings.Contains(strings.ToLower(q.SQL), "rowid"):
		return "SQLite-only SQL (? placeholders, rowid)"
	}
	return ""
}

// timeQueries is the application's reads (sqlitedb.AppQueries) timed on
// PostgreSQL through pgx: those whose SQL is portable, each queryRuns
// times within queryBudget; the others are listed as not timed, with why.
func (e *pgEngine) timeQueries(ctx context.Context, when string) (queryTimings, runbook.Result, error) {
	db, err := e.open(ctx)
	if err != nil {
		return nil, runbook.Result{}, err
	}
	defer db.Close()
	var r runbook.Result
	out := queryTimings{}
	var skipped []string
	deadline := e.ph.now().Add(queryBudget)
	for _, q := range sqlitedb.AppQueries {
		t := sqlitedb.QueryTiming{Name: q.Name, Skipped: sqliteOnly(q)}
		if t.Skipped == "" {
			t, err = e.timeQuery(ctx, db, q, deadline)
			if err != nil {
				return nil, r, err
			}
		}
		out[q.Name] = t
		if t.Skipped != "" {
			skipped = append(skipped, q.Name+": "+t.Skipped)
			continue
		}
		r.Metric("query_median_seconds:"+q.Name, t.Median.D().Seconds(), "s")
		r.Metric("query_p95_seconds:"+q.Name, t.P95.D().Seconds(), "s")
	}
	if len(skipped) > 0 {
		r.Note = fmt.Sprintf("%s not timed %s: %s", human.Count(len(skipped), "query", "queries"), when, strings.Join(skipped, "; "))
	}
	return out, r, nil
}

// timeQuery runs q up to queryRuns times, reading every row, until
// deadline. A read the database cannot answer (a table or column it
// lacks) is skipped with the server's reason; a cancelled ctx is an
// error.
func (e *pgEngine) timeQuery(ctx context.Context, db *pgdb.DB, q sqlitedb.AppQuery, deadline time.Time) (sqlitedb.QueryTiming, error) {
	t := sqlitedb.QueryTiming{Name: q.Name}
	var runs []time.Duration
	for i := 0; i < queryRuns && (i == 0 || e.ph.now().Before(deadline)); i++ {
		start := e.ph.now()
		rows, err := db.Conn().Query(ctx, q.SQL)
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
