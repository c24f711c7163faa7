package weekly

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// apiBench is the weekly run's benchmark of health.endpoints (GET only,
// open loop at health.benchmark.rate, latency from each request's
// scheduled time: perf.Bench). Preflight runs a short one (the baseline),
// the performance phase the full one, compared with last week's and with
// the baseline, and postflight a short one again, compared with the
// baseline and kept as the reference after maintenance (the seed's
// performance-monitor.py --baseline). All three go into
// reports/performance-benchmark-YYYYMMDD.json.
type apiBench struct {
	clock
	cfg config.Benchmark
	// health are the endpoints benchmarked and their probe timeout.
	health     install.Health
	auth       string
	reportsDir string
	// regressionPercent is thresholds.latency_regression_percent.
	regressionPercent float64
	// file is what this run measured so far (preflight -> performance ->
	// postflight).
	file handoff[perf.BenchFile]
}

// benchMargin is added to a benchmark's duration for its step's budget:
// the last requests' timeouts and writing the file.
const benchMargin = 30 * time.Second

// budget is the time budget of a step running a benchmark of d.
func (b *apiBench) budget(d config.Duration) time.Duration { return d.D() + benchMargin }

// run benchmarks every endpoint for d at the configured rate.
func (b *apiBench) run(ctx context.Context, d time.Duration) (*perf.BenchResult, error) {
	res, err := perf.Bench(ctx, perf.BenchConfig{Targets: b.health.BenchTargets(), Rate: b.cfg.Rate, Duration: d,
		Timeout: b.health.Timeout, Auth: b.auth})
	if err != nil {
		return nil, fmt.Errorf("benchmarking the endpoints: %w", err)
	}
	if res.Interrupted && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return res, nil
}

// skip is the reason no benchmark runs, "" when one does.
func (b *apiBench) skip() string {
	switch {
	case !b.cfg.Enabled:
		return "health.benchmark.enabled is false"
	case len(b.health.Checks) == 0:
		return "no endpoint configured (health.endpoints)"
	}
	return ""
}

// measure runs a benchmark of d, keeps it in this run's file by keep,
// and records its metrics and failed requests in r (when: "before
// maintenance"; an endpoint that answered nothing gets severity sev).
func (b *apiBench) measure(ctx context.Context, d time.Duration, r *runbook.Result, when string, sev func(name string) runbook.Severity,
	keep func(*perf.BenchFile, *perf.BenchResult)) (*perf.BenchResult, perf.BenchFile, error) {
	res, err := b.run(ctx, d)
	if err != nil {
		return nil, perf.BenchFile{}, err
	}
	f := b.file.get()
	keep(&f, res)
	b.file.put(f)
	benchMetrics(r, res)
	for _, e := range res.Endpoints {
		switch {
		case e.Requests > 0 && e.Errors == e.Requests:
			r.Finding(sev(e.Name), perf.ErrorsText(e.Errors, e.ErrorsByStatus), "%s did not answer %s", e.URL, when)
		case e.Errors > 0:
			r.Finding(runbook.Warning, perf.ErrorsText(e.Errors, e.ErrorsByStatus), "%s failed %d of %d requests %s", e.URL, e.Errors, e.Requests, when)
		}
	}
	return res, f, nil
}

func warning(string) runbook.Severity { return runbook.Warning }

// baseline is preflight's short benchmark: what the endpoints answer
// before anything is touched.
func (b *apiBench) baseline(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	if why := b.skip(); why != "" {
		return runbook.Skipped("%s", why), nil
	}
	_, _, err = b.measure(ctx, b.cfg.BaselineDuration.D(), &r, "before maintenance", warning,
		func(f *perf.BenchFile, res *perf.BenchResult) { f.Preflight = res })
	return r, err
}

// benchmark is the performance phase's full benchmark: compared with
// last week's file and with this run's baseline, then written.
func (b *apiBench) benchmark(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if why := b.skip(); why != "" {
		return runbook.Skipped("%s", why), nil
	}
	now := b.localNow()
	var r runbook.Result
	prev, prevPath, err := perf.PreviousBenchFile(b.reportsDir, now)
	if err != nil {
		r.Finding(runbook.Warning, err.Error(), "last week's benchmark could not be read: no week-over-week comparison")
	}
	res, f, err := b.measure(ctx, b.cfg.Duration.D(), &r, "during the benchmark", warning,
		func(f *perf.BenchFile, res *perf.BenchResult) { f.Benchmark = res })
	if err != nil {
		return r, err
	}
	if !res.Sustained {
		r.Finding(runbook.Info, res.Note, "the benchmark could not keep its rate: the percentiles count every request from its scheduled time, so they stay honest")
	}
	since := "last week"
	if prev != nil {
		since = "the benchmark of " + prev.Date
	}
	changes := perf.CompareBench(prev.Reference(), res, b.regressionPercent, health.RegressionFloor)
	b.regressions(&r, changes, "slower than "+since)
	b.regressions(&r, perf.CompareBench(f.Preflight, res, b.regressionPercent, health.RegressionFloor), "slower than before maintenance (preflight)")
	r.Tables = append(r.Tables, weekTable(changes, prev, prevPath, b.cfg.Rate))
	if err := b.write(ctx, env, &r); err != nil {
		return r, err
	}
	return r, nil
}

// after is postflight's short benchmark: compared with the baseline, and
// written as the reference after maintenance. A critical endpoint that
// answers nothing is critical.
func (b *apiBench) after(ctx context.Context, env *runbook.Env) (r runbook.Result, err error) {
	if why := b.skip(); why != "" {
		return runbook.Skipped("%s", why), nil
	}
	sev := func(name string) runbook.Severity {
		for _, c := range b.health.Checks {
			if c.Name == name && c.Critical {
				return runbook.Critical
			}
		}
		return runbook.Warning
	}
	res, f, err := b.measure(ctx, b.cfg.BaselineDuration.D(), &r, "after maintenance", sev,
		func(f *perf.BenchFile, res *perf.BenchResult) { f.Postflight = res })
	if err != nil {
		return r, err
	}
	if f.Preflight == nil {
		r.Note = "no preflight benchmark in this run to compare with"
	} else {
		changes := perf.CompareBench(f.Preflight, res, b.regressionPercent, health.RegressionFloor)
		b.regressions(&r, changes, "slower than before maintenance")
		r.Tables = append(r.Tables, beforeAfterTable(changes))
	}
	return r, b.write(ctx, env, &r)
}

// write stores this run's benchmarks in today's file, keeping what an
// earlier run of the same day wrote for the steps this run did not run.
func (b *apiBench) write(ctx context.Context, env *runbook.Env, r *runbook.Result) error {
	now := b.localNow()
	name := perf.BenchFileName(now)
	err := env.Do(ctx, "write "+name+" to "+b.reportsDir, func(context.Context) error {
		f := b.file.get()
		if old, err := perf.ReadBenchFile(filepath.Join(b.reportsDir, name)); err == nil {
			f = mergeBench(*old, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			r.Finding(runbook.Info, err.Error(), "today's earlier benchmark file is replaced")
		}
		f.GeneratedAt = b.now()
		_, err := perf.WriteBenchFile(b.reportsDir, &f, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing the benchmark: %w", err)
	}
	if !env.DryRun {
		r.Tally(runbook.Tally{Verb: "written", Object: "benchmark file", Count: 1}) // the summary's words
	}
	return nil
}

// mergeBench is now over old: this run's sections replace old's.
func mergeBench(old, now perf.BenchFile) perf.BenchFile {
	if now.Preflight != nil {
		old.Preflight = now.Preflight
	}
	if now.Benchmark != nil {
		old.Benchmark = now.Benchmark
	}
	if now.Postflight != nil {
		old.Postflight = now.Postflight
	}
	return old
}

// regressions adds one warning per endpoint that got slower, with both
// figures of each percentile that did.
func (b *apiBench) regressions(r *runbook.Result, changes []perf.EndpointChange, than string) {
	for _, c := range changes {
		slower := c.Regressed()
		if len(slower) == 0 {
			continue
		}
		var parts []string
		for _, p := range slower {
			parts = append(parts, fmt.Sprintf("%s %s → %s (%s)", p.Name, human.Duration(p.Before.D()), human.Duration(p.After.D()), signedPercent(p.Percent)))
		}
		r.Finding(runbook.Warning, strings.Join(parts, "; "), "%s is %s (warn above %s and %s)", c.After.URL, than,
			limitPercent(b.regressionPercent), human.Duration(health.RegressionFloor))
	}
}

// benchMetrics records each endpoint's percentiles and failures.
func benchMetrics(r *runbook.Result, res *perf.BenchResult) {
	r.Metric("requests", float64(res.Requests), "count")
	r.Metric("request_errors", float64(res.Errors), "count")
	r.Metric("request_rate", res.Rate, "req/s")
	for _, e := range res.Endpoints {
		r.Metric("latency_p50_seconds:"+e.Name, e.Latency.P50.D().Seconds(), "s")
		r.Metric("latency_p95_seconds:"+e.Name, e.Latency.P95.D().Seconds(), "s")
		r.Metric("latency_p99_seconds:"+e.Name, e.Latency.P99.D().Seconds(), "s")
	}
}

// weekTable is the week-over-week table: each endpoint's p50, p95 and
// p99, last week's → this week's.
func weekTable(changes []perf.EndpointChange, prev *perf.BenchFile, prevPath string, rate float64) runbook.Table {
	t := runbook.Table{Title: "API latency, week over week", Columns: latencyColumns("this week")}
	if prev != nil {
		t.Title += " (against " + prev.Date + ")"
		t.Note = "last week → this week, from " + filepath.Base(prevPath) + "; a change in brackets only where both weeks had enough requests for that percentile (" + perf.MinSamplesText() + ")."
		if ref := prev.Reference(); ref != nil && ref.TargetRate != rate {
			t.Note += fmt.Sprintf(" Sent at %g/s last week, %g/s this week.", ref.TargetRate, rate)
		}
	} else {
		t.Note = "No benchmark from an earlier week in the reports directory: this week's figures are next week's reference."
	}
	t.Rows = latencyRows(changes)
	return t
}

// beforeAfterTable is postflight's table: before maintenance → after.
func beforeAfterTable(changes []perf.EndpointChange) runbook.Table {
	return runbook.Table{Title: "API latency, before → after maintenance", Columns: latencyColumns("after"),
		Rows: latencyRows(changes),
		Note: "preflight → postflight benchmark; a change in brackets only where both had enough requests for that percentile (" + perf.MinSamplesText() + ")."}
}

func latencyColumns(requests string) []string {
	return []string{"endpoint", "requests (" + requests + ")", "errors", "p50", "p95", "p99"}
}

func latencyRows(changes []perf.EndpointChange) [][]string {
	var rows [][]string
	for _, c := range changes {
		row := []string{c.Name, fmt.Sprint(c.After.Requests), perf.ErrorsText(c.After.Errors, c.After.ErrorsByStatus)}
		for _, p := range c.Percentiles {
			row = append(row, changeCell(c.Before != nil, p))
		}
		rows = append(rows, row)
	}
	return rows
}

// changeCell is "1.2 ms → 1.4 ms (+17%)", or the after figure alone when
// there is no before.
func changeCell(hasBefore bool, p perf.PercentileChange) string {
	if !hasBefore {
		return human.Duration(p.After.D())
	}
	s := human.Duration(p.Before.D()) + " → " + human.Duration(p.After.D())
	if p.Compared {
		s += " (" + signedPercent(p.Percent) + ")"
	}
	return s
}
