package analysis

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has installed
)

// TestHourCachePlace checks the cached day and hour against time's own
// arithmetic through a year of zone changes, including half-hour shifts.
func TestHourCachePlace(t *testing.T) {
	for _, name := range []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		var c hourCache
		for u := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); u.Year() == 2025; u = u.Add(7*time.Minute + 13*time.Second) {
			l := u.In(loc)
			day, hour := c.place(u, loc)
			if want := l.Year()*1000 + l.YearDay(); day != want || hour != l.Hour() {
				t.Fatalf("%s %v: day %d hour %d, want %d %d", name, l, day, hour, want, l.Hour())
			}
		}
	}
}
