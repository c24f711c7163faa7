package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// timeLayout keeps the zone abbreviation: reports are read by people in
// the installation's zone, and times are shown in the run's own location.
const timeLayout = "2006-01-02 15:04:05 MST"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "n/a"
	}
	return t.Format(timeLayout)
}

func formatWindow(w runbook.Span) string {
	if w.Start.IsZero() && w.End.IsZero() {
		return "n/a"
	}
	return formatTime(w.Start) + " – " + formatTime(w.End)
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return "n/a"
	}
	return t.Format(time.DateOnly)
}

func formatSpan(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "n/a"
	}
	return end.Sub(start).Round(time.Second).String()
}

func formatDowntime(seconds float64) string {
	if seconds <= 0 || math.IsNaN(seconds) {
		return "none (no service was stopped)"
	}
	return formatSeconds(seconds)
}

// formatSeconds keeps the precision that matters at each scale:
// milliseconds under a second, tenths under a minute, then whole seconds.
func formatSeconds(seconds float64) string {
	switch {
	case math.IsNaN(seconds) || math.IsInf(seconds, 0):
		return "n/a"
	case math.Abs(seconds) > math.MaxInt64/1e9:
		return formatNumber(seconds) + "s"
	}
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// formatNumber prints integers whole and other values with six
// significant digits, never in exponent notation.
func formatNumber(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatInt(int64(x), 10)
	}
	s := strconv.FormatFloat(x, 'g', 6, 64)
	if strings.ContainsAny(s, "eE") {
		s = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return s
}

func formatBytes(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x >= math.MaxUint64 {
		return formatNumber(x) + " bytes"
	}
	return humanize.IBytes(uint64(x)) + " (" + formatNumber(x) + " bytes)"
}

func formatPercent(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + " %"
}

func formatCount(suffix string) func(float64) string {
	return func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "n/a"
		}
		return formatNumber(x) + " " + suffix
	}
}
