package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fastjson"

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

	// The measures below are charted over the weeks (the dashboard's
	// trends) but not compared week over week: the report's table and
	// `fossamaint history` keep the headline ones above.

	// MeasureNewPatterns is the count of error patterns the log analysis
	// (logs/analyze) had not seen the week before.
	MeasureNewPatterns = "new_patterns"
	// MeasureFailedLoginSources is how many sources the failed logins of
	// the application's logs came from (security/app-logs).
	MeasureFailedLoginSources = "failed_login_sources"
	// MeasureBruteForce is the count of brute-force bursts (one source
	// failing too often too fast) in the application's logs.
	MeasureBruteForce = "brute_force_bursts"
	// MeasureWeeklyBackupSize is the size of the week's full backup, the
	// rollback point (database/backup's backup_bytes).
	MeasureWeeklyBackupSize = "weekly_backup_bytes"
	// MeasureDailyBackupSize is the size of the day's backup the
	// preflight checked (preflight/daily-backup).
	MeasureDailyBackupSize = "daily_backup_bytes"
	// MeasureLatencyP99 prefixes the p99 latency of each benchmarked
	// endpoint, as MeasureLatencyP95 does the p95.
	MeasureLatencyP99 = "latency_p99_seconds:"
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

// trendUnits are the measures charted but not compared (see
// MeasureNewPatterns), in the order the trends show them.
var trendUnits = []struct{ name, unit string }{
	{MeasureNewPatterns, "count"},
	{MeasureFailedLoginSources, "count"},
	{MeasureBruteForce, "count"},
	{MeasureWeeklyBackupSize, "bytes"},
	{MeasureDailyBackupSize, "bytes"},
}

// measureSteps are the step metrics that are measures besides the
// headlines, by the step that records them: a metric of the same name in
// another step (a host's failed logins) is another quantity.
var measureSteps = []struct{ measure, step, metric string }{
	{MeasureFreelist, "database/stats", MeasureFreelist},
	{MeasureFailedLogins, "security/app-logs", MeasureFailedLogins},
	{MeasureNewPatterns, "logs/analyze", MeasureNewPatterns},
	{MeasureFailedLoginSources, "security/app-logs", MeasureFailedLoginSources},
	{MeasureBruteForce, "security/app-logs", MeasureBruteForce},
	{MeasureWeeklyBackupSize, "database/backup", "backup_bytes"},
	{MeasureDailyBackupSize, "preflight/daily-backup", MeasureDailyBackupSize},
}

// Measures are one run's headline numbers by measure name. A measure the
// run did not take is absent, never zero.
type Measures map[string]float64

// MeasuresOf reads the measures of a run from its results: the headline
// metrics the run summarised (Run.Metrics), the step metrics named in
// measureSteps, every p95 and p99 latency an api-benchmark step recorded,
// and the downtime of a run that reached a step able to cause it.
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
			for _, ms := range measureSteps {
				if v, ok := s.Metrics[ms.metric]; ok && ms.step == where {
					m[ms.measure] = v.Value
				}
			}
			for name, v := range s.Metrics {
				if isLatency(name) && s.Name == "api-benchmark" {
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

func isLatency(name string) bool {
	return strings.HasPrefix(name, MeasureLatencyP95) || strings.HasPrefix(name, MeasureLatencyP99)
}

// unitOf is the unit of a measure name.
func unitOf(name string) string {
	for _, u := range slices.Concat(measureUnits, trendUnits) {
		if u.name == name {
			return u.unit
		}
	}
	if isLatency(name) {
		return "s"
	}
	return ""
}

// Unit is the unit of a measure: "bytes", "rows", "count", "%" (0–100)
// or "s"; "" for a name that is no measure.
func Unit(name string) string { return unitOf(name) }

// TrendNames returns the names the given measures hold that the trends
// chart: MeasureNames, then the charted-only ones (MeasureNewPatterns,
// ...) and the p99 latencies by endpoint, each only when one of the
// measures holds it.
func TrendNames(ms ...Measures) []string {
	held := func(name string) bool {
		for _, m := range ms {
			if _, ok := m[name]; ok {
				return true
			}
		}
		return false
	}
	var out []string
	for _, name := range MeasureNames(ms...) {
		if held(name) {
			out = append(out, name)
		}
	}
	for _, u := range trendUnits {
		if held(u.name) {
			out = append(out, u.name)
		}
	}
	p99 := map[string]bool{}
	for _, m := range ms {
		for name := range m {
			if strings.HasPrefix(name, MeasureLatencyP99) {
				p99[name] = true
			}
		}
	}
	return append(out, slices.Sorted(maps.Keys(p99))...)
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
	// partial is Run.Partial: Weeks leaves such runs out itself.
	partial bool
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
	since := WeekStart(s.now().In(loc)).AddDate(0, 0, -7*(n-1))
	// The date first, and through the index runs_started: started_at is
	// RFC 3339 text, whose date prefix compares as text, so two days
	// earlier than since (whatever the offset written) bounds the scan
	// and julianday is exact. The partial runs (wholeRun) are left out
	// below: in SQL, json_extract would parse every report once more.
	// Over years of runs either costs more than the rest of the trends
	// page.
	rows, err := s.db.QueryContext(ctx, `SELECT id, started_at, status, report FROM runs WHERE started_at >= ? AND julianday(started_at) >= julianday(?) AND `+
		procedureRun+` AND status != 'running' ORDER BY julianday(started_at) DESC, id DESC`, since.UTC().AddDate(0, 0, -2).Format("2006-01-02"), ts(since))
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	out := []Week{}
	seen := map[time.Time]bool{}
	wall := s.wall()
	for rows.Next() {
		var id, started, status, blob string
		if err := rows.Scan(&id, &started, &status, &blob); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		// A week already taken, or a run after the wall clock, is left
		// out before its report is parsed: the parse is the cost.
		at := parseTS(started)
		key := WeekStart(at.In(loc))
		if at.After(wall) || seen[key] {
			continue
		}
		w, err := s.week(id, started, status, blob)
		if err != nil {
			return nil, err
		}
		if w.partial {
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

// WeekStart is 00:00 of the Monday of t's week, in t's location: the
// week Weeks keeps one run of.
func WeekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
}

func (s *Store) scanWeek(row interface{ Scan(...any) error }) (*Week, error) {
	var id, started, status, blob string
	if err := row.Scan(&id, &started, &status, &blob); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return s.week(id, started, status, blob)
}

// week is a stored run's row as a Week: its report parsed for the
// measures.
func (s *Store) week(id, started, status, blob string) (*Week, error) {
	w := Week{RunID: id, Status: status}
	run, err := measuredReport(blob)
	if err != nil {
		return nil, fmt.Errorf("decoding run %s from %s: %w (move %s aside if it is damaged; it holds only past reports)", w.RunID, s.path, err, s.path)
	}
	w.StartedAt = parseTS(started)
	w.Measures = MeasuresOf(run)
	w.partial = run.Partial
	return &w, nil
}

var reportParsers fastjson.ParserPool

// measuredReport reads the part of a stored report (a runbook.Run's JSON)
// MeasuresOf reads, and Partial: skipping the findings, actions and
// tables with fastjson rather than decoding them with encoding/json makes
// the trends of a year of runs several times faster.
func measuredReport(blob string) (*runbook.Run, error) {
	p := reportParsers.Get()
	defer reportParsers.Put(p)
	v, err := p.Parse(blob)
	if err != nil {
		return nil, err
	}
	run := &runbook.Run{Partial: v.GetBool("partial"), DowntimeSeconds: v.GetFloat64("downtime_seconds")}
	if o := v.GetObject("metrics"); o != nil {
		run.Metrics = map[string]float64{}
		o.Visit(func(k []byte, x *fastjson.Value) {
			if f, err := x.Float64(); err == nil {
				run.Metrics[string(k)] = f
			}
		})
	}
	for _, pv := range v.GetArray("phases") {
		ph := runbook.PhaseResult{Name: string(pv.GetStringBytes("name"))}
		for _, sv := range pv.GetArray("steps") {
			st := runbook.StepResult{Name: string(sv.GetStringBytes("name")), Kind: runbook.Kind(sv.GetStringBytes("kind")),
				Result: runbook.Result{Status: runbook.Status(sv.GetStringBytes("status"))}}
			if o := sv.GetObject("metrics"); o != nil {
				st.Metrics = map[string]runbook.Metric{}
				o.Visit(func(k []byte, x *fastjson.Value) {
					st.Metrics[string(k)] = runbook.Metric{Value: x.GetFloat64("value"), Unit: string(x.GetStringBytes("unit"))}
				})
			}
			ph.Steps = append(ph.Steps, st)
		}
		run.Phases = append(run.Phases, ph)
	}
	return run, nil
}
