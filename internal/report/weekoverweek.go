package report

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// weekView is the week-over-week table of the Performance Metrics section
// (Run.WeekOverWeek): each headline measure this run, last week and the
// change.
type weekView struct {
	// Against names the run compared with and how long before.
	Against string
	Rows    []weekRow
}

type weekRow struct {
	Label, Current, Previous, Change string
}

// measureLabels are the report's names of the measures history.Compare
// lists (a p95 latency is labelled by its endpoint).
var measureLabels = map[string]string{
	"database_size_bytes":     "Database Size",
	"work_orders":             "Work Orders",
	"dispensers":              "Dispensers",
	"freelist_percent":        "Free Pages (before optimize)",
	"errors_last_week":        "Errors (7 days)",
	"failed_logins_last_week": "Failed Logins (7 days)",
	"downtime_seconds":        "Downtime",
}

const latencyP95 = "latency_p95_seconds:"

func weekOverWeek(run *runbook.Run) *weekView {
	w := run.WeekOverWeek
	if w == nil {
		return nil
	}
	v := &weekView{Against: fmt.Sprintf("the run of %s (%s)", formatTime(w.PreviousStartedAt.In(run.StartedAt.Location())), w.PreviousRunID)}
	if !run.StartedAt.IsZero() && !w.PreviousStartedAt.IsZero() {
		// Rounded to the hour: runs started a few ms off the hour are a
		// whole number of hours apart for the reader.
		v.Against += ", " + human.Age(run.StartedAt.Sub(w.PreviousStartedAt).Round(time.Hour)) + " earlier"
	}
	for _, m := range w.Measures {
		label, ok := measureLabels[m.Name]
		if endpoint, lat := strings.CutPrefix(m.Name, latencyP95); lat {
			label, ok = "p95 Latency "+endpoint, true
		}
		if !ok {
			label = strings.ReplaceAll(m.Name, "_", " ")
		}
		v.Rows = append(v.Rows, weekRow{Label: label, Current: measureValue(m.Current, m.Unit),
			Previous: measureValue(m.Previous, m.Unit), Change: change(m)})
	}
	return v
}

func measureValue(x *float64, unit string) string {
	if x == nil {
		return "n/a"
	}
	switch unit {
	case "bytes":
		return formatBytes(*x)
	case "%":
		return formatPercent(*x)
	case "s":
		return formatSeconds(*x)
	}
	return formatNumber(*x)
}

// change is this week's value less last week's, in the measure's unit,
// with the relative change; a percentage changes by points.
func change(m runbook.Compared) string {
	if m.Current == nil || m.Previous == nil {
		return "n/a"
	}
	cur, prev := *m.Current, *m.Previous
	d := cur - prev
	if d == 0 {
		return "no change"
	}
	sign := "+"
	if d < 0 {
		sign = "-"
	}
	abs := math.Abs(d)
	if m.Unit == "%" {
		return sign + strconv.FormatFloat(abs, 'f', 1, 64) + " points"
	}
	out := sign + measureValue(&abs, m.Unit)
	if prev != 0 {
		out += " (" + sign + formatPercent(math.Abs(d/prev*100)) + ")"
	}
	return out
}

func writeMarkdownWeekOverWeek(b *bytes.Buffer, w *weekView) {
	if w == nil {
		return
	}
	b.WriteString("\n### Week over week\n")
	fmt.Fprintf(b, "Compared with %s.\n\n", mdText(w.Against))
	b.WriteString("| Measure | This week | Last week | Change |\n|---|---|---|---|\n")
	for _, r := range w.Rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdText(r.Label), mdText(r.Current), mdText(r.Previous), mdText(r.Change))
	}
}

// weekOverWeek redacts the comparison: an endpoint's name is in its
// measures' names; a value that is not finite (JSON cannot hold it) is
// not shown.
func (r *redactor) weekOverWeek(in *runbook.WeekOverWeek) *runbook.WeekOverWeek {
	if in == nil {
		return nil
	}
	out := *in
	out.PreviousRunID = r.str(in.PreviousRunID)
	out.Measures = make([]runbook.Compared, len(in.Measures))
	for i, m := range in.Measures {
		out.Measures[i] = runbook.Compared{Name: r.str(m.Name), Unit: r.str(m.Unit), Current: finiteOrNil(m.Current), Previous: finiteOrNil(m.Previous)}
	}
	return &out
}

func finiteOrNil(x *float64) *float64 {
	if x == nil || !finite(*x) {
		return nil
	}
	v := *x
	return &v
}
