package sandbox

import (
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/perf"
)

// lastWeekLatency is what the demo's endpoints answered last week, in
// ms: p50, p95, p99. The database was more fragmented then (the VACUUM
// is this week's), so the lists were slower than the demo backend
// answers now; the week-over-week table shows the change.
var lastWeekLatency = []struct {
	name          string
	p50, p95, p99 float64
}{
	{"health", 0.8, 2.1, 6.5},
	{"work-orders", 6.2, 14.8, 41.0},
	{"dispensers", 5.4, 12.9, 37.5},
	{"auth-validate", 0.7, 1.9, 5.8},
	{"frontend", 0.6, 1.6, 4.9},
}

// writeLastWeekBenchmark plants reports/performance-benchmark-<a week
// ago>.json as the weekly run wrote it then: a minute at 50 requests/s,
// 600 requests an endpoint.
func writeLastWeekBenchmark(reportsDir string, now time.Time) error {
	ms := func(v float64) human.Seconds { return human.Seconds(time.Duration(v * float64(time.Millisecond))) }
	res := &perf.BenchResult{TargetRate: 50, Rate: 50, Elapsed: human.Seconds(time.Minute), Sustained: true}
	var p95 float64
	for _, e := range lastWeekLatency {
		res.Endpoints = append(res.Endpoints, perf.EndpointBench{Name: e.name, URL: "http://127.0.0.1:8000/" + e.name,
			Requests: 600, Rate: 10, ErrorsByStatus: map[string]int{},
			Latency: perf.Latency{P50: ms(e.p50), P90: ms(e.p95 * 0.8), P95: ms(e.p95), P99: ms(e.p99), P999: ms(e.p99), Max: ms(e.p99 * 1.2)}})
		res.Requests += 600
		p95 = max(p95, e.p95)
	}
	res.Latency = perf.Latency{P50: ms(1.2), P90: ms(p95 * 0.8), P95: ms(p95), P99: ms(41), P999: ms(41), Max: ms(49)}
	then := now.AddDate(0, 0, -7)
	_, err := perf.WriteBenchFile(reportsDir, &perf.BenchFile{GeneratedAt: then, Benchmark: res}, then)
	return err
}
