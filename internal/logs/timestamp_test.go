package logs

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has installed
)

// TestHourClockMatchesTimeDate walks wall-clock times through a year in
// zones with DST changes at whole hours, at half hours and by half an hour,
// and checks the cached hour gives what time.Date gives.
func TestHourClockMatchesTimeDate(t *testing.T) {
	for _, name := range []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		var c hourClock
		// Every 7 min 13 s through 2025: each hour is hit several times,
		// in order, as a log file would.
		for u := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); u.Year() == 2025; u = u.Add(7*time.Minute + 13*time.Second) {
			w := u.In(time.UTC) // wall-clock fields to read in loc
			y, mo, d := w.Date()
			h, mi, s := w.Clock()
			want := time.Date(y, mo, d, h, mi, s, 123, loc)
			if got := c.at(y, int(mo), d, h, mi, s, 123, loc); !got.Equal(want) {
				t.Fatalf("%s %v: got %v, want %v", name, w, got, want)
			}
		}
	}
}
