package health

import (
	"context"
	"fmt"
	"time"
)

const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// WaitHealthy probes chk until it is healthy or timeout passes, waiting
// between attempts with exponential backoff that starts at interval (zero
// means 100 ms) and is capped at 2 s (or interval, if larger). It returns
// the last result the service gave (a probe cut short by the deadline is
// not one, unless it was the only probe); the error names the attempts and
// that result's failure.
func WaitHealthy(ctx context.Context, c *Checker, chk Check, timeout, interval time.Duration) (Result, error) {
	if c == nil {
		c = &Checker{}
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	delay := interval
	if delay <= 0 {
		delay = firstBackoff
	}
	ceiling := max(maxBackoff, delay)
	var last Result
	for attempt := 1; ; attempt++ {
		res := c.Probe(ctx, chk)
		if res.Healthy {
			return res, nil
		}
		// A probe that our own deadline cut short says nothing about the
		// service: its last answer is the better report.
		if attempt == 1 || ctx.Err() == nil {
			last = res
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return last, fmt.Errorf("%s not healthy after %d attempts (%v): last failure: %s",
				chk.URL, attempt, ctx.Err(), last.Err)
		case <-timer.C:
		}
		delay = min(delay*2, ceiling)
	}
}
