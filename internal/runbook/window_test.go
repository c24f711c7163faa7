package runbook

import (
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

func TestWindowCurrentAndNext(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	w := Window{Weekday: time.Saturday, Hour: 2, Minute: 0, Duration: 4 * time.Hour, Location: ny}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
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
