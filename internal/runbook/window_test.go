package runbook

import (
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s unavailable: %v", name, err)
	}
	return loc
}

// wallClock reads "2006-01-02 15:04" in loc.
func wallClock(t *testing.T, loc *time.Location) func(string) time.Time {
	return func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestWindowCurrentAndNext(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	w := Window{Weekday: time.Saturday, Hour: 2, Minute: 0, Duration: 4 * time.Hour, Location: ny}
	at := wallClock(t, ny)
	tests := []struct {
		name      string
		now       time.Time
		inside    bool
		start     time.Time
		nextStart time.Time
	}{
		{"inside", at("2026-11-28 03:30"), true, at("2026-11-28 02:00"), at("2026-12-05 02:00")},
		{"at start", at("2026-11-28 02:00"), true, at("2026-11-28 02:00"), at("2026-12-05 02:00")},
		{"at end is outside", at("2026-11-28 06:00"), false, at("2026-11-28 02:00"), at("2026-12-05 02:00")},
		{"before start same day", at("2026-11-28 01:59"), false, at("2026-11-21 02:00"), at("2026-11-28 02:00")},
		{"midweek", at("2026-12-02 12:00"), false, at("2026-11-28 02:00"), at("2026-12-05 02:00")},
		// 2026-03-08 is the DST change; the Saturday before is unaffected but
		// the next window is 167 hours later, not 168.
		{"across DST", at("2026-03-07 03:00"), true, at("2026-03-07 02:00"), at("2026-03-14 02:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span, inside := w.Current(tt.now)
			if inside != tt.inside || !span.Start.Equal(tt.start) {
				t.Errorf("Current(%s) = %s, %v; want %s, %v", tt.now, span.Start, inside, tt.start, tt.inside)
			}
			if !span.End.Equal(span.Start.Add(4 * time.Hour)) {
				t.Errorf("end %s not start+4h", span.End)
			}
			if next := w.Next(tt.now); !next.Start.Equal(tt.nextStart) {
				t.Errorf("Next(%s) = %s; want %s", tt.now, next.Start, tt.nextStart)
			}
		})
	}
}

func TestWindowLongerThanADayWrapsWeek(t *testing.T) {
	w := Window{Weekday: time.Saturday, Hour: 22, Duration: 30 * time.Hour, Location: time.UTC}
	sunday := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	span, inside := w.Current(sunday)
	if !inside || span.Start.Weekday() != time.Saturday {
		t.Fatalf("Sunday noon should be inside a 30h Saturday-22:00 window, got %v %s", inside, span.Start)
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestWindowBlackout: a window whose start day is in a blackout entry does
// not open (Current is never inside it), Next steps over whole ranges, and
// the refusal names the entry, on the window's day and on any blackout day.
func TestWindowBlackout(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	w := Window{Weekday: time.Saturday, Hour: 2, Duration: 4 * time.Hour, Location: berlin, Blackout: []Blackout{
		{First: day(2026, 12, 5), Last: day(2026, 12, 5), Entry: "2026-12-05"},
		{First: day(2026, 12, 24), Last: day(2027, 1, 2), Entry: "2026-12-24..2027-01-02"},
	}}
	at := wallClock(t, berlin)
	tests := []struct {
		name     string
		now      time.Time
		inside   bool
		next     time.Time
		blackout string // the refusal's entry
	}{
		{"an ordinary window", at("2026-11-28 03:00"), true, at("2026-12-12 02:00"), ""},
		{"a blacked-out single day", at("2026-12-05 03:00"), false, at("2026-12-12 02:00"), "2026-12-05"},
		{"a range's first window", at("2026-12-26 02:00"), false, at("2027-01-09 02:00"), "2026-12-24..2027-01-02"},
		{"the range's last day is blacked out", at("2027-01-02 05:59"), false, at("2027-01-09 02:00"), "2026-12-24..2027-01-02"},
		{"a blackout day outside the window hours", at("2026-12-24 12:00"), false, at("2027-01-09 02:00"), "2026-12-24..2027-01-02"},
		{"before a range, outside the window", at("2026-12-20 12:00"), false, at("2027-01-09 02:00"), ""},
		{"after the range", at("2027-01-09 02:30"), true, at("2027-01-16 02:00"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, inside := w.Current(tt.now); inside != tt.inside {
				t.Errorf("Current(%s) inside = %v, want %v", tt.now, inside, tt.inside)
			}
			if next := w.Next(tt.now); !next.Start.Equal(tt.next) {
				t.Errorf("Next(%s) = %s, want %s", tt.now, next.Start, tt.next)
			}
			e := w.Refusal(tt.now)
			if e.Blackout != tt.blackout || !e.Next.Start.Equal(tt.next) {
				t.Errorf("Refusal(%s) = %q next %s, want %q next %s", tt.now, e.Blackout, e.Next.Start, tt.blackout, tt.next)
			}
			if tt.blackout != "" && !strings.Contains(e.Error(), `window.blackout "`+tt.blackout+`"`) {
				t.Errorf("refusal %q does not name the entry", e.Error())
			}
		})
	}
}

// TestBlackoutDayIsTheZones: the day is read in the window's zone, not in
// UTC: 23:30 UTC on the 4th is already the 5th in Berlin.
func TestBlackoutDayIsTheZones(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	b := Blackout{First: day(2026, 12, 5), Last: day(2026, 12, 5)}
	if !b.Covers(time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC), berlin) {
		t.Error("23:30 UTC on the 4th is the 5th in Berlin")
	}
	if b.Covers(time.Date(2026, 12, 5, 23, 30, 0, 0, time.UTC), berlin) {
		t.Error("23:30 UTC on the 5th is the 6th in Berlin")
	}
}

// TestNextSkipsAStartInADSTGap: a Sunday 02:30 window in Berlin does not
// open on 2027-03-28 (clocks go from 02:00 to 03:00), as systemd's timer
// does not fire: the next window is the week after.
func TestNextSkipsAStartInADSTGap(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	w := Window{Weekday: time.Sunday, Hour: 2, Minute: 30, Duration: 4 * time.Hour, Location: berlin}
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2027, 3, 27, 12, 0, 0, 0, berlin), time.Date(2027, 4, 4, 2, 30, 0, 0, berlin)},
		{time.Date(2027, 3, 20, 12, 0, 0, 0, berlin), time.Date(2027, 3, 21, 2, 30, 0, 0, berlin)},
		// The autumn change repeats 02:30: the window opens at the first
		// (02:30 CEST, 00:30 UTC), when systemd's timer fires.
		{time.Date(2027, 10, 30, 12, 0, 0, 0, berlin), time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC)},
	} {
		if got := w.Next(tc.now).Start; !got.Equal(tc.want) {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
