package human

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Bytes formats n in binary units: "512 B", "1.5 KiB", "3.9 MiB", "1.2 GiB".
func Bytes(n int64) string {
	if n < 0 {
		return "-" + Bytes(-max(n, -math.MaxInt64))
	}
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := "KMGTPE"
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	// 1023.96 KiB rounds to "1024.0 KiB"; show it as the next unit.
	if v >= unit-0.05 && i < len(units)-1 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i:i+1] + "iB"
}

// Duration formats d with its two largest units: "0.4 s" under a minute
// (milliseconds under a second, with one decimal under 10 ms: "0.8 ms"),
// then "4m 05s", "1h 23m", "2d 3h".
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-max(d, -math.MaxInt64))
	}
	switch {
	case d == 0:
		return "0 ms"
	case d < 50*time.Microsecond:
		// A cached query: 0.0 ms would say "nothing".
		return strconv.FormatInt(max(int64(d/time.Microsecond), 1), 10) + " µs"
	case d.Round(100*time.Microsecond) < 10*time.Millisecond:
		// Latencies live here: 0.8 ms and 1.4 ms must not both read "1 ms".
		return strconv.FormatFloat(float64(d.Round(100*time.Microsecond))/float64(time.Millisecond), 'f', 1, 64) + " ms"
	case d < time.Second:
		return strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + " ms"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', 1, 64) + " s"
	case d < time.Minute:
		return strconv.FormatInt(int64(d.Round(time.Second).Seconds()), 10) + " s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm %02ds", int64(d/time.Minute), int64(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		d = d.Round(time.Minute)
		if d >= 24*time.Hour {
			return "1d 0h"
		}
		return fmt.Sprintf("%dh %02dm", int64(d/time.Hour), int64(d%time.Hour/time.Minute))
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd %dh", int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour))
}

// DurationSeconds is Duration for a float number of seconds; NaN and
// infinities are "n/a".
func DurationSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "n/a"
	}
	if math.Abs(s) >= math.MaxInt64/float64(time.Second) {
		return "n/a"
	}
	return Duration(time.Duration(s * float64(time.Second)))
}

// Age formats how old something is: hours under two days ("< 1 h", "5 h"),
// whole days from there ("2 days", "12 days").
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Hour:
		return "< 1 h"
	case d < 48*time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " h"
	}
	return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + " days"
}

// Percent formats a percentage (0–100) rounded to what a reader needs:
// whole numbers from 10, one decimal below.
func Percent(p float64) string {
	switch {
	case math.IsNaN(p) || math.IsInf(p, 0):
		return "n/a"
	case math.Abs(p) >= 10:
		return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Count formats n with the singular or plural noun: "1 file", "3 files".
func Count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.Itoa(n) + " " + plural
}

// Seconds is a duration that JSON carries as a float number of seconds
// (full precision), the one unit of every duration in fossamaint's JSON.
type Seconds time.Duration

// D returns the duration.
func (s Seconds) D() time.Duration { return time.Duration(s) }

// MarshalJSON writes the duration in seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON reads a number of seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("duration: want a number of seconds: %w", err)
	}
	if math.IsNaN(f) || math.Abs(f) >= math.MaxInt64/float64(time.Second) {
		return fmt.Errorf("duration: %v seconds is out of range", f)
	}
	*s = Seconds(time.Duration(math.Round(f * float64(time.Second))))
	return nil
}

// String formats the duration with Duration.
func (s Seconds) String() string { return Duration(time.Duration(s)) }
