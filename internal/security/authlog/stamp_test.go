package authlog

import (
	"testing"
	"time"
)

func TestYearlessDates(t *testing.T) {
	ny := time.FixedZone("NY", -5*3600)
	tests := []struct {
		name string
		ref  time.Time
		loc  *time.Location
		line string
		want time.Time
	}{
		{"same month", time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), time.UTC,
			"Jan  2 23:00:00 h sshd[1]: x", time.Date(2025, 1, 2, 23, 0, 0, 0, time.UTC)},
		{"across new year", time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), time.UTC,
			"Dec 31 23:59:59 h sshd[1]: x", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"journal text without year across new year", time.Date(2025, 1, 1, 0, 30, 0, 0, time.UTC), time.UTC,
			"Dec 31 23:59:58.250000 h sshd[1]: x", time.Date(2024, 12, 31, 23, 59, 58, 250e6, time.UTC)},
		{"earlier month same year", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.UTC,
			"Feb  7 16:01:07 h sshd[1]: x", time.Date(2025, 2, 7, 16, 1, 7, 0, time.UTC)},
		{"unpadded day", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.UTC,
			"Feb 7 16:01:07 h sshd[1]: x", time.Date(2025, 2, 7, 16, 1, 7, 0, time.UTC)},
		{"leap day from a non-leap year", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.UTC,
			"Feb 29 10:00:00 h sshd[1]: x", time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC)},
		{"reference in another zone", time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC), ny,
			"Dec 31 20:00:00 h sshd[1]: x", time.Date(2024, 12, 31, 20, 0, 0, 0, ny)},
		{"iso with zone", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC,
			"2015-04-16T18:02:50.321974+02:00 h sshd[1]: x", time.Date(2015, 4, 16, 16, 2, 50, 321974000, time.UTC)},
		{"iso without zone", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ny,
			"2015-04-16 18:02:50 h sshd[1]: x", time.Date(2015, 4, 16, 18, 2, 50, 0, ny)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newParser(tc.ref, tc.loc, SourceAuto, 0)
			h := p.parseHeader(tc.line)
			if !h.ok || !h.hasTime || !h.time.Equal(tc.want) {
				t.Fatalf("got %v (ok %v, time %v), want %v", h.time, h.ok, h.hasTime, tc.want)
			}
			if h.daemon != "sshd" || h.msg != "x" {
				t.Errorf("tag %q msg %q", h.daemon, h.msg)
			}
		})
	}
}

func TestHeaderWithoutTime(t *testing.T) {
	p := newParser(time.Time{}, time.UTC, SourceAuto, 0)
	h := p.parseHeader("Dec 31 23:59:59 h sshd[1]: x")
	if !h.ok || h.hasTime || h.msg != "x" || h.hostname != "h" {
		t.Errorf("zero reference: %+v", h)
	}
	for _, bad := range []string{"Dec 32 10:00:00 h sshd[1]: x", "Foo  1 10:00:00 h sshd[1]: x", "2025-13-01T00:00:00Z h sshd[1]: x", "Dec 31 25:00:00 h sshd[1]: x", "2025-02-30 10:00:00 h sshd[1]: x"} {
		p := newParser(ref, time.UTC, SourceAuto, 0)
		if h := p.parseHeader(bad); h.hasTime {
			t.Errorf("%q: parsed a time %v", bad, h.time)
		}
	}
}
