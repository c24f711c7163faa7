package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

func (a *app) dbBenchCmd() *cobra.Command {
	var dbPath string
	var runs int
	var budget time.Duration
	var asJSON bool
	c := &cobra.Command{
		Use:   "bench",
		Short: "Time the application's most frequent reads on the database (read-only)",
		Long: `Times the reads FossaWork's backend runs most (the work-order list of a user
over 30 days, a work order's dispensers, the login's user lookup, the
dashboard's counts by status, the newest work orders), each --runs times,
reading every row, on a read-only connection. Parameters come from the
database itself (its busiest user, a real work order). A query this
database cannot run (another release's schema) is skipped with the reason.
Run it before and after ` + "`db optimize`" + ` to see what ANALYZE and VACUUM did.
SQLite only for now: on a PostgreSQL database it exits 64.`,
		Example: `  fossamaint db bench
  fossamaint db bench --db backend/fossawork_v2.db --runs 50 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runs < 1 || runs > 10000 {
				return usageErr("--runs %d: use 1 to 10000", runs)
			}
			if src := a.pgSource(dbPath); src != nil {
				return usageErr("db bench times the application's reads on SQLite only for now, and %s is PostgreSQL: pg_stat_statements gives its query times", pgdb.Redact(src.URL))
			}
			db, _, err := a.openDB(cmd.Context(), dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			timings, err := db.BenchQueries(cmd.Context(), sqlitedb.AppQueries, runs, budget)
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeList("queries", timings)
			}
			return writeQueryTimings(a.stdout, timings)
		},
	}
	c.Flags().StringVar(&dbPath, "db", "", "database file (default: the configured one)")
	c.Flags().IntVar(&runs, "runs", 20, "times each query runs")
	c.Flags().DurationVar(&budget, "budget", time.Minute, "stop repeating a query once this much time has passed in all")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (durations in seconds)")
	return c
}

// writeQueryTimings is db bench's table: one query a row, human durations.
func writeQueryTimings(w io.Writer, timings []sqlitedb.QueryTiming) error {
	var rows [][]string
	var notes []string
	for _, q := range timings {
		if q.Skipped != "" {
			notes = append(notes, q.Name+": "+q.Skipped)
			continue
		}
		rows = append(rows, []string{q.Name, strconv.Itoa(q.Runs), strconv.Itoa(q.Rows),
			human.Duration(q.Median.D()), human.Duration(q.P95.D()), human.Duration(q.Max.D())})
	}
	if err := writeTable(w, []string{"QUERY", "RUNS", "ROWS", "MEDIAN", "P95", "MAX"}, rows); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, "skipped:", n); err != nil {
			return err
		}
	}
	return nil
}
