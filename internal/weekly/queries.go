package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// queryRuns and queryBudget bound each timing of the application's reads:
// enough runs for a stable median, never more than a minute of the window.
const (
	queryRuns   = 20
	queryBudget = time.Minute
)

// queryTimings are the application's reads timed before the optimize
// step, handed to the timing after it.
type queryTimings map[string]sqlitedb.QueryTiming

// queriesBefore times the application's most frequent reads before the
// database is optimised: the baseline of queriesAfter.
func (ph *databasePhase) queriesBefore(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	timings, r, err := ph.engine.timeQueries(ctx, "before")
	if err == nil {
		ph.queries.put(timings)
	}
	return r, err
}

// queriesAfter times them again after the optimize step and shows what
// ANALYZE and VACUUM did to each, in a table of the medians and p95s, and
// names the reads that got slower by the rule endpoint latencies use
// (health.Regression).
func (ph *databasePhase) queriesAfter(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	after, r, err := ph.engine.timeQueries(ctx, "after")
	if err != nil {
		return r, err
	}
	before := ph.queries.get()
	if len(before) == 0 {
		return r, nil
	}
	rows, slower := compareQueries(before, after, ph.regressionPercent)
	if len(rows) == 0 {
		return r, nil
	}
	r.Tables = append(r.Tables, runbook.Table{
		Title:   "Application reads, before → after the optimize step",
		Columns: []string{"read", "rows", "median", "p95"},
		Rows:    rows,
		Note:    fmt.Sprintf("Each read run %d times on the maintenance connection; the change in brackets is the median's.", queryRuns),
	})
	if len(slower) > 0 {
		// Information, never a warning: two timings minutes apart on a
		// machine that is also running the maintenance differ by more
		// than what an optimisation changes (a CI run at load 4 doubled
		// a 1 ms read). A week-over-week regression is judged against
		// history.
		r.Finding(runbook.Info, strings.Join(slower, "\n"), "%s slower after the optimize step by more than %s (median of %d runs)",
			human.Count(len(slower), "read", "reads"), human.Percent(ph.regressionPercent), queryRuns)
		r.Recommend("If a read stays slower in `fossamaint db bench` once the service is warm, compare `EXPLAIN QUERY PLAN` with last week's.")
	}
	return r, nil
}

// compareQueries is one table row per read timed both times (name, rows,
// median and p95 as "before → after"), and the reads that got slower by
// the endpoints' rule (health.Regression: more than pct percent and at
// least its floor) as "name: before → after".
func compareQueries(before, after queryTimings, pct float64) (rows [][]string, slower []string) {
	for _, name := range queryNames(after) {
		a, b := after[name], before[name]
		if a.Runs == 0 || b.Runs == 0 {
			continue
		}
		stats := func(q sqlitedb.QueryTiming) health.LatencyStats {
			return health.LatencyStats{Samples: q.Runs, Median: q.Median.D()}
		}
		change, regressed := health.Regression(stats(b), stats(a), pct)
		median := human.Duration(b.Median.D()) + " → " + human.Duration(a.Median.D())
		rows = append(rows, []string{name, fmt.Sprint(a.Rows), median + " (" + signedPercent(change) + ")",
			human.Duration(b.P95.D()) + " → " + human.Duration(a.P95.D())})
		if regressed {
			slower = append(slower, name+": "+median)
		}
	}
	return rows, slower
}

// timeQueries runs the benchmark on a read-only maintenance connection
// and records each query's median and p95 as metrics named by when.
func (ph *databasePhase) timeQueries(ctx context.Context, when string) (queryTimings, runbook.Result, error) {
	db, err := ph.openDB(ctx)
	if err != nil {
		return nil, runbook.Result{}, err
	}
	defer db.Close()
	list, err := db.BenchQueries(ctx, sqlitedb.AppQueries, queryRuns, queryBudget)
	if err != nil {
		return nil, runbook.Result{}, err
	}
	out, r := timingsResult(list, when)
	return out, r, nil
}

// timingsResult are the reads' timings by name and the step's result:
// each timed read's median and p95, and a note naming those not timed
// (either engine).
func timingsResult(list []sqlitedb.QueryTiming, when string) (queryTimings, runbook.Result) {
	var r runbook.Result
	out := queryTimings{}
	var skipped []string
	for _, q := range list {
		out[q.Name] = q
		if q.Skipped != "" {
			skipped = append(skipped, q.Name+": "+q.Skipped)
			continue
		}
		r.Metric("query_median_seconds:"+q.Name, q.Median.D().Seconds(), "s")
		r.Metric("query_p95_seconds:"+q.Name, q.P95.D().Seconds(), "s")
	}
	if len(skipped) > 0 {
		r.Note = fmt.Sprintf("%s not timed %s: %s", human.Count(len(skipped), "query", "queries"), when, strings.Join(skipped, "; "))
	}
	return out, r
}

// queryNames lists the timed queries in AppQueries' order.
func queryNames(t queryTimings) []string {
	var out []string
	for _, q := range sqlitedb.AppQueries {
		if _, ok := t[q.Name]; ok {
			out = append(out, q.Name)
		}
	}
	return out
}
