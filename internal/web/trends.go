package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
)

// The trends page: a chart per measure (or per group of measures that
// belong together) over the weeks of one finished weekly run each
// (history.Weeks), each with its numbers in a table beside it.

// weekRanges are the ranges offered (?weeks=); defaultWeeks is the one
// without the parameter.
var weekRanges = []int{8, 12, 26, 52}

const (
	defaultWeeks = 12
	// maxWeeks bounds ?weeks= (five years): a chart of more weeks has
	// more points than pixels, and its tables make a page of megabytes
	// (`fossamaint history --weeks N --json` has them all).
	maxWeeks = 260
)

// parseWeeks reads ?weeks=: empty is the default, else a whole number of
// weeks from 2 to maxWeeks.
func parseWeeks(s string) (int, error) {
	if s == "" {
		return defaultWeeks, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 2 || n > maxWeeks {
		return 0, fmt.Errorf("weeks=%.20q: give a whole number of weeks from 2 to %d (the page offers 8, 12, 26 and 52)", s, maxWeeks)
	}
	return n, nil
}

// chartGroup is a chart's measures: those read together share a chart
// (the p95 and p99 of an endpoint, the two backups' sizes).
type chartGroup struct {
	title    string
	measures []string
	labels   []string
}

// chartGroups are the charts in page order; a measure of none of them
// (one added to history later) gets a chart of its own after them.
var chartGroups = []chartGroup{
	{"Database size", []string{history.MeasureDatabaseSize}, []string{"size"}},
	{"Rows", []string{history.MeasureWorkOrders, history.MeasureDispensers}, []string{"work orders", "dispensers"}},
	{"Free pages before the optimize step", []string{history.MeasureFreelist}, []string{"free pages"}},
	{"Errors in the logs (7 days)", []string{history.MeasureErrors}, []string{"errors"}},
	{"New error patterns", []string{history.MeasureNewPatterns}, []string{"new patterns"}},
	{"Failed logins (7 days)", []string{history.MeasureFailedLogins}, []string{"failed logins"}},
	{"Failed-login sources and brute-force bursts", []string{history.MeasureFailedLoginSources, history.MeasureBruteForce},
		[]string{"sources", "brute-force bursts"}},
	{"Downtime", []string{history.MeasureDowntime}, []string{"downtime"}},
	{"Backup sizes", []string{history.MeasureWeeklyBackupSize, history.MeasureDailyBackupSize}, []string{"weekly backup", "daily backup"}},
}

// trendsView is the page's data.
type trendsView struct {
	Weeks  int
	Ranges []int
	// Runs is how many weeks have a run; under two there are no charts.
	Runs   int
	Charts []trendChart
}

// trendChart is a figure: the chart and its table.
type trendChart struct {
	lineChart
	SVGMarkup template.HTML
	Rows      []trendRow
}

// trendRow is a week of a chart's table, newest first.
type trendRow struct {
	// ISO is the week's start as data-week holds it, Label as people
	// read it (formatted here: a method call per cell in the template
	// is a fifth of a 52-week page's time).
	ISO, Label string
	RunID      string
	Cells      []trendCell
}

// trendCell is a value: Raw for data-value ("" when the week has none),
// Text for people.
type trendCell struct{ Raw, Text string }

func (s *Server) trends(w http.ResponseWriter, r *http.Request) {
	n, err := parseWeeks(r.URL.Query().Get("weeks"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	v := trendsView{Weeks: n, Ranges: weekRanges}
	h, err := s.history(r.Context())
	if err != nil {
		http.Error(w, fmt.Sprintf("%v (the trends are read from the history; the other pages may still work)", err), http.StatusInternalServerError)
		return
	}
	if h != nil {
		weeks, err := h.Weeks(r.Context(), n, s.zone())
		if err != nil {
			http.Error(w, fmt.Sprintf("%v (the trends are read from the history; the other pages may still work)", err), http.StatusInternalServerError)
			return
		}
		v.Runs = len(weeks)
		if len(weeks) >= 2 {
			v.Charts = trendCharts(weeks, s.zone())
		}
	}
	s.render(w, r, "trends.html", "Trends", "trends", v)
}

// trendCharts makes the charts of the weeks (newest first, as Weeks
// returns them): the x axis runs from the oldest run's week to the
// newest's, a week apart, so a week without a run is a gap.
func trendCharts(weeks []history.Week, loc *time.Location) []trendChart {
	oldest, newest := history.WeekStart(weeks[len(weeks)-1].StartedAt.In(loc)), history.WeekStart(weeks[0].StartedAt.In(loc))
	var axis []time.Time
	for t := oldest; !t.After(newest) && len(axis) <= maxWeeks; t = t.AddDate(0, 0, 7) {
		axis = append(axis, t)
	}
	byWeek := map[time.Time]history.Week{}
	ms := make([]history.Measures, len(weeks))
	for i, wk := range weeks {
		byWeek[history.WeekStart(wk.StartedAt.In(loc))] = wk
		ms[i] = wk.Measures
	}
	var out []trendChart
	for _, g := range groupsOf(history.TrendNames(ms...)) {
		c := trendChart{lineChart: lineChart{ID: "chart-" + chartID(g.measures[0]), Title: g.title, Unit: history.Unit(g.measures[0]), Weeks: axis}}
		for k, name := range g.measures {
			se := series{Name: name, Label: g.labels[k], Values: make([]float64, len(axis))}
			for i, t := range axis {
				se.Values[i] = math.NaN()
				if v, ok := byWeek[t].Measures[name]; ok {
					se.Values[i] = v
				}
			}
			c.Series = append(c.Series, se)
		}
		c.SVGMarkup = c.SVG()
		c.Rows = tableRows(&c.lineChart, byWeek)
		out = append(out, c)
	}
	return out
}

// groupsOf are the chart groups of the measures held: each fixed group
// with the measures of it held, then the p95 and p99 of each endpoint,
// then any other measure alone.
func groupsOf(names []string) []chartGroup {
	held := map[string]bool{}
	for _, n := range names {
		held[n] = true
	}
	var out []chartGroup
	for _, g := range chartGroups {
		var h chartGroup
		h.title = g.title
		for k, m := range g.measures {
			if held[m] {
				h.measures, h.labels = append(h.measures, m), append(h.labels, g.labels[k])
				delete(held, m)
			}
		}
		if len(h.measures) > 0 {
			out = append(out, h)
		}
	}
	for _, n := range names {
		if !held[n] {
			continue
		}
		endpoint, p95 := strings.CutPrefix(n, history.MeasureLatencyP95)
		if !p95 {
			endpoint, _ = strings.CutPrefix(n, history.MeasureLatencyP99)
		}
		if endpoint == n {
			out = append(out, chartGroup{strings.ReplaceAll(n, "_", " "), []string{n}, []string{strings.ReplaceAll(n, "_", " ")}})
			delete(held, n)
			continue
		}
		g := chartGroup{title: "API latency: " + endpoint}
		for _, p := range []struct{ prefix, label string }{{history.MeasureLatencyP95, "p95"}, {history.MeasureLatencyP99, "p99"}} {
			if held[p.prefix+endpoint] {
				g.measures, g.labels = append(g.measures, p.prefix+endpoint), append(g.labels, p.label)
				delete(held, p.prefix+endpoint)
			}
		}
		out = append(out, g)
	}
	return out
}

var notID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// chartID is a measure name as an id: "latency_p95_seconds:work orders"
// is "latency_p95_seconds-work-orders".
func chartID(name string) string { return notID.ReplaceAllString(name, "-") }

// tableRows are the chart's numbers, newest week first.
func tableRows(c *lineChart, byWeek map[time.Time]history.Week) []trendRow {
	rows := make([]trendRow, 0, len(c.Weeks))
	for i := len(c.Weeks) - 1; i >= 0; i-- {
		wk := c.Weeks[i]
		row := trendRow{ISO: wk.Format("2006-01-02"), Label: wk.Format("Jan 2, 2006"), RunID: byWeek[wk].RunID}
		for _, se := range c.Series {
			cell := trendCell{Text: "no run"}
			if row.RunID != "" {
				cell.Text = "not measured"
			}
			if v := se.Values[i]; finite(v) {
				cell = trendCell{Raw: raw(v), Text: formatValue(v, c.Unit)}
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return rows
}

// formatValue is a value as people read it, through internal/human:
// sizes in binary units, durations in ms or s, percentages, counts with
// thousands separators.
func formatValue(v float64, unit string) string {
	if !finite(v) {
		return "n/a"
	}
	switch unit {
	case "bytes":
		if math.Abs(v) >= math.MaxInt64 {
			return humanize.Commaf(math.Round(v)) + " B"
		}
		return human.Bytes(int64(v))
	case "s":
		return human.DurationSeconds(v)
	case "%":
		return human.Percent(v)
	}
	if math.Abs(v) < 1e15 && v == math.Trunc(v) {
		return humanize.Comma(int64(v))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
