package runbook

import (
	"fmt"
	"time"
)

// Window is a weekly maintenance window: a weekday, a start time of day and
// a duration, in a time zone, with the calendar days on which it does not
// open (Blackout).
type Window struct {
	Weekday  time.Weekday
	Hour     int
	Minute   int
	Duration time.Duration
	Location *time.Location
	// Blackout are the days (holidays, quarter close) whose window does
	// not open: a window is blacked out when the calendar day of its
	// start, in Location, is in one of them.
	Blackout []Blackout
}

// Blackout is an inclusive run of calendar days, First to Last, as the
// config entry Entry wrote it ("2026-12-24" or "2026-12-24..2027-01-02").
// First and Last are midnight UTC of their day: only the date counts, and
// it is read in the window's zone.
type Blackout struct {
	First, Last time.Time
	Entry       string
}

// Covers tells whether the calendar day of t, in loc, is in b.
func (b Blackout) Covers(t time.Time, loc *time.Location) bool {
	d := dayOf(t, loc)
	return !d.Before(b.First) && !d.After(b.Last)
}

// dayOf is the calendar day of t in loc, as midnight UTC.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// startOn returns the window start on the calendar day of t (in the
// window's zone), whatever weekday that is (see WallTime: a start in a DST
// gap is moved forward, startExists tells; a repeated time is its first).
func (w Window) startOn(t time.Time) time.Time {
	t = t.In(w.Location)
	start, _ := WallTime(t.Year(), t.Month(), t.Day(), w.Hour, w.Minute, w.Location)
	return start
}

// WallTime is hh:mm on a calendar day in loc as systemd's timers read it:
// when the clocks go back and the time happens twice, its first
// occurrence (time.Date may pick either); when it does not exist that day
// (a DST gap), time.Date's time moved forward past the gap and false.
func WallTime(y int, m time.Month, d, hour, minute int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, m, d, hour, minute, 0, 0, loc)
	if t.Hour() != hour || t.Minute() != minute {
		return t, false
	}
	// An hour (or 30 minutes, Lord Howe) earlier reads the same: the
	// first of two.
	for _, back := range []time.Duration{time.Hour, 30 * time.Minute} {
		if e := t.Add(-back); e.Hour() == hour && e.Minute() == minute && e.Day() == d {
			return e, true
		}
	}
	return t, true
}

// NextOnCalendar is the first window of the weekly calendar that starts
// after t, blacked out or not, its start existing that day or not (see
// Next): what `schedule show` lists, skipped ones included.
func (w Window) NextOnCalendar(t time.Time) Span { return w.calendarNext(t) }

// calendarCurrent is the most recent window by the weekly calendar alone
// that started at or before t.
func (w Window) calendarCurrent(t time.Time) Span {
	local := t.In(w.Location)
	back := (int(local.Weekday()) - int(w.Weekday) + 7) % 7
	start := w.startOn(local.AddDate(0, 0, -back))
	if start.After(t) {
		start = w.startOn(local.AddDate(0, 0, -back-7))
	}
	return Span{Start: start, End: start.Add(w.Duration)}
}

// calendarNext is the first window by the weekly calendar alone that
// starts after t.
func (w Window) calendarNext(t time.Time) Span {
	cur := w.calendarCurrent(t)
	start := w.startOn(cur.Start.In(w.Location).AddDate(0, 0, 7))
	return Span{Start: start, End: start.Add(w.Duration)}
}

// Current returns the most recent window that started at or before t, and
// whether t falls inside it. A blacked-out window is never inside: a run
// then is refused as outside the window (see BlackedOut for why).
func (w Window) Current(t time.Time) (Span, bool) {
	span := w.calendarCurrent(t)
	inside := !t.Before(span.Start) && t.Before(span.End)
	if _, out := w.BlackedOut(span); out {
		inside = false
	}
	return span, inside
}

// BlackedOut returns the blackout entry that keeps the window s from
// opening, if any: the first one covering the day s starts on.
func (w Window) BlackedOut(s Span) (Blackout, bool) {
	for _, b := range w.Blackout {
		if b.Covers(s.Start, w.Location) {
			return b, true
		}
	}
	return Blackout{}, false
}

// Next returns the first window that starts after t, is not blacked out
// and whose start exists: a start time that falls into a DST gap that day
// (02:30 on the night clocks spring from 02:00 to 03:00) never comes, and
// systemd's timer, which starts the run, does not fire then either, so
// that week has no window. A blackout range is stepped over as a whole,
// so a long one costs no more than a short one.
func (w Window) Next(t time.Time) Span {
	span := w.calendarNext(t)
	// Each pass leaves one blackout range or one DST gap behind for good
	// (gaps are months apart), so the loop ends; the bound is a guard.
	for range 2*len(w.Blackout) + 3 {
		if !w.startExists(span) {
			span = w.calendarNext(span.Start)
			continue
		}
		b, out := w.BlackedOut(span)
		if !out {
			return span
		}
		lastDay := time.Date(b.Last.Year(), b.Last.Month(), b.Last.Day(), 23, 59, 59, 0, w.Location)
		span = w.calendarNext(lastDay)
	}
	return span
}

// startExists is false when the window's start time did not exist on its
// day (time.Date moved it out of a DST gap).
func (w Window) startExists(s Span) bool {
	local := s.Start.In(w.Location)
	return local.Hour() == w.Hour && local.Minute() == w.Minute
}

func (w Window) String() string {
	return fmt.Sprintf("%s %02d:%02d for %s (%s)", w.Weekday, w.Hour, w.Minute, w.Duration, w.Location)
}

// Refusal is the error of a run refused at now: outside the window, or
// in a blacked-out one or on a blackout day (the error then names the
// blackout entry).
func (w Window) Refusal(now time.Time) *ErrOutsideWindow {
	e := &ErrOutsideWindow{Now: now.In(w.Location), Next: w.Next(now)}
	if span := w.calendarCurrent(now); now.Before(span.End) {
		if b, out := w.BlackedOut(span); out {
			e.Blackout = b.Entry
			return e
		}
	}
	for _, b := range w.Blackout {
		if b.Covers(now, w.Location) {
			e.Blackout = b.Entry
			break
		}
	}
	return e
}

// ErrOutsideWindow is returned when a run starts outside the window, or
// in a window that a blackout entry keeps closed.
type ErrOutsideWindow struct {
	Now  time.Time
	Next Span
	// Blackout is the window.blackout entry that closed the current
	// window, "" when the run is simply outside the window.
	Blackout string
}

func (e *ErrOutsideWindow) Error() string {
	const layout = "Mon 2006-01-02 15:04 MST"
	if e.Blackout != "" {
		return fmt.Sprintf("blackout date: window.blackout %q keeps the maintenance window closed: now %s, next window opens %s (use --force-window to run anyway)",
			e.Blackout, e.Now.Format(layout), e.Next.Start.Format(layout))
	}
	return fmt.Sprintf("outside the maintenance window: now %s, next window opens %s (use --force-window to run anyway)",
		e.Now.Format(layout), e.Next.Start.Format(layout))
}
