package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// Week over week: the headline measures of each run are not stored apart.
// Every finished run is already in the runs table as its whole report
// (the JSON of runbook.Run), so they are read from there (Measures), and
// the previous run is one row (Previous). A copy in a table of its own
// would be a second truth to keep in step with the report.

// Measure names: the headline metrics of a run (runbook.Headline*), what
// the steps measured that the comparison needs besides, and the downtime.
const (
	MeasureDatabaseSize = runbook.HeadlineDatabaseSizeBytes
	MeasureWorkOrders   = runbook.HeadlineWorkOrders
	MeasureDispensers   = runbook.HeadlineDispensers
	// MeasureFreelist is the database's free pages before the optimize
	// step (database/stats): how much fragmentation a week leaves.
	MeasureFreelist     = "freelist_percent"
	MeasureErrors       = runbook.HeadlineErrorsLastWeek
	MeasureFailedLogins = "failed_logins_last_week"
	MeasureDowntime     = runbook.MetricDowntimeSeconds
	// MeasureLatencyP95 prefixes the p95 latency of each endpoint the
	// performance phase's api-benchmark step measured
	// ("latency_p95_seconds:work-orders"); absent without a benchmark.
	MeasureLatencyP95 = "latency_p95_seconds:"
)

// measureUnits are the fixed measures in the order reports show them,
// with their units (those of the step metrics they come from).
var measureUnits = []struct{ name, unit string }{
	{MeasureDatabaseSize, "bytes"},
	{MeasureWorkOrders, "rows"},
	{MeasureDispensers, "rows"},
	{MeasureFreelist, "%"},
	{MeasureErrors, "count"},
	{MeasureFailedLogins, "count"},
	{MeasureDowntime, "s"},
}

// the steps whose metrics are measures besides the headlines: a metric
// of the same name in another step (a host's failed logins) is another
// quantity.
var measureSteps = map[string]string{
	MeasureFreelist:     "database/stats",
	MeasureFailedLogins: "security/app-logs",
}

// Measures are one run's headline numbers by measure name. A measure the
// run did not take is absent, never zero.
type Measures map[string]float64

// MeasuresOf reads the measures of a run from its results: the headline
// metrics the run summarised (Run.Metrics), the step metrics named in
// measureSteps, every p95 latency an api-benchmark step recorded, and the
// downtime of a run that reached a step able to cause it.
func MeasuresOf(run *runbook.Run) Measures {
	m := Measures{}
	for _, name := range []string{MeasureDatabaseSize, MeasureWorkOrders, MeasureDispensers, MeasureErrors} {
		if v, ok := run.Metrics[name]; ok {
			m[name] = v
		}
	}
	downtime := false
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			where := p.Name + "/" + s.Name
			for name, step := range measureSteps {
				if v, ok := s.Metrics[name]; ok && step == where {
					m[name] = v.Value
				}
			}
			for name, v := range s.Metrics {
				if strings.HasPrefix(name, MeasureLatencyP95) && s.Name == "api-benchmark" {
					m[name] = v.Value
				}
			}
			downtime = downtime || s.Kind == runbook.Downtime && s.Status != runbook.StatusSkipped
		}
	}
	if downtime || run.DowntimeSeconds > 0 {
		m[MeasureDowntime] = run.DowntimeSeconds
	}
	return m
}

// unitOf is the unit of a measure name.
func unitOf(name string) string {
	for _, u := range measureUnits {
		if u.name == name {
			return u.unit
		}
	}
	if strings.HasPrefix(name, MeasureLatencyP95) {
		return "s"
	}
	return ""
}

// MeasureNames returns the names the given measures hold, in report
// order: the fixed ones, then the latencies by endpoint.
func MeasureNames(ms ...Measures) []string {
	var out []string
	for _, u := range measureUnits {
		out = append(out, u.name)
	}
	lat := map[string]bool{}
	for _, m := range ms {
		for name := range m {
			if strings.HasPrefix(name, MeasureLatencyP95) {
				lat[name] = true
			}
		}
	}
	return append(out, slices.Sorted(maps.Keys(lat))...)
}

// Compare is the week-over-week comparison of a run's measures with the
// previous run's, in report order: each measure either run took (one
// only one of them took is listed with the other value nil).
func Compare(cur Measures, prev *Week) *runbook.WeekOverWeek {
	if prev == nil {
		return nil
	}
	w := &runbook.WeekOverWeek{PreviousRunID: prev.RunID, PreviousStartedAt: prev.StartedAt, Measures: []runbook.Compared{}}
	for _, name := range MeasureNames(cur, prev.Measures) {
		c := runbook.Compared{Name: name, Unit: unitOf(name)}
		if v, ok := cur[name]; ok {
			c.Current = &v
		}
		if v, ok := prev.Measures[name]; ok {
			c.Previous = &v
		}
		if c.Current != nil || c.Previous != nil {
			w.Measures = append(w.Measures, c)
		}
	}
	return w
}

// Week is one real weekly run's measures: a row of `fossamaint history`.
type Week struct {
	RunID     string    `json:"run_id"`
	StartedAt time.Time `json:"started_at"`
	Status    string    `json:"status"`
	Measures  Measures  `json:"measures"`
}

// finished is a procedure run (procedureRun) of the whole procedure
// that ended: a run still running, or one that died, has no final
// measures, and one that ran some phases only (--only, --skip) measured
// part of the week.
const finished = procedureRun + ` AND status != 'running'` + wholeRun

// wholeRun leaves out the runs of some phases only (Run.Partial).
const wholeRun = ` AND coalesce(json_extract(report, '$.partial'), 0) = 0`

// Previous returns the run that `run` is compared with: the newest
// finished real weekly run that started before it, other than itself. It
// returns nil and no error when there is none (the first run).
func (s *Store) Previous(ctx context.Context, run *runbook.Run) (*Week, error) {
	row := s.db.QueryRowContext(ctx, `SELECT id, started_at, status, report FROM runs WHERE `+finished+
		` AND id != ? AND julianday(started_at) < julianday(?) ORDER BY julianday(started_at) DESC, id DESC LIMIT 1`,
		run.RunID, ts(run.StartedAt))
	w, err := s.scanWeek(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return w, err
}

// Weeks returns one row per week, newest first, for at most n weeks
// counted back from the clock (n ≤ 0: 12): in each week (Monday to Sunday
// in loc, the window's zone) the newest finished real weekly run. Runs
// after the wall clock are left out, as they are of "latest". Never nil.
func (s *Store) Weeks(ctx context.Context, n int, loc *time.Location) ([]Week, error) {
	if n <= 0 {
		n = 12
	}
	if loc == nil {
		loc = time.UTC
	}
	since := weekStart(s.now().In(loc)).AddDate(0, 0, -7*(n-1))
	rows, err := s.db.QueryContext(ctx, `SELECT id, started_at, status, report FROM runs WHERE `+finished+
		` AND julianday(started_at) >= julianday(?) ORDER BY julianday(started_at) DESC, id DESC`, ts(since))
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	out := []Week{}
	seen := map[time.Time]bool{}
	wall := s.wall()
	for rows.Next() {
		w, err := s.scanWeek(rows)
		if err != nil {
			return nil, err
		}
		key := weekStart(w.StartedAt.In(loc))
		if w.StartedAt.After(wall) || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, *w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return out, nil
}

// weekStart is 00:00 of the Monday of t's week, in t's zone.
func weekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
}

func (s *Store) scanWeek(row interface{ Scan(...any) error }) (*Week, error) {
	var w Week
	var started, blob string
	if err := row.Scan(&w.RunID, &started, &w.Status, &blob); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	var run runbook.Run
	if err := json.Unmarshal([]byte(blob), &run); err != nil {
		return nil, fmt.Errorf("decoding run %s from %s: %w (move %s aside if it is damaged; it holds only past reports)", w.RunID, s.path, err, s.path)
	}
	w.StartedAt = parseTS(started)
	w.Measures = MeasuresOf(&run)
	return &w, nil
}
