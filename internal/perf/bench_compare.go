package perf

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// A percentile is compared only when both benchmarks have at least this
// many answered requests of the endpoint: five or more samples above it.
// Below that it is one of the slowest few samples (the p99 of 40 requests
// is their maximum), and two maxima differ by chance far more than by any
// change of the server (a CI machine at load 4 turned a p95 of 25 ms from
// 20 samples into 58 ms with nothing changed).
var comparedPercentiles = []struct {
	name       string
	of         func(Latency) human.Seconds
	minSamples int
}{
	{"p50", func(l Latency) human.Seconds { return l.P50 }, 10},
	{"p95", func(l Latency) human.Seconds { return l.P95 }, 100},
	{"p99", func(l Latency) human.Seconds { return l.P99 }, 500},
}

// MinSamplesText says how many requests an endpoint needs for each
// percentile to be compared: "p50: 10, p95: 100, p99: 500".
func MinSamplesText() string {
	var parts []string
	for _, pc := range comparedPercentiles {
		parts = append(parts, fmt.Sprintf("%s: %d", pc.name, pc.minSamples))
	}
	return strings.Join(parts, ", ")
}

// PercentileChange is one percentile of one endpoint, before and after.
type PercentileChange struct {
	Name          string        `json:"name"`
	Before, After human.Seconds `json:"-"`
	// Percent is the change of After over Before (+ is slower).
	Percent float64 `json:"percent"`
	// Compared is false when either side had too few requests for this
	// percentile (or none); Regressed is then false too.
	Compared  bool `json:"compared"`
	Regressed bool `json:"regressed"`
}

// EndpointChange is one endpoint of the later benchmark against the same
// endpoint (by name) of the earlier one.
type EndpointChange struct {
	Name string
	// Before is nil when the earlier benchmark did not have the endpoint.
	Before, After *EndpointBench
	Percentiles   []PercentileChange
}

// Regressed lists the percentiles that got slower.
func (c EndpointChange) Regressed() []PercentileChange {
	var out []PercentileChange
	for _, p := range c.Percentiles {
		if p.Regressed {
			out = append(out, p)
		}
	}
	return out
}

// CompareBench compares p50, p95 and p99 of each endpoint of after with
// before. A percentile regressed when it is slower by more than
// thresholdPercent and by at least floor (a 1 ms jitter on a 1 ms
// endpoint is +100 % and means nothing), and only when both sides had
// enough requests for it. An endpoint whose requests all failed has no
// latency to compare.
func CompareBench(before, after *BenchResult, thresholdPercent float64, floor time.Duration) []EndpointChange {
	if after == nil {
		return nil
	}
	var out []EndpointChange
	for i := range after.Endpoints {
		a := &after.Endpoints[i]
		c := EndpointChange{Name: a.Name, After: a, Before: endpointNamed(before, a.Name)}
		for _, pc := range comparedPercentiles {
			ch := PercentileChange{Name: pc.name, After: pc.of(a.Latency)}
			if b := c.Before; b != nil {
				ch.Before = pc.of(b.Latency)
				ch.Compared = enough(a, pc.minSamples) && enough(b, pc.minSamples) && ch.Before > 0
			}
			if ch.Compared {
				delta := ch.After.D() - ch.Before.D()
				ch.Percent = float64(delta) / float64(ch.Before.D()) * 100
				ch.Regressed = ch.Percent > thresholdPercent && delta >= floor
			}
			c.Percentiles = append(c.Percentiles, ch)
		}
		out = append(out, c)
	}
	return out
}

// enough is true when e answered at least n requests successfully.
func enough(e *EndpointBench, n int) bool { return e.Requests-e.Errors >= n }

func endpointNamed(r *BenchResult, name string) *EndpointBench {
	if r == nil {
		return nil
	}
	for i := range r.Endpoints {
		if r.Endpoints[i].Name == name {
			return &r.Endpoints[i]
		}
	}
	return nil
}

// ErrorsText is "0", or the count of failed requests and its breakdown:
// "12 (503: 10, timeout: 2)".
func ErrorsText(n int, byStatus map[string]int) string {
	if n == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(byStatus)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, byStatus[k]))
	}
	return fmt.Sprintf("%d (%s)", n, strings.Join(parts, ", "))
}
