package schedule

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDaemonScenario runs two simulated weeks around a blackout in
// milliseconds: every job at its time in the window's zone, the
// blacked-out window and its notice skipped (said once), and a long
// weekly run that passes a daily backup's time makes it run late, not
// skip its day (preflight looks for today's daily backup).
func TestDaemonScenario(t *testing.T) {
	in := installation(t, "  timezone: Europe/Berlin\n  blackout: [\"2026-12-12\"]\n")
	berlin := mustLoc(t, "Europe/Berlin")
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, berlin)
	clock := &SimClock{T: start}
	var ran []string
	run := func(_ context.Context, name string, at time.Time) (string, error) {
		ran = append(ran, name+" "+at.In(berlin).Format("Mon 01-02 15:04"))
		if name == "weekly" {
			clock.T = at.Add(24 * time.Hour) // past the next daily backup
			return "exit 1", nil
		}
		return "exit 0", nil
	}
	var log strings.Builder
	d := &Daemon{Jobs: Jobs(in.Window, in.Config.Window.Notice.D(), run), Clock: clock, Location: berlin, Log: &log, MaxEvents: 10}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"daily-backup Fri 12-04 01:00", "notice Fri 12-04 02:00", "daily-backup Sat 12-05 01:00", "weekly Sat 12-05 02:00",
		// Sunday 01:00's backup fell inside the weekly run: it runs
		// when the weekly run is done.
		"daily-backup Sun 12-06 01:00",
		"daily-backup Mon 12-07 01:00", "daily-backup Tue 12-08 01:00", "daily-backup Wed 12-09 01:00",
		"daily-backup Thu 12-10 01:00",
		// No notice on Friday 02:00: Saturday's window is blacked out.
		"daily-backup Fri 12-11 01:00",
	}
	if strings.Join(ran, "\n") != strings.Join(want, "\n") {
		t.Errorf("ran\n  %s\nwant\n  %s\nlog:\n%s", strings.Join(ran, "\n  "), strings.Join(want, "\n  "), log.String())
	}
	if n := strings.Count(log.String(), `skipped: blackout "2026-12-12"`); n != 1 {
		t.Errorf("the blackout is noted %d times, want once:\n%s", n, log.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if _, err := time.Parse(time.RFC3339, strings.Fields(line)[0]); err != nil {
			t.Errorf("log line %q does not start with its time: %v", line, err)
		}
	}
	if !strings.Contains(log.String(), "2026-12-06T02:00:00+01:00 daily-backup: due at Sun 2026-12-06 01:00 CET, late behind the job before it: starting now") {
		t.Errorf("the late backup is not said:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "2026-12-05T02:00:00+01:00 weekly: start") {
		t.Errorf("no weekly start at the window's start:\n%s", log.String())
	}
}

// TestDaemonStops: cancelled while it waits, the daemon returns nil at
// once; cancelled during a job (SIGTERM: the weekly run stops between
// steps), it returns after the job with the context's error.
func TestDaemonStops(t *testing.T) {
	in := installation(t, "  timezone: UTC\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var log strings.Builder
	clock := WallClock{NowFunc: time.Now}
	d := &Daemon{Jobs: Jobs(in.Window, 0, nil), Clock: clock, Location: time.UTC, Log: &log}
	began := time.Now()
	if err := d.Run(ctx); err != nil || time.Since(began) > 5*time.Second {
		t.Fatalf("Run = %v after %s, want nil at once", err, time.Since(began))
	}
	if !strings.Contains(log.String(), "stopped while waiting") {
		t.Errorf("log:\n%s", log.String())
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	log.Reset()
	finished := false
	run := func(ctx context.Context, name string, _ time.Time) (string, error) {
		cancel() // the signal arrives mid-run
		<-ctx.Done()
		finished = true
		return "exit 130", nil
	}
	d = &Daemon{Jobs: Jobs(in.Window, 0, run), Clock: &SimClock{T: time.Now()}, Location: time.UTC, Log: &log}
	if err := d.Run(ctx); !errors.Is(err, context.Canceled) || !finished {
		t.Fatalf("Run = %v (job finished: %v), want context.Canceled after the job", err, finished)
	}
	if !strings.Contains(log.String(), ": exit 130") || !strings.Contains(log.String(), "stopped during") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestWallClockSleepsUntil(t *testing.T) {
	c := WallClock{NowFunc: time.Now}
	target := time.Now().Add(30 * time.Millisecond)
	if err := c.SleepUntil(context.Background(), target); err != nil || time.Now().Before(target) {
		t.Fatalf("SleepUntil returned %v before %s", err, target)
	}
}
