package report

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// timeLayout keeps the zone abbreviation: reports are read by people in
// the installation's zone, and times are shown in the run's own location.
const timeLayout = "2006-01-02 15:04 MST"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "n/a"
	}
	return t.Format(timeLayout)
}

// formatWindow is "2026-12-05 02:00–06:00 CST", or both times in full
// when the window spans two days.
func formatWindow(w runbook.Span) string {
	switch {
	case w.Start.IsZero() && w.End.IsZero():
		return "n/a"
	case w.Start.IsZero() || w.End.IsZero():
		return formatTime(w.Start) + " – " + formatTime(w.End)
	}
	end := w.End.In(w.Start.Location())
	if end.Format(time.DateOnly) == w.Start.Format(time.DateOnly) {
		return w.Start.Format("2006-01-02 15:04") + "–" + end.Format("15:04 MST")
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
	return human.Duration(end.Sub(start))
}

func formatDowntime(seconds float64) string {
	if seconds <= 0 || math.IsNaN(seconds) {
		return "none (no service was stopped)"
	}
	return formatSeconds(seconds)
}

func formatSeconds(seconds float64) string { return human.DurationSeconds(seconds) }

// formatNumber rounds to what a reader needs: whole numbers with
// thousands separators from 100, one decimal from 10, two below.
func formatNumber(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case math.Abs(x) >= 1e15:
		return strconv.FormatFloat(x, 'g', 3, 64)
	case x == math.Trunc(x) || math.Abs(x) >= 100:
		return humanize.Comma(int64(math.Round(x)))
	case math.Abs(x) >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(x, 'f', 2, 64), "0"), ".")
}

func formatInt(n int) string { return humanize.Comma(int64(n)) }

func formatBytes(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= math.MaxInt64 {
		return "n/a"
	}
	return human.Bytes(int64(x))
}

func formatPercent(x float64) string { return human.Percent(x) }

// formatMetric shows a step metric in human units; the JSON report keeps
// the raw value.
func formatMetric(m runbook.Metric) string {
	v := m.Value
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	switch m.Unit {
	case "bytes":
		return formatBytes(v)
	case "s":
		return formatSeconds(v)
	case "ms":
		return formatNumber(v) + " ms"
	case "%":
		return formatPercent(v)
	case "ratio":
		return formatPercent(v * 100)
	case "bool":
		if v != 0 {
			return "yes"
		}
		return "no"
	case "", "count":
		return formatNumber(v)
	case "load":
		// A load average: runnable processes, two decimals as uptime(1).
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return formatNumber(v) + " " + m.Unit
}

// headlines is the template's "Performance Metrics" list, then any other
// run-level metric so nothing measured is left out of the report. A
// headline is the value at the end of the run (Summarize keeps the last
// step's), shown as "before → after" when an earlier step of the run
// measured it otherwise (the database's size before and after a VACUUM).
func headlines(m map[string]float64, phases []runbook.PhaseResult) []labelled {
	value := func(name string, format func(float64) string) string {
		x, ok := m[name]
		if !ok {
			return "n/a"
		}
		if first, ok := firstHeadline(phases, name); ok && format(first) != format(x) {
			return format(first) + " → " + format(x)
		}
		return format(x)
	}
	out := []labelled{
		{"Database Size", value(runbook.HeadlineDatabaseSizeBytes, formatBytes)},
		{"Average CPU Usage", value(runbook.HeadlineCPUAvgPercent, formatPercent)},
		{"Average Memory Usage", value(runbook.HeadlineMemoryAvgPercent, formatPercent)},
		{"Error Count", value(runbook.HeadlineErrorsLastWeek, func(x float64) string { return formatNumber(x) + " in the last 7 days" })},
		{"Work Orders", value(runbook.HeadlineWorkOrders, formatNumber)},
		{"Dispensers", value(runbook.HeadlineDispensers, formatNumber)},
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(runbook.Headlines, name) {
			out = append(out, labelled{strings.ReplaceAll(name, "_", " "), formatNumber(m[name])})
		}
	}
	return out
}

// firstHeadline is the first value a step of the run recorded for a
// headline metric.
func firstHeadline(phases []runbook.PhaseResult, name string) (float64, bool) {
	for _, p := range phases {
		for _, s := range p.Steps {
			if h, ok := s.Metrics[name]; ok && h.Headline {
				return h.Value, true
			}
		}
	}
	return 0, false
}

// relTo returns a function that writes paths under root relative to it
// ("/srv/fossawork/backend/.env" becomes "backend/.env", root itself
// "."): reports are read next to the installation, and a temp dir's name
// says nothing. A path outside root, or one that only starts like it
// (/srv/fossawork-old), stays as it is.
func relTo(root string) rel {
	root = strings.TrimRight(root, "/")
	if !strings.HasPrefix(root, "/") {
		return func(s string) string { return s }
	}
	return func(s string) string {
		if !strings.Contains(s, root) {
			return s
		}
		var b strings.Builder
		for {
			i := strings.Index(s, root)
			if i < 0 {
				b.WriteString(s)
				return b.String()
			}
			end := i + len(root)
			switch {
			case i > 0 && pathByte(s[i-1]):
				b.WriteString(s[:end])
			case end < len(s) && s[end] == '/' && end+1 < len(s) && pathByte(s[end+1]):
				b.WriteString(s[:i])
				end++
			case end == len(s) || !pathByte(s[end]):
				b.WriteString(s[:i] + ".")
			default:
				b.WriteString(s[:end])
			}
			s = s[end:]
		}
	}
}

func pathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._-/~+@", c) >= 0
}
