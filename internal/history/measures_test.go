package history

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// measuredRun is a finished weekly run that measured what the comparison
// reads, scaled by k, with an api-benchmark step when bench is true.
func measuredRun(id string, at time.Time, k float64, bench bool) *runbook.Run {
	stats := runbook.StepResult{Name: "stats", Result: runbook.Result{Metrics: map[string]runbook.Metric{
		"freelist_percent": {Value: 20 * k, Unit: "%"}, "work_orders": {Value: 1000 * k, Unit: "rows", Headline: true}}}}
	opt := runbook.StepResult{Name: "optimize", Kind: runbook.Downtime, Result: runbook.Result{Status: runbook.StatusOK,
		Metrics: map[string]runbook.Metric{"downtime_seconds": {Value: 2 * k, Unit: "s"}}}}
	app := runbook.StepResult{Name: "app-logs", Result: runbook.Result{Metrics: map[string]runbook.Metric{
		"failed_logins_last_week": {Value: 50 * k, Unit: "count"}}}}
	// The host's failed logins are another quantity: not the measure.
	host := runbook.StepResult{Name: "host-auth", Result: runbook.Result{Metrics: map[string]runbook.Metric{
		"failed_logins_last_week": {Value: 9999, Unit: "count"}}}}
	run := &runbook.Run{RunID: id, Command: runbook.CommandWeekly, StartedAt: at, FinishedAt: at.Add(time.Hour), Status: runbook.RunOK,
		Phases: []runbook.PhaseResult{
			{Name: "database", Steps: []runbook.StepResult{stats, opt}},
			{Name: "security", Steps: []runbook.StepResult{app, host}},
		}}
	if bench {
		b := runbook.StepResult{Name: "api-benchmark", Result: runbook.Result{Metrics: map[string]runbook.Metric{
			"latency_p95_seconds:work-orders": {Value: 0.01 * k, Unit: "s"}, "latency_p50_seconds:work-orders": {Value: 1, Unit: "s"}}}}
		run.Phases = append(run.Phases, runbook.PhaseResult{Name: "performance", Steps: []runbook.StepResult{b}})
	}
	run.Summarize()
	run.Metrics[runbook.HeadlineDatabaseSizeBytes] = 1e6 * k
	run.Metrics[runbook.HeadlineErrorsLastWeek] = 100 * k
	return run
}

func TestMeasuresOf(t *testing.T) {
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		run  *runbook.Run
		want Measures
	}{
		{"everything, with a benchmark", measuredRun("a", at, 1, true), Measures{
			"database_size_bytes": 1e6, "work_orders": 1000, "freelist_percent": 20, "errors_last_week": 100,
			"failed_logins_last_week": 50, "downtime_seconds": 2, "latency_p95_seconds:work-orders": 0.01}},
		{"no benchmark: no latency", measuredRun("b", at, 2, false), Measures{
			"database_size_bytes": 2e6, "work_orders": 2000, "freelist_percent": 40, "errors_last_week": 200,
			"failed_logins_last_week": 100, "downtime_seconds": 4}},
		// A run whose phases were all skipped measured nothing: no
		// zero downtime, no zero rows.
		{"nothing measured", &runbook.Run{RunID: "c", Phases: []runbook.PhaseResult{{Name: "database", Steps: []runbook.StepResult{
			{Name: "optimize", Kind: runbook.Downtime, Result: runbook.Result{Status: runbook.StatusSkipped}}}}}}, Measures{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MeasuresOf(c.run); !reflect.DeepEqual(got, c.want) {
				t.Errorf("MeasuresOf = %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestPreviousAndWeeks(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) // a Saturday
	s, err := Open(ctx, t.TempDir(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.wall = func() time.Time { return now.Add(2 * time.Hour) }
	save := func(r *runbook.Run) { t.Helper(); must(t, s.RunStarted(ctx, r)); must(t, s.RunFinished(ctx, r)) }

	if p, err := s.Previous(ctx, measuredRun("first", now, 1, false)); p != nil || err != nil {
		t.Fatalf("an empty history has no previous run: %v, %v", p, err)
	}
	save(measuredRun("w46", now.AddDate(0, 0, -21), 0.7, false))
	save(measuredRun("w47", now.AddDate(0, 0, -14), 0.8, false))
	// Two runs in week 48: the newer stands for the week.
	save(measuredRun("w48-early", now.AddDate(0, 0, -8), 0.85, false))
	save(measuredRun("w48", now.AddDate(0, 0, -7), 0.9, true))
	// Neither a dry run, a single command, a run of some phases only, a
	// run that died nor one in the future is a week.
	dry := measuredRun("dry", now.AddDate(0, 0, -1), 5, false)
	dry.DryRun = true
	save(dry)
	single := measuredRun("single", now.AddDate(0, 0, -1), 5, false)
	single.Command = "preflight"
	save(single)
	partial := measuredRun("partial", now.AddDate(0, 0, -1), 5, false)
	partial.Partial = true // weekly --only database
	save(partial)
	dead := measuredRun("dead", now.AddDate(0, 0, -2), 5, false)
	dead.Status = runbook.RunRunning
	must(t, s.RunStarted(ctx, dead))
	save(measuredRun("future", now.AddDate(0, 0, 30), 5, false))
	cur := measuredRun("w49", now, 1, true)
	save(cur)

	prev, err := s.Previous(ctx, cur)
	if err != nil || prev == nil || prev.RunID != "w48" {
		t.Fatalf("previous of w49 = %+v, %v; want w48", prev, err)
	}
	if prev.Measures[MeasureDatabaseSize] != 0.9e6 || math.Abs(prev.Measures["latency_p95_seconds:work-orders"]-0.009) > 1e-12 {
		t.Errorf("w48's measures = %v", prev.Measures)
	}
	for _, c := range []struct {
		n    int
		want []string
	}{{0, []string{"w49", "w48", "w47", "w46"}}, {2, []string{"w49", "w48"}}, {1, []string{"w49"}}} {
		weeks, err := s.Weeks(ctx, c.n, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range weeks {
			ids = append(ids, w.RunID)
		}
		if !reflect.DeepEqual(ids, c.want) {
			t.Errorf("Weeks(%d) = %v, want %v", c.n, ids, c.want)
		}
	}
}

func TestCompare(t *testing.T) {
	at := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	if Compare(Measures{"work_orders": 1}, nil) != nil {
		t.Error("no previous run: no comparison")
	}
	prev := &Week{RunID: "w48", StartedAt: at.AddDate(0, 0, -7), Measures: MeasuresOf(measuredRun("w48", at, 1, false))}
	w := Compare(MeasuresOf(measuredRun("w49", at, 2, true)), prev)
	if w.PreviousRunID != "w48" || !w.PreviousStartedAt.Equal(prev.StartedAt) {
		t.Fatalf("compared with %s %s", w.PreviousRunID, w.PreviousStartedAt)
	}
	var names []string
	for _, m := range w.Measures {
		names = append(names, m.Name)
	}
	// Neither run counted dispensers: no row.
	want := []string{"database_size_bytes", "work_orders", "freelist_percent", "errors_last_week",
		"failed_logins_last_week", "downtime_seconds", "latency_p95_seconds:work-orders"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("measures %v, want %v", names, want)
	}
	byName := map[string]runbook.Compared{}
	for _, m := range w.Measures {
		byName[m.Name] = m
	}
	if m := byName["work_orders"]; *m.Current != 2000 || *m.Previous != 1000 || m.Unit != "rows" {
		t.Errorf("work orders %+v", m)
	}
	// Last week had no benchmark.
	if m := byName["latency_p95_seconds:work-orders"]; m.Current == nil || m.Previous != nil || m.Unit != "s" {
		t.Errorf("latency %+v", m)
	}
}

// trendRun is a run that measured what only the trends chart: new log
// patterns, failed-login sources and brute-force bursts, the backups'
// sizes and p99 latencies, with look-alike metrics in other steps.
func trendRun() *runbook.Run {
	step := func(name string, metrics map[string]runbook.Metric) runbook.StepResult {
		return runbook.StepResult{Name: name, Result: runbook.Result{Metrics: metrics}}
	}
	return &runbook.Run{RunID: "t", Command: runbook.CommandWeekly, Phases: []runbook.PhaseResult{
		{Name: "preflight", Steps: []runbook.StepResult{step("daily-backup", map[string]runbook.Metric{"daily_backup_bytes": {Value: 3 << 20, Unit: "bytes"}})}},
		{Name: "database", Steps: []runbook.StepResult{
			step("backup", map[string]runbook.Metric{"backup_bytes": {Value: 5 << 20, Unit: "bytes"}}),
			step("stats", map[string]runbook.Metric{"backup_bytes": {Value: 1, Unit: "bytes"}}),
		}},
		{Name: "logs", Steps: []runbook.StepResult{step("analyze", map[string]runbook.Metric{"new_patterns": {Value: 3, Unit: "count"}})}},
		{Name: "security", Steps: []runbook.StepResult{
			step("app-logs", map[string]runbook.Metric{"failed_login_sources": {Value: 7, Unit: "count"}, "brute_force_bursts": {Value: 2, Unit: "count"}}),
			step("host-auth", map[string]runbook.Metric{"brute_force_bursts": {Value: 99, Unit: "count"}}),
		}},
		{Name: "performance", Steps: []runbook.StepResult{step("api-benchmark", map[string]runbook.Metric{
			"latency_p95_seconds:a": {Value: 0.02, Unit: "s"}, "latency_p99_seconds:a": {Value: 0.05, Unit: "s"},
			"latency_p50_seconds:a": {Value: 0.01, Unit: "s"}})}},
	}}
}

func TestMeasuresOfTrends(t *testing.T) {
	got := MeasuresOf(trendRun())
	want := Measures{"daily_backup_bytes": 3 << 20, "weekly_backup_bytes": 5 << 20, "new_patterns": 3,
		"failed_login_sources": 7, "brute_force_bursts": 2, "latency_p95_seconds:a": 0.02, "latency_p99_seconds:a": 0.05}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MeasuresOf = %v\nwant %v", got, want)
	}
	names := TrendNames(got, Measures{"work_orders": 1})
	wantNames := []string{"work_orders", "latency_p95_seconds:a", "new_patterns", "failed_login_sources", "brute_force_bursts",
		"weekly_backup_bytes", "daily_backup_bytes", "latency_p99_seconds:a"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("TrendNames = %q\nwant %q", names, wantNames)
	}
	units := map[string]string{"weekly_backup_bytes": "bytes", "new_patterns": "count", "latency_p99_seconds:a": "s",
		"freelist_percent": "%", "work_orders": "rows", "nonsense": ""}
	for name, want := range units {
		if got := Unit(name); got != want {
			t.Errorf("Unit(%q) = %q, want %q", name, got, want)
		}
	}
	// The week over week compares the headline measures only: the
	// charted-only ones are not rows of its table.
	w := Compare(got, &Week{RunID: "p", Measures: got})
	for _, c := range w.Measures {
		if c.Name != "latency_p95_seconds:a" {
			t.Errorf("Compare lists %s, a measure it did not compare before", c.Name)
		}
	}
}
