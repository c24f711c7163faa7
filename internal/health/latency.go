package health

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// RegressionFloor is the smallest median slow-down that counts as a
// regression: on a 2 ms baseline a 3 ms jitter is +150 % and means nothing.
const RegressionFloor = 5 * time.Millisecond

// LatencyStats summarises the healthy responses of a Measure run.
type LatencyStats struct {
	// Samples counts healthy responses; Failures the others (errors and
	// unexpected statuses), which are left out of the figures because an
	// instant 500 would make a broken service look fast.
	Samples  int
	Failures int
	Min      time.Duration
	Median   time.Duration
	P95      time.Duration
	Max      time.Duration
}

// Measure sends n sequential requests and summarises their latency, so that
// preflight and postflight can be compared. It fails only when no request was
// healthy or ctx ends before the first sample.
func (c *Checker) Measure(ctx context.Context, chk Check, n int) (LatencyStats, error) {
	if n <= 0 {
		return LatencyStats{}, fmt.Errorf("measuring %s: sample count %d must be positive", chk.URL, n)
	}
	var samples []time.Duration
	var failures int
	var lastErr string
	for range n {
		if ctx.Err() != nil {
			break
		}
		r := c.Probe(ctx, chk)
		if !r.Healthy {
			failures++
			lastErr = r.Err
			continue
		}
		samples = append(samples, r.Latency)
	}
	st := summarise(samples)
	st.Failures = failures
	if len(samples) == 0 {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("measuring %s: %w", chk.URL, err)
		}
		return st, fmt.Errorf("measuring %s: no healthy response in %d requests: %w",
			chk.URL, n, errors.New(lastErr))
	}
	return st, nil
}

// summarise uses nearest-rank percentiles: with few samples an interpolated
// p95 would invent a latency nobody observed.
func summarise(samples []time.Duration) LatencyStats {
	if len(samples) == 0 {
		return LatencyStats{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return LatencyStats{
		Samples: n,
		Min:     s[0],
		Median:  median,
		P95:     s[rank(0.95, n)],
		Max:     s[n-1],
	}
}

func rank(p float64, n int) int {
	i := int(math.Ceil(p*float64(n))) - 1
	return max(0, min(i, n-1))
}

// Regression compares medians. pct is the change in percent (positive is
// slower). regressed needs both pct above thresholdPercent and an absolute
// slow-down of at least RegressionFloor. With no baseline there is nothing
// to compare: 0, false.
func Regression(before, after LatencyStats, thresholdPercent float64) (pct float64, regressed bool) {
	if before.Samples == 0 || after.Samples == 0 || before.Median <= 0 {
		return 0, false
	}
	delta := after.Median - before.Median
	pct = float64(delta) / float64(before.Median) * 100
	return pct, pct > thresholdPercent && delta >= RegressionFloor
}
