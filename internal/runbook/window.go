package runbook

import (
	"fmt"
	"time"
)

// Window is a weekly maintenance window: a weekday, a start time of day and
// a duration, in a time zone.
type Window struct {
	Weekday  time.Weekday
	Hour     int
	Minute   int
	Duration time.Duration
	Location *time.Location
}

// startOn returns the window start on the calendar day of t (in the
// window's zone), whatever weekday that is. time.Date normalises times that
// fall into a DST gap, so the start always exists.
func (w Window) startOn(t time.Time) time.Time {
	t = t.In(w.Location)
	return time.Date(t.Year(), t.Month(), t.Day(), w.Hour, w.Minute, 0, 0, w.Location)
}

// Current returns the most recent window that started at or before t, and
// whether t falls inside it.
func (w Window) Current(t time.Time) (Span, bool) {
	local := t.In(w.Location)
	back := (int(local.Weekday()) - int(w.Weekday) + 7) % 7
	start := w.startOn(local.AddDate(0, 0, -back))
	if start.After(t) {
		start = w.startOn(local.AddDate(0, 0, -back-7))
	}
	span := Span{Start: start, End: start.Add(w.Duration)}
	return span, !t.Before(span.Start) && t.Before(span.End)
}

// Next returns the first window that starts after t.
func (w Window) Next(t time.Time) Span {
	cur, _ := w.Current(t)
	start := w.startOn(cur.Start.In(w.Location).AddDate(0, 0, 7))
	return Span{Start: start, End: start.Add(w.Duration)}
}

// String describes the window, e.g. "Saturday 02:00 for 4h0m0s (Europe/Berlin)".
func (w Window) String() string {
	return fmt.Sprintf("%s %02d:%02d for %s (%s)", w.Weekday, w.Hour, w.Minute, w.Duration, w.Location)
}

// ErrOutsideWindow is returned when a run starts outside the window.
type ErrOutsideWindow struct {
	Now  time.Time
	Next Span
}

func (e *ErrOutsideWindow) Error() string {
	return fmt.Sprintf("outside the maintenance window: now %s, next window opens %s (use --force-window to run anyway)",
		e.Now.Format("Mon 2006-01-02 15:04 MST"), e.Next.Start.Format("Mon 2006-01-02 15:04 MST"))
}
