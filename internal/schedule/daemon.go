package schedule

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// Clock is the daemon's time: the wall clock, or a simulated one in tests.
type Clock interface {
	Now() time.Time
	// SleepUntil returns when the clock reads t or later, or ctx's error
	// when ctx is done first.
	SleepUntil(ctx context.Context, t time.Time) error
}

// WallClock sleeps on now, in steps of at most a minute: a suspended host
// or a stepped clock (NTP) is noticed within a minute, where one long
// timer on the monotonic clock would fire late.
type WallClock struct{ NowFunc func() time.Time }

// Now reads the clock.
func (c WallClock) Now() time.Time { return c.NowFunc() }

// SleepUntil waits until t.
func (c WallClock) SleepUntil(ctx context.Context, t time.Time) error {
	for {
		d := t.Sub(c.NowFunc())
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(min(d, time.Minute))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// SimClock jumps to each time it is asked to sleep until: a daemon
// scenario of weeks runs in milliseconds.
type SimClock struct{ T time.Time }

// Now reads the simulated time.
func (c *SimClock) Now() time.Time { return c.T }

// SleepUntil moves the time to t at once.
func (c *SimClock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.After(c.T) {
		c.T = t
	}
	return nil
}

// Job is one scheduled command of the daemon.
type Job struct {
	Name string
	// Next is the job's first time after t, and notes on what it skipped
	// on the way (a blacked-out window).
	Next func(t time.Time) (time.Time, []string)
	// Run runs the job due at at; the string is the outcome's one line.
	Run func(ctx context.Context, at time.Time) (string, error)
}

// Jobs are the daemon's jobs for the window: what the systemd timers run
// (Units), at the same times, except that the notice of a blacked-out
// window is not sent (a timer cannot skip it; the daemon can).
func Jobs(w runbook.Window, notice time.Duration, run func(ctx context.Context, name string, at time.Time) (string, error)) []Job {
	runner := func(name string) func(context.Context, time.Time) (string, error) {
		return func(ctx context.Context, at time.Time) (string, error) { return run(ctx, name, at) }
	}
	jobs := []Job{{Name: "weekly", Next: func(t time.Time) (time.Time, []string) {
		var notes []string
		for _, o := range Upcoming(w, 0, t, 1) {
			if o.Skipped != "" {
				notes = append(notes, fmt.Sprintf("window of %s skipped: %s", o.Window.Start.Format(timeLayout), o.Skipped))
				continue
			}
			return o.Window.Start, notes
		}
		return time.Time{}, notes
	}, Run: runner("weekly")}}
	if notice > 0 {
		jobs = append(jobs, Job{Name: "notice", Next: func(t time.Time) (time.Time, []string) {
			return nextNotice(w, notice, t), nil
		}, Run: runner("notice")})
	}
	daily := DailyBackupEvent(w)
	jobs = append(jobs, Job{Name: "daily-backup", Next: func(t time.Time) (time.Time, []string) {
		return daily.Next(t), nil
	}, Run: runner("daily-backup")})
	return jobs
}

// nextNotice is the first notice time after t of a window that opens.
func nextNotice(w runbook.Window, notice time.Duration, t time.Time) time.Time {
	// The notice is less than a week before its window, so it is of one
	// of the next two windows that open.
	for _, o := range Upcoming(w, notice, t, 2) {
		if o.Skipped == "" && o.Notice.After(t) {
			return o.Notice
		}
	}
	return time.Time{}
}

// timeLayout is how the daemon and `schedule show` write times: in the
// window's zone, with its abbreviation.
const timeLayout = "Mon 2006-01-02 15:04 MST"

// Daemon runs Jobs at their times until ctx is done: one job at a time,
// each line of its log on Log. MaxEvents > 0 stops it after that many runs
// (simulations).
type Daemon struct {
	Jobs      []Job
	Clock     Clock
	Location  *time.Location
	Log       io.Writer
	MaxEvents int
	// noted are the skip notes already logged: each once.
	noted map[string]bool
}

// Run is the daemon's loop. It returns nil when ctx ends while it waits,
// ctx's error when ctx ended a job that was running.
//
// Each job keeps its own clock, as independent timers do: a job that ran
// past another's time (a long weekly run over the daily backup's hour, or
// two jobs at the same minute) does not make that one skip its turn: it
// runs as soon as the first is done, and the log says it is late.
func (d *Daemon) Run(ctx context.Context) error {
	start := d.Clock.Now()
	after := make([]time.Time, len(d.Jobs))
	for i := range after {
		after[i] = start
	}
	for events := 0; d.MaxEvents <= 0 || events < d.MaxEvents; events++ {
		i, at := d.next(after)
		if i < 0 {
			return fmt.Errorf("no job has a next time after %s: check the window in the config", start.Format(timeLayout))
		}
		job := &d.Jobs[i]
		now := d.Clock.Now()
		if at.Before(now) {
			d.logf(now, "%s: due at %s, late behind the job before it: starting now", job.Name, at.In(d.Location).Format(timeLayout))
		} else {
			d.logf(now, "next: %s at %s", job.Name, at.In(d.Location).Format(timeLayout))
			if err := d.Clock.SleepUntil(ctx, at); err != nil {
				d.logf(d.Clock.Now(), "stopped while waiting (%v)", context.Cause(ctx))
				return nil
			}
		}
		d.logf(d.Clock.Now(), "%s: start", job.Name)
		outcome, err := job.Run(ctx, at)
		if err != nil {
			outcome = "error: " + err.Error()
		}
		d.logf(d.Clock.Now(), "%s: %s", job.Name, outcome)
		if ctx.Err() != nil {
			d.logf(d.Clock.Now(), "stopped during %s (%v)", job.Name, context.Cause(ctx))
			return ctx.Err()
		}
		// This job's next turn is after this one ended; the others keep
		// theirs.
		after[i] = maxTime(at, d.Clock.Now())
	}
	return nil
}

// next is the index of the job due first, each after its own time in
// after (the first listed on a tie), and its time; -1 when none has one.
// It logs what the jobs skipped, each note once.
func (d *Daemon) next(after []time.Time) (int, time.Time) {
	best := -1
	var at time.Time
	for i := range d.Jobs {
		n, notes := d.Jobs[i].Next(after[i])
		for _, note := range notes {
			if line := d.Jobs[i].Name + ": " + note; !d.noted[line] {
				if d.noted == nil {
					d.noted = map[string]bool{}
				}
				d.noted[line] = true
				d.logf(d.Clock.Now(), "%s", line)
			}
		}
		if !n.IsZero() && (best < 0 || n.Before(at)) {
			best, at = i, n
		}
	}
	return best, at
}

func (d *Daemon) logf(now time.Time, format string, a ...any) {
	fmt.Fprintf(d.Log, "%s %s\n", now.In(d.Location).Format(time.RFC3339), fmt.Sprintf(format, a...))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
