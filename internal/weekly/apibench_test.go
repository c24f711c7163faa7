package weekly

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// lastWeek plants the benchmark of a week before saturday: every
// endpoint answered 200 requests in 1 ms.
func lastWeek(t *testing.T, dir string, names ...string) {
	t.Helper()
	ms := human.Seconds(time.Millisecond)
	res := &perf.BenchResult{TargetRate: 200}
	for _, n := range names {
		res.Endpoints = append(res.Endpoints, perf.EndpointBench{Name: n, URL: "http://x/" + n, Requests: 200,
			Latency: perf.Latency{P50: ms, P90: ms, P95: ms, P99: ms, P999: ms, Max: ms}})
	}
	if _, err := perf.WriteBenchFile(dir, &perf.BenchFile{Benchmark: res}, saturday.AddDate(0, 0, -7)); err != nil {
		t.Fatal(err)
	}
}

// TestAPIBenchmarkWeekOverWeek: the performance phase compares the week's
// benchmark with last week's file and with preflight's, postflight with
// preflight's, and the three land in today's file.
func TestAPIBenchmarkWeekOverWeek(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	var delay atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(delay.Load()))
	}))
	defer srv.Close()
	delay.Store(int64(20 * time.Millisecond))
	tr.cfg.Health.Endpoints = []config.Endpoint{{Name: "health", URL: srv.URL + "/health", Critical: true}}
	reports := filepath.Join(tr.root, tr.cfg.ReportsDir)
	lastWeek(t, reports, "health")
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"preflight", "performance", "postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	// The server sleeps 20 ms: slower than last week's 1 ms whatever
	// the load. (Against preflight it may or may not be, on a busy
	// machine: not asserted.)
	st, _ := run.Step("performance", "api-benchmark")
	i := slices.IndexFunc(st.Findings, func(f runbook.Finding) bool {
		return strings.Contains(f.Message, "slower than the benchmark of 2026-11-21")
	})
	if i < 0 || st.Findings[i].Severity != runbook.Warning || !strings.Contains(st.Findings[i].Evidence, "p50 1.0 ms → ") {
		t.Fatalf("api-benchmark findings %+v: want the week-over-week warning with both figures", st.Findings)
	}
	if len(st.Tables) != 1 || !strings.Contains(st.Tables[0].Title, "against 2026-11-21") || st.Tables[0].Rows[0][0] != "health" {
		t.Fatalf("tables %+v", st.Tables)
	}
	if _, ok := st.Metrics["latency_p95_seconds:health"]; !ok {
		t.Errorf("metrics %v", st.Metrics)
	}
	post, _ := run.Step("postflight", "latency")
	if len(post.Tables) != 1 || !strings.Contains(post.Tables[0].Title, "before → after") {
		t.Fatalf("postflight latency: tables %+v", post.Tables)
	}
	file, err := perf.ReadBenchFile(filepath.Join(reports, "performance-benchmark-20261128.json"))
	if err != nil {
		t.Fatal(err)
	}
	if file.Preflight == nil || file.Benchmark == nil || file.Postflight == nil || file.Benchmark.TargetRate != 200 {
		t.Fatalf("today's file: %+v", file)
	}
}

// TestAPIBenchmarkDryRunWritesNothing: a dry run measures but writes no
// benchmark file.
func TestAPIBenchmarkDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{DryRun: true, Only: []string{"performance"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("performance", "api-benchmark")
	if len(st.Tables) != 1 || len(st.Actions) != 1 || !strings.HasPrefix(st.Actions[0], "would: write performance-benchmark-20261128.json") {
		t.Fatalf("dry run: actions %q tables %+v", st.Actions, st.Tables)
	}
	if _, err := os.Stat(filepath.Join(tr.root, tr.cfg.ReportsDir, "performance-benchmark-20261128.json")); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote the benchmark: %v", err)
	}
}

// TestAPIBenchmarkDisabled: health.benchmark.enabled false skips the
// three steps with the reason.
func TestAPIBenchmarkDisabled(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	tr.cfg.Health.Benchmark.Enabled = false
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"preflight", "performance", "postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range [][2]string{{"preflight", "latency-baseline"}, {"performance", "api-benchmark"}, {"postflight", "latency"}} {
		st, _ := run.Step(s[0], s[1])
		if st.Status != "skipped" || !strings.Contains(st.Note, "health.benchmark.enabled is false") {
			t.Errorf("%s/%s: %s %q", s[0], s[1], st.Status, st.Note)
		}
	}
}

// TestAPIBenchmarkAfterMaintenanceDown: a critical endpoint that answers
// nothing after maintenance is critical, one that fails some requests a
// warning.
func TestAPIBenchmarkAfterMaintenanceDown(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && n.Add(1)%4 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	tr.cfg.Health.Endpoints = []config.Endpoint{{Name: "down", URL: srv.URL + "/down", Critical: true}, {Name: "flaky", URL: srv.URL + "/flaky"}}
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"postflight"}, SkipSteps: []string{"postflight/endpoints", "postflight/comprehensive-health"}})
	if err != nil {
		t.Fatal(err)
	}
	got := findings(run, "postflight", "latency")
	if len(got) != 2 || !strings.HasPrefix(got[0], "critical: "+srv.URL+"/down did not answer after maintenance") ||
		!strings.Contains(got[1], "/flaky failed ") {
		t.Fatalf("findings %q", got)
	}
	if st, _ := run.Step("postflight", "latency"); st.Note != "no preflight benchmark in this run to compare with" {
		t.Errorf("note %q", st.Note)
	}
}
