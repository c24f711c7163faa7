package authlog

import "time"

// syslogStamp reads "Mon DD HH:MM:SS[.frac]" (day space- or zero-padded,
// or unpadded as some daemons write it) and places it in a year: the
// reference time's, or the one before when the month is after the
// reference month (a log read in January holding December's lines).
func (p *parser) syslogStamp(s string) (time.Time, int, bool) {
	if len(s) < 14 {
		return time.Time{}, 0, false
	}
	mon, ok := monthOf(s[:3])
	if !ok || s[3] != ' ' {
		return time.Time{}, 0, false
	}
	i := 4
	if s[i] == ' ' {
		i++
	}
	day, n := leadingInt(s[i:], 2)
	if n == 0 || i+n >= len(s) || s[i+n] != ' ' || day < 1 || day > 31 {
		return time.Time{}, 0, false
	}
	i += n + 1
	hh, mm, ss, ns, n, ok := clock(s[i:])
	if !ok {
		return time.Time{}, 0, false
	}
	i += n
	// Without a reference year the line still has a header, but no time.
	t, _ := p.yearless(mon, day, hh, mm, ss, ns)
	return t, i, true
}

func (p *parser) yearless(mon time.Month, day, hh, mm, ss, ns int) (time.Time, bool) {
	if p.ref.IsZero() {
		return time.Time{}, false
	}
	y := p.refYear
	if mon > p.refMonth {
		y--
	}
	// 29 February only exists in leap years: go back to the last one.
	for range 8 {
		t := time.Date(y, mon, day, hh, mm, ss, ns, p.loc)
		if t.Month() == mon && t.Day() == day {
			return t, true
		}
		y--
	}
	return time.Time{}, false
}

// isoStamp reads "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM|±HH]";
// without a zone the time is in loc.
func isoStamp(s string, loc *time.Location) (time.Time, int, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') {
		return time.Time{}, 0, false
	}
	y, n1 := leadingInt(s[0:4], 4)
	mo, n2 := leadingInt(s[5:7], 2)
	d, n3 := leadingInt(s[8:10], 2)
	if n1 != 4 || n2 != 2 || n3 != 2 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, 0, false
	}
	hh, mm, ss, ns, n, ok := clock(s[11:])
	if !ok {
		return time.Time{}, 0, false
	}
	i := 11 + n
	zone, zn, ok := zoneAt(s[i:], loc)
	if !ok {
		return time.Time{}, 0, false
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, ns, zone)
	if t.Day() != d {
		return time.Time{}, 0, false
	}
	return t, i + zn, true
}

// zoneAt reads an optional zone designator.
func zoneAt(s string, loc *time.Location) (*time.Location, int, bool) {
	if s == "" || (s[0] != 'Z' && s[0] != '+' && s[0] != '-') {
		return loc, 0, true
	}
	if s[0] == 'Z' {
		return time.UTC, 1, true
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, n := leadingInt(s[1:], 2)
	if n != 2 || h > 23 {
		return nil, 0, false
	}
	i := 3
	m := 0
	if i < len(s) && s[i] == ':' {
		i++
	}
	if mv, n := leadingInt(s[i:], 2); n == 2 && mv < 60 {
		m, i = mv, i+2
	} else if s[i-1] == ':' {
		return nil, 0, false
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, i, true
	}
	return time.FixedZone("", off), i, true
}

// clock reads "HH:MM:SS[.frac]".
func clock(s string) (hh, mm, ss, ns, n int, ok bool) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return 0, 0, 0, 0, 0, false
	}
	hh, a := leadingInt(s[0:2], 2)
	mm, b := leadingInt(s[3:5], 2)
	ss, c := leadingInt(s[6:8], 2)
	if a != 2 || b != 2 || c != 2 || hh > 23 || mm > 59 || ss > 60 {
		return 0, 0, 0, 0, 0, false
	}
	n = 8
	if n < len(s) && (s[n] == '.' || s[n] == ',') {
		j := n + 1
		scale := 100000000
		for j < len(s) && isDigit(s[j]) {
			ns += int(s[j]-'0') * scale
			scale /= 10
			j++
		}
		if j == n+1 {
			return 0, 0, 0, 0, 0, false
		}
		n = j
	}
	if ss == 60 {
		ss = 59
	}
	return hh, mm, ss, ns, n, true
}

// leadingInt reads up to max leading decimal digits.
func leadingInt(s string, max int) (v, n int) {
	for n < len(s) && n < max && isDigit(s[n]) {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}

func monthOf(s string) (time.Month, bool) {
	switch s {
	case "Jan":
		return time.January, true
	case "Feb":
		return time.February, true
	case "Mar":
		return time.March, true
	case "Apr":
		return time.April, true
	case "May":
		return time.May, true
	case "Jun":
		return time.June, true
	case "Jul":
		return time.July, true
	case "Aug":
		return time.August, true
	case "Sep":
		return time.September, true
	case "Oct":
		return time.October, true
	case "Nov":
		return time.November, true
	case "Dec":
		return time.December, true
	}
	return 0, false
}
