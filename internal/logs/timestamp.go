package logs

import (
	"math"
	"time"
)

// parseTimestamp reads a timestamp at the start of b and returns it with the
// number of bytes consumed. Accepted: `YYYY-MM-DD[T ]HH:MM:SS`, an optional
// fraction after '.' or ',' (Python's asctime uses a comma), and an optional
// zone `Z`, `±HH:MM`, `±HHMM` or `±HH`. Naive times are taken in loc.
// Hand-written because time.Parse needs one layout per variant and this runs
// for every text line.
//
// c, when not nil, remembers the last naive hour: building a time in a zone
// costs more than the rest of a typical line, and consecutive lines share
// their hour.
func parseTimestamp(b []byte, loc *time.Location, c *hourClock) (time.Time, int, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, 0, false
	}
	n := 19
	nsec, used := fraction(b[n:])
	n += used
	off, zoned, used := zone(b[n:])
	n += used
	if zoned {
		t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
		return t.Add(-time.Duration(off) * time.Second).In(loc), n, true
	}
	if c != nil {
		return c.at(year, month, day, hour, minute, sec, nsec, loc), n, true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), n, true
}

// hourClock caches the start of one wall-clock hour in one zone.
type hourClock struct {
	loc   *time.Location
	key   int // YYYYMMDDHH
	start time.Time
	// exact is set when the hour lies well inside one offset period (three
	// hours from either end: more than any zone shifts by), so no wall time
	// in it is skipped or repeated and a time in it is start plus its
	// minutes and seconds. Hours near a change go through time.Date.
	exact bool
}

func (c *hourClock) at(year, month, day, hour, minute, sec, nsec int, loc *time.Location) time.Time {
	if key := ((year*100+month)*100+day)*100 + hour; c.loc != loc || c.key != key {
		start := time.Date(year, time.Month(month), day, hour, 0, 0, 0, loc)
		zoneStart, zoneEnd := start.ZoneBounds()
		c.loc, c.key, c.start = loc, key, start
		const margin = 3 * time.Hour
		c.exact = (zoneStart.IsZero() || start.Sub(zoneStart) >= margin) &&
			(zoneEnd.IsZero() || zoneEnd.Sub(start) >= margin+time.Hour)
	}
	if !c.exact {
		return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	}
	return c.start.Add(time.Duration(minute*60+sec)*time.Second + time.Duration(nsec))
}

// fraction reads `.ddd` or `,ddd`; digits past nanoseconds are consumed and dropped.
func fraction(b []byte) (nsec, used int) {
	if len(b) < 2 || (b[0] != '.' && b[0] != ',') || !isDigit(b[1]) {
		return 0, 0
	}
	scale := int(1e8)
	i := 1
	for ; i < len(b) && isDigit(b[i]); i++ {
		nsec += int(b[i]-'0') * scale
		scale /= 10
	}
	return nsec, i
}

// zone reads a trailing zone designator and returns its offset east of UTC in seconds.
func zone(b []byte) (off int, zoned bool, used int) {
	if len(b) == 0 {
		return 0, false, 0
	}
	if b[0] == 'Z' || b[0] == 'z' {
		return 0, true, 1
	}
	if (b[0] != '+' && b[0] != '-') || len(b) < 3 {
		return 0, false, 0
	}
	h, ok := digits(b[1:3])
	if !ok || h > 14 {
		return 0, false, 0
	}
	m, used := 0, 3
	switch {
	case len(b) >= 6 && b[3] == ':':
		m, ok = digits(b[4:6])
		used = 6
	case len(b) >= 5 && isDigit(b[3]):
		m, ok = digits(b[3:5])
		used = 5
	}
	if !ok || m > 59 {
		return 0, false, 0
	}
	off = h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true, used
}

// timeFromEpoch reads a numeric timestamp: seconds, or milliseconds when the
// number is too large to be seconds (some JS producers write Date.now()).
func timeFromEpoch(f float64, loc *time.Location) (time.Time, bool) {
	if math.IsNaN(f) || f <= 0 || f > 1e14 {
		return time.Time{}, false
	}
	if f > 1e11 {
		f /= 1000
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).In(loc), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysIn(m time.Month, year int) int {
	if m == time.February && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return monthDays[m]
}
