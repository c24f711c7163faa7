package schedule

import (
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// Event is a weekly or daily wall-clock time in the window's zone: the
// weekly run, the notice, the daily backup.
type Event struct {
	// Daily events ignore Weekday.
	Daily        bool
	Weekday      time.Weekday
	Hour, Minute int
	Location     *time.Location
}

// dailyBackupLead is how long before the window's start time the daily
// backup runs, every day: on the window's day preflight then finds
// today's daily backup, one hour old.
const dailyBackupLead = time.Hour

// WeeklyEvent is the window's start.
func WeeklyEvent(w runbook.Window) Event {
	return Event{Weekday: w.Weekday, Hour: w.Hour, Minute: w.Minute, Location: w.Location}
}

// NoticeEvent is the window's start moved back by notice on the wall
// clock (whole minutes; config validation refuses seconds).
func NoticeEvent(w runbook.Window, notice time.Duration) Event {
	e := WeeklyEvent(w)
	return e.shift(-notice)
}

// DailyBackupEvent is every day, dailyBackupLead before the window's start
// time.
func DailyBackupEvent(w runbook.Window) Event {
	e := WeeklyEvent(w).shift(-dailyBackupLead)
	e.Daily = true
	return e
}

// shift moves e by d on the weekly wall clock.
func (e Event) shift(d time.Duration) Event {
	const week = 7 * 24 * 60
	m := int(e.Weekday)*24*60 + e.Hour*60 + e.Minute + int(d/time.Minute)
	m = ((m % week) + week) % week
	e.Weekday, e.Hour, e.Minute = time.Weekday(m/(24*60)), m/60%24, m%60
	return e
}

// OnCalendar is the event as systemd.time(7) writes it, e.g. "Sat *-*-*
// 02:00:00 Europe/Berlin". A window in the Local zone leaves the zone out:
// systemd then uses the host's, as Go's Local does.
func (e Event) OnCalendar() string {
	s := fmt.Sprintf("*-*-* %02d:%02d:00", e.Hour, e.Minute)
	if !e.Daily {
		s = e.Weekday.String()[:3] + " " + s
	}
	if z := zoneName(e.Location); z != "" {
		s += " " + z
	}
	return s
}

// zoneName is the IANA name systemd can read, "" for the host's zone.
func zoneName(loc *time.Location) string {
	if loc == nil || loc == time.Local || loc.String() == "Local" {
		return ""
	}
	return loc.String()
}

// Next is the first time after t the event elapses. It uses the engine's
// Window (with no blackout) for the days, and skips a day on which the
// wall-clock time does not exist (the hour a DST change leaves out), as
// systemd's calendar does: such a day has no elapse.
func (e Event) Next(t time.Time) time.Time {
	// Two DST gaps a year: eight tries always reach a day without one.
	for range 8 {
		n := e.next(t)
		if onTheHour(n, e.Hour, e.Minute) {
			return n
		}
		t = n
	}
	return time.Time{}
}

// onTheHour tells whether t reads h:m on the wall clock: false for a time
// time.Date moved out of a DST gap.
func onTheHour(t time.Time, h, m int) bool { return t.Hour() == h && t.Minute() == m }

func (e Event) next(t time.Time) time.Time {
	wd := e.Weekday
	if e.Daily {
		// Today's weekday, unless today's time has passed.
		loc := e.window(wd).Location
		local := t.In(loc)
		wd = local.Weekday()
		y, m, d := local.Date()
		if !time.Date(y, m, d, e.Hour, e.Minute, 0, 0, loc).After(t) {
			wd = (wd + 1) % 7
		}
	}
	return e.window(wd).Next(t).Start
}

func (e Event) window(wd time.Weekday) runbook.Window {
	loc := e.Location
	if loc == nil {
		loc = time.Local
	}
	return runbook.Window{Weekday: wd, Hour: e.Hour, Minute: e.Minute, Duration: time.Minute, Location: loc}
}

// Occurrence is one window start from Upcoming: the window and its
// notice time (zero without a notice, or when the notice's wall-clock time
// does not exist that day), or why it is skipped.
type Occurrence struct {
	Window runbook.Span
	Notice time.Time
	// Blackout is the window.blackout entry that keeps it closed.
	Blackout string
	// Skipped says why the window does not open: the blackout entry, or
	// the start time missing from that day's wall clock (a DST change),
	// when no timer elapses. "" for a window that opens.
	Skipped string
}

// Upcoming lists the next n windows that open after now with their
// notice times, and, in between, the windows blackout days skip (these do
// not count towards n).
func Upcoming(w runbook.Window, notice time.Duration, now time.Time, n int) []Occurrence {
	cal := w
	cal.Blackout = nil
	var out []Occurrence
	// A blackout range is at most 366 days: 53 skipped weeks per entry
	// bound the walk.
	limit := n + 53*(len(w.Blackout)+1)
	for t, opened := now, 0; opened < n && len(out) < limit; {
		span := cal.NextOnCalendar(t)
		t = span.Start
		o := Occurrence{Window: span}
		if b, out := w.BlackedOut(span); out {
			o.Blackout = b.Entry
			o.Skipped = fmt.Sprintf("blackout %q", b.Entry)
		} else if !onTheHour(span.Start.In(w.Location), w.Hour, w.Minute) {
			o.Skipped = fmt.Sprintf("%02d:%02d does not exist that day (DST change): no timer elapses", w.Hour, w.Minute)
		} else {
			opened++
			if notice > 0 {
				o.Notice = noticeFor(span.Start, notice)
			}
		}
		out = append(out, o)
	}
	return out
}

// noticeFor is the notice time of a window starting at start: the same
// wall-clock shift as NoticeEvent, on that window's days.
func noticeFor(start time.Time, notice time.Duration) time.Time {
	loc := start.Location()
	wall := time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), start.Minute(), 0, 0, time.UTC).Add(-notice)
	n, ok := runbook.WallTime(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), loc)
	if !ok {
		return time.Time{}
	}
	return n
}
