package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// chart is one series drawn as a small inline SVG line chart (HTML) and
// written as its values in a line (Markdown). Every field is a number or
// plain text: the template escapes them, nothing is raw markup.
type chart struct {
	Title string
	Where string
	// Text is the Markdown line: the values, oldest first, and the span.
	Text string
	// The SVG: view box chartW × chartH, the plot inside the margins.
	Line   string // polyline points "x,y x,y …"
	Dots   []mark
	YTicks []mark
	XTicks []mark
	Label  string // accessible description
}

// mark is a position with its label.
type mark struct {
	X, Y  string
	Label string
}

const (
	chartW, chartH             = 360, 150
	plotL, plotR, plotT, plotB = 44, 12, 12, 26
)

// charts draws every series of the run that has at least two points: a
// trend needs two.
func charts(phases []runbook.PhaseResult) []chart {
	var out []chart
	for _, p := range phases {
		for _, s := range p.Steps {
			for _, se := range s.Series {
				if c, ok := newChart(p.Name+"/"+s.Name, se); ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

var seriesTitles = map[string]string{
	"cpu_avg_percent":    "CPU use, daily average",
	"memory_avg_percent": "Memory use, daily average",
}

func seriesTitle(name string) string {
	if t, ok := seriesTitles[name]; ok {
		return t
	}
	return strings.ReplaceAll(name, "_", " ")
}

func newChart(where string, se runbook.Series) (chart, bool) {
	var pts []runbook.Point
	for _, p := range se.Points {
		if finite(p.Value) && !p.At.IsZero() {
			pts = append(pts, p)
		}
	}
	if len(pts) < 2 {
		return chart{}, false
	}
	lo, hi := yRange(pts, se.Unit)
	fmtV := func(v float64) string { return formatMetric(runbook.Metric{Value: v, Unit: se.Unit}) }
	c := chart{Title: seriesTitle(se.Name), Where: where}
	w, h := float64(chartW-plotL-plotR), float64(chartH-plotT-plotB)
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	span := t1.Sub(t0).Seconds()
	var line, vals []string
	for _, p := range pts {
		x := float64(plotL)
		if span > 0 {
			x += w * p.At.Sub(t0).Seconds() / span
		}
		y := float64(plotT) + h*(1-(p.Value-lo)/(hi-lo))
		line = append(line, num(x)+","+num(y))
		c.Dots = append(c.Dots, mark{num(x), num(y), p.At.Format("Jan 2") + ": " + fmtV(p.Value)})
		vals = append(vals, fmtV(p.Value))
	}
	c.Line = strings.Join(line, " ")
	for _, v := range []float64{lo, (lo + hi) / 2, hi} {
		label := fmtV(v)
		if se.Unit == "%" {
			label = strconv.FormatFloat(math.Round(v), 'f', 0, 64) + "%"
		}
		c.YTicks = append(c.YTicks, mark{num(plotL - 6), num(float64(plotT) + h*(1-(v-lo)/(hi-lo)) + 4), label})
	}
	for _, i := range []int{0, len(pts) - 1} {
		x, _, _ := strings.Cut(line[i], ",")
		c.XTicks = append(c.XTicks, mark{x, num(chartH - 8), pts[i].At.Format("Jan 2")})
	}
	c.Text = strings.Join(vals, " → ") + " (" + pts[0].At.Format("Jan 2") + " – " + t1.Format("Jan 2") + ")"
	c.Label = c.Title + ": " + c.Text
	return c, true
}

// yRange is 0–100 for percentages (the scale a reader expects), else
// from 0 (or the minimum, when negative) to a little above the maximum.
func yRange(pts []runbook.Point, unit string) (lo, hi float64) {
	lo, hi = 0, 0
	for _, p := range pts {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	if unit == "%" && lo >= 0 && hi <= 100 {
		return 0, 100
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi + (hi-lo)*0.1
}

func num(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }
