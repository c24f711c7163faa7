package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

func (a *app) historyCmd() *cobra.Command {
	var asJSON bool
	var weeks int
	c := &cobra.Command{
		Use:   "history",
		Short: "Print the headline measures of the weekly runs, one row per week",
		Long: `Prints, newest first, one row per week (Monday to Sunday in the window's
time zone) with the newest finished weekly run of that week: the database's
size, its work_orders and dispensers rows, its free pages before the
optimize step, the errors and failed logins of the week before the run, the
downtime, and the p95 latency of each endpoint when the run had an API
benchmark. A value a run did not measure is "-" (null in JSON).

The values are read from the stored reports; the same ones are compared
week over week in each report's Performance Metrics section. Dry runs and
single commands are not runs. Reading the history changes nothing.`,
		Example: `  fossamaint history
  fossamaint history --weeks 52 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if weeks < 1 {
				return usageErr("--weeks %d: give a number of weeks of 1 or more", weeks)
			}
			in, store, err := a.historyReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			rows := []history.Week{}
			if store != nil {
				defer store.Close()
				if rows, err = store.Weeks(cmd.Context(), weeks, in.Zone); err != nil {
					return err
				}
			}
			if asJSON {
				return a.encodeList("weeks", jsonWeeks(rows, in.Zone))
			}
			return printWeeks(a.stdout, rows, in.Zone)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the weeks as JSON")
	c.Flags().IntVar(&weeks, "weeks", 12, "how many weeks back from now")
	return c
}

// weekJSON is a row of `history --json`: the measures by name (full
// precision, seconds for durations), null where not measured.
type weekJSON struct {
	Week      string              `json:"week"`
	RunID     string              `json:"run_id"`
	StartedAt time.Time           `json:"started_at"`
	Status    string              `json:"status"`
	Measures  map[string]*float64 `json:"measures"`
}

func jsonWeeks(rows []history.Week, loc *time.Location) []weekJSON {
	names := measureColumns(rows)
	out := make([]weekJSON, 0, len(rows))
	for _, w := range rows {
		j := weekJSON{Week: isoWeek(w.StartedAt.In(loc)), RunID: w.RunID, StartedAt: w.StartedAt.In(loc), Status: w.Status,
			Measures: map[string]*float64{}}
		for _, n := range names {
			if v, ok := w.Measures[n]; ok {
				j.Measures[n] = &v
			} else {
				j.Measures[n] = nil
			}
		}
		out = append(out, j)
	}
	return out
}

func measureColumns(rows []history.Week) []string {
	ms := make([]history.Measures, len(rows))
	for i, w := range rows {
		ms[i] = w.Measures
	}
	return history.MeasureNames(ms...)
}

func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// weekHeaders are the table's column titles of the fixed measures.
var weekHeaders = map[string]string{
	history.MeasureDatabaseSize: "DB SIZE", history.MeasureWorkOrders: "WORK ORDERS", history.MeasureDispensers: "DISPENSERS",
	history.MeasureFreelist: "FREE PAGES", history.MeasureErrors: "ERRORS", history.MeasureFailedLogins: "FAILED LOGINS",
	history.MeasureDowntime: "DOWNTIME",
}

func printWeeks(w io.Writer, rows []history.Week, loc *time.Location) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no finished weekly run in the history for these weeks")
		return err
	}
	names := measureColumns(rows)
	header := []string{"WEEK", "STARTED", "STATUS"}
	for _, n := range names {
		h, ok := weekHeaders[n]
		if endpoint, lat := strings.CutPrefix(n, history.MeasureLatencyP95); lat {
			h, ok = "P95 "+endpoint, true
		}
		if !ok {
			h = strings.ToUpper(n)
		}
		header = append(header, h)
	}
	var table [][]string
	for _, wk := range rows {
		at := wk.StartedAt.In(zoneOr(loc))
		row := []string{isoWeek(at), at.Format("2006-01-02 15:04 MST"), wk.Status}
		for _, n := range names {
			row = append(row, measureCell(n, wk.Measures))
		}
		table = append(table, row)
	}
	return writeTable(w, header, table)
}

// measureCell shows a measure as people read it: sizes, durations and
// percentages through internal/human, counts with thousands separators.
func measureCell(name string, m history.Measures) string {
	v, ok := m[name]
	switch {
	case !ok:
		return "-"
	case name == history.MeasureDatabaseSize:
		return human.Bytes(int64(v))
	case name == history.MeasureFreelist:
		return human.Percent(v)
	case name == history.MeasureDowntime || strings.HasPrefix(name, history.MeasureLatencyP95):
		return human.DurationSeconds(v)
	}
	return humanize.Comma(int64(v))
}

// compareWithLastWeek puts on run its comparison with the previous
// finished weekly run in the history (Run.WeekOverWeek), which the report
// shows in Performance Metrics. It is derived, so it is computed whenever
// a run is rendered (after a run, and by `report`) rather than stored.
// A history that cannot be read only leaves the comparison out, with a
// note: the report matters more.
func (a *app) compareWithLastWeek(ctx context.Context, stateDir string, store *history.Store, run *runbook.Run) {
	if run.Command != "" && run.Command != runbook.CommandWeekly {
		return
	}
	if store == nil {
		s, err := history.OpenReadOnly(ctx, stateDir, a.now)
		if err != nil || s == nil {
			if err != nil {
				fmt.Fprintf(a.stderr, "note: no week-over-week comparison: %v\n", err)
			}
			return
		}
		defer s.Close()
		store = s
	}
	prev, err := store.Previous(ctx, run)
	if err != nil {
		fmt.Fprintf(a.stderr, "note: no week-over-week comparison: %v\n", err)
		return
	}
	run.WeekOverWeek = history.Compare(history.MeasuresOf(run), prev)
}

// historyReadOnly is the installation and its history opened read-only
// for a command that only reads it (nil when there is none yet); the
// caller closes a non-nil store.
func (a *app) historyReadOnly(ctx context.Context) (*install.Installation, *history.Store, error) {
	in, err := a.installation()
	if err != nil {
		return nil, nil, err
	}
	store, err := history.OpenReadOnly(ctx, in.StateDir, a.now)
	return in, store, err
}
