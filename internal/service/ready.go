package service

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const (
	// For its first second a start is probed every 50 ms: that is when a
	// healthy service comes up, and every probe missed there is downtime
	// the report counts (doubling from 100 ms could overshoot a 350 ms
	// start by 350 ms). A slow start is then probed ever less often.
	eagerProbe   = 50 * time.Millisecond
	eagerFor     = time.Second
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// StartAndWait starts name and polls probe until it returns nil: every
// 50 ms for the first second, then waiting 100 ms, 200 ms, ... up to 2 s
// between attempts. A started unit is not a ready service, so readiness is
// what is measured: the returned duration runs from the start command to
// the first successful probe. timeout <= 0 waits as long as ctx allows. On
// timeout the error wraps both the deadline and the last probe error.
func StartAndWait(ctx context.Context, m Manager, name string, probe func(context.Context) error, timeout time.Duration) (time.Duration, error) {
	if probe == nil {
		return 0, fmt.Errorf("waiting for %s: no readiness probe", name)
	}
	begin := time.Now()
	if err := m.Start(ctx, name); err != nil {
		return time.Since(begin), err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	delay := firstBackoff
	for attempt := 1; ; attempt++ {
		err := probe(ctx)
		if err == nil {
			return time.Since(begin), nil
		}
		wait := eagerProbe
		if time.Since(begin) >= eagerFor {
			wait = delay
			delay = min(delay*2, maxBackoff)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return time.Since(begin), notReady(name, timeout, attempt, ctx.Err(), err)
		case <-timer.C:
		}
	}
}

func notReady(name string, timeout time.Duration, attempts int, ctxErr, last error) error {
	within := ""
	if timeout > 0 && errors.Is(ctxErr, context.DeadlineExceeded) {
		within = " within " + timeout.String()
	}
	return fmt.Errorf("service %s not ready%s after %d probes: %w (last probe: %w)",
		name, within, attempts, ctxErr, last)
}
