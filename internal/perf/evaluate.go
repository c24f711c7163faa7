package perf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

// Finding is something the trend review noticed, with the numbers behind it.
type Finding struct {
	Severity finding.Severity `json:"severity"`
	Message  string           `json:"message"`
	Evidence string           `json:"evidence,omitempty"`
}

// DefaultMaxMissingRatio is the share of hourly slots that may lack a sample
// before Evaluate warns about gaps.
const DefaultMaxMissingRatio = 0.10

// Thresholds are the warn levels, in percent. A zero or negative threshold
// disables its check.
type Thresholds struct {
	CPUPercent    float64
	MemoryPercent float64
	DiskPercent   float64
	// MaxMissingRatio (0-1) of hourly slots without samples; zero means
	// DefaultMaxMissingRatio.
	MaxMissingRatio float64
}

const timeLayout = "2006-01-02 15:04"

// Evaluate turns a trend report into findings. It never acts on them: memory
// pressure in particular is reported, never "fixed" by dropping caches.
func Evaluate(t TrendReport, th Thresholds) []Finding {
	var out []Finding
	if t.Samples == 0 {
		out = append(out, Finding{
			Severity: finding.Warning,
			Message:  "no metrics in the last " + humanWindow(t.To.Sub(t.From)),
			Evidence: fmt.Sprintf("%s: no sample in [%s, %s); %d lines read, %d outside the window, %d malformed",
				t.Path, t.From.Format(timeLayout), t.To.Format(timeLayout), t.Lines, t.OutsideWindow, t.Malformed),
		})
	} else {
		out = appendUsage(out, "CPU", t.CPU, th.CPUPercent, t, "")
		out = appendUsage(out, "memory", t.Memory, th.MemoryPercent, t,
			"; reported only: page caches are never dropped")
		out = appendDisk(out, t, th.DiskPercent)
		out = appendGaps(out, t, th.MaxMissingRatio)
	}
	if t.Malformed > 0 {
		out = append(out, Finding{
			Severity: finding.Info,
			Message:  fmt.Sprintf("%d malformed metrics %s skipped", t.Malformed, plural(t.Malformed, "line", "lines")),
			Evidence: fmt.Sprintf("%s: %s %s", t.Path, plural(len(t.MalformedLines), "line", "lines"), joinInts(t.MalformedLines, t.Malformed)),
		})
	}
	return out
}

// appendUsage warns when the average or the p95 of a percentage is above
// its threshold, and says which: a high p95 with a normal average is
// bursts, a high average is sustained load.
func appendUsage(out []Finding, what string, s Stat, limit float64, t TrendReport, note string) []Finding {
	if limit <= 0 || s.N == 0 || (s.Avg <= limit && s.P95 <= limit) {
		return out
	}
	var msg string
	switch {
	case s.Avg > limit && s.P95 > limit:
		msg = fmt.Sprintf("average %s %s and p95 %s above the %s threshold", what, human.Percent(s.Avg), human.Percent(s.P95), num(limit)+"%")
	case s.Avg > limit:
		msg = fmt.Sprintf("average %s %s above the %s threshold", what, human.Percent(s.Avg), num(limit)+"%")
	default:
		msg = fmt.Sprintf("%s p95 %s above the %s threshold (average %s is below: bursts)", what, human.Percent(s.P95), num(limit)+"%", human.Percent(s.Avg))
	}
	ev := fmt.Sprintf("%d samples %s to %s; avg %s, p95 %s, max %s",
		s.N, t.First.Format(timeLayout), t.Last.Format(timeLayout), human.Percent(s.Avg), human.Percent(s.P95), human.Percent(s.Max))
	if what == "CPU" && t.MaxCPU != nil {
		ev += " at " + t.MaxCPU.Time.Format(timeLayout)
	}
	return append(out, Finding{Severity: finding.Warning, Message: msg, Evidence: ev + note})
}

func appendDisk(out []Finding, t TrendReport, limit float64) []Finding {
	d := t.Disk
	if limit <= 0 || d.N == 0 || d.Last <= limit {
		return out
	}
	ev := fmt.Sprintf("last sample %s: %s used", d.LastAt.Format(timeLayout), human.Percent(d.Last))
	if d.HasFreeGB {
		ev += fmt.Sprintf(", %.1f GB free", d.LastFreeGB)
	}
	ev += fmt.Sprintf("; window avg %s, max %s", human.Percent(d.Avg), human.Percent(d.Max))
	return append(out, Finding{
		Severity: finding.Warning,
		Message:  fmt.Sprintf("disk %s used, above the %s threshold", human.Percent(d.Last), num(limit)+"%"),
		Evidence: ev,
	})
}

func appendGaps(out []Finding, t TrendReport, maxRatio float64) []Finding {
	if maxRatio <= 0 {
		maxRatio = DefaultMaxMissingRatio
	}
	if t.MissingRatio() <= maxRatio {
		return out
	}
	parts := make([]string, 0, len(t.Gaps))
	for _, g := range t.Gaps {
		parts = append(parts, fmt.Sprintf("%s (%s)", g.Start.Format(timeLayout), human.Count(g.Hours, "hour", "hours")))
	}
	return append(out, Finding{
		Severity: finding.Warning,
		Message: fmt.Sprintf("%d of %d hourly metrics samples missing (%s)",
			t.MissingSamples, t.ExpectedSamples, human.Percent(100*t.MissingRatio())),
		Evidence: fmt.Sprintf("%s: %d samples; longest gaps from %s", t.Path, t.Samples, strings.Join(parts, ", ")),
	})
}

// humanWindow says "7 days" or "36 hours", as an operator would.
func humanWindow(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		return strconv.Itoa(n) + " " + plural(n, "day", "days")
	}
	if d >= time.Hour && d%time.Hour == 0 {
		n := int(d / time.Hour)
		return strconv.Itoa(n) + " " + plural(n, "hour", "hours")
	}
	return human.Duration(d)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinInts lists the kept line numbers and says when there were more.
func joinInts(xs []int, total int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	s := strings.Join(parts, ", ")
	if total > len(xs) {
		s += fmt.Sprintf(" (first %d of %d)", len(xs), total)
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
