package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// A lineChart is one figure of the trends page: one or more series of a
// measure over the weeks, drawn as an inline SVG on the server (no script,
// no library). Its numbers are also in the table beside it: the chart is
// for the eye, the table for screen readers, print and copying.
type lineChart struct {
	// ID is the figure's id, "chart-<measure>"; the SVG's title and
	// description ids are made from it.
	ID    string
	Title string
	// Unit is the measures' unit (history.Unit): "bytes", "s", "%"
	// (0–100), "count", "rows".
	Unit string
	// Weeks are the x axis: the start of each week, oldest first, one a
	// week (a week without a run is a gap in every series).
	Weeks  []time.Time
	Series []series
}

// series is one line: a value per week of the chart, NaN where the week
// has none (drawn as a gap, never as 0).
type series struct {
	Name, Label string
	Values      []float64
}

// The view box. The SVG scales to its container's width (CSS width 100%):
// 420 units wide keeps the 12-unit text about 10 px on a 390 px phone and
// 17 px on a laptop's half-page column.
const (
	svgW, svgH       = 420, 220
	padL, padR, padB = 64, 16, 30
	padT, padLegend  = 14, 20
	fontSize         = 12
	maxXLabels       = 5
	// xLabelRoom is the room a week label needs before the last one,
	// which ends at the plot's right edge: "Nov 30" is about 40 units
	// wide, centred, and the last as wide, ending there.
	xLabelRoom           = 66
	pointR, pointHollowR = 3.2, 3
)

// seriesStyle tells the series of one chart apart in colour (the
// Okabe–Ito palette, which colour-blind readers can tell apart), in
// dashes and in points (filled or hollow), so a black-and-white print
// does too.
var seriesStyle = []struct{ colour, dash string }{
	{"#0072b2", ""},
	{"#d55e00", "6 3"},
	{"#009e73", "2 3"},
	{"#cc79a7", "8 3 2 3"},
}

// axis is the y axis: the value range drawn and its ticks.
type axis struct {
	Lo, Hi float64
	Ticks  []float64
	// Div and Suffix are the display unit of the tick labels (a MiB is
	// Div 1<<20, Suffix "MiB"), Decimals their precision.
	Div      float64
	Suffix   string
	Decimals int
}

// finite reports whether v is a number (not NaN, not ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// valueRange is the lowest and highest value of the series, ok false
// when none has one.
func valueRange(ss []series) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, v := range s.Values {
			if finite(v) {
				lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
			}
		}
	}
	return lo, hi, ok
}

// newAxis is a readable y axis over lo–hi: zero is included when the
// values are all on one side of it and not far from it (so a change
// looks as large as it is), equal values get room around them, and the
// ticks are round numbers of the display unit (1, 2 or 5 times a power
// of ten: 45, 50, 55 MiB).
func newAxis(lo, hi float64, unit string) axis {
	switch {
	case lo >= 0 && lo <= hi/2:
		lo = 0
	case hi <= 0 && hi >= lo/2:
		hi = 0
	}
	if lo == hi {
		if lo == 0 {
			hi = 1
		} else if lo > 0 {
			lo = 0
		} else {
			hi = 0
		}
	}
	div, suffix := displayUnit(unit, math.Max(math.Abs(lo), math.Abs(hi)))
	a, b := lo/div, hi/div
	// About five intervals; fifths first: b-a may overflow where
	// b/5-a/5 does not.
	step := niceStep(b/5 - a/5)
	k0, k1 := math.Floor(a/step), math.Ceil(b/step)
	if k1 == k0 {
		k1++
	}
	ax := axis{Div: div, Suffix: suffix, Decimals: max(0, int(-math.Floor(math.Log10(step))))}
	for k := k0; k <= k1 && len(ax.Ticks) < 12; k++ {
		ax.Ticks = append(ax.Ticks, k*step*div)
	}
	ax.Lo, ax.Hi = ax.Ticks[0], ax.Ticks[len(ax.Ticks)-1]
	if !finite(ax.Lo) || !finite(ax.Hi) || ax.Lo >= ax.Hi {
		// Beyond float64 (±1e308 and round): the values' own range.
		ax.Lo, ax.Hi, ax.Ticks = lo, hi, []float64{lo, hi}
	}
	return ax
}

// niceStep is the round number (1, 2 or 5 times a power of ten) nearest
// above rough.
func niceStep(rough float64) float64 {
	if !(rough > 0) || !finite(rough) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	for _, m := range []float64{1, 2, 5} {
		if rough <= m*mag*1.0000001 {
			return m * mag
		}
	}
	return 10 * mag
}

// displayUnit is the unit the axis labels are written in for values up to
// maxAbs: the one a person reads (MiB, ms, %), as internal/human would
// pick it.
func displayUnit(unit string, maxAbs float64) (div float64, suffix string) {
	switch unit {
	case "bytes":
		div = 1
		for _, s := range []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"} {
			if maxAbs < div*1024 || s == "PiB" {
				return div, s
			}
			div *= 1024
		}
	case "s":
		for _, u := range []struct {
			below, div float64
			suffix     string
		}{{1e-3, 1e-6, "µs"}, {1, 1e-3, "ms"}, {120, 1, "s"}, {7200, 60, "min"}, {172800, 3600, "h"}} {
			if maxAbs < u.below {
				return u.div, u.suffix
			}
		}
		return 86400, "d"
	case "%":
		return 1, "%"
	}
	switch {
	case maxAbs >= 1e9:
		return 1e9, "G"
	case maxAbs >= 1e6:
		return 1e6, "M"
	case maxAbs >= 1e4:
		return 1e3, "k"
	}
	return 1, ""
}

// label is a tick's text: "50 MiB", "20%", "1.5 k", "0".
func (a axis) label(v float64) string {
	x := v / a.Div
	var s string
	if math.Abs(x) >= 1e6 {
		s = strconv.FormatFloat(x, 'g', 3, 64)
	} else {
		s = strconv.FormatFloat(x, 'f', a.Decimals, 64)
	}
	if strings.Trim(s, "-0.") == "" {
		s = "0"
	}
	switch {
	case a.Suffix == "%":
		return s + "%"
	case a.Suffix != "" && s != "0":
		return s + " " + a.Suffix
	}
	return s
}

// plot is where the lines go inside the view box.
type plot struct{ x0, y0, x1, y1 float64 }

func (c *lineChart) plot() plot {
	top := float64(padT)
	if len(c.Series) > 1 {
		top += padLegend
	}
	return plot{padL, top, svgW - padR, svgH - padB}
}

// x is the position of week i of n: evenly spaced, one week alone in the
// middle.
func (p plot) x(i, n int) float64 {
	if n < 2 {
		return (p.x0 + p.x1) / 2
	}
	return p.x0 + (p.x1-p.x0)*float64(i)/float64(n-1)
}

// y is the position of v on the axis (halves first: no overflow between
// ±1e308).
func (p plot) y(a axis, v float64) float64 {
	f := (v/2 - a.Lo/2) / (a.Hi/2 - a.Lo/2)
	return p.y1 - (p.y1-p.y0)*f
}

// xLabels are the weeks labelled under the axis: at most maxXLabels,
// evenly spaced, the first and the last always (the one before the last
// left out when they would overlap: the last is anchored at its end, the
// first at its start).
func xLabels(n int) []int {
	if n <= maxXLabels {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	step := int(math.Ceil(float64(n-1) / float64(maxXLabels-1)))
	var out []int
	for i := 0; i < n-1; i += step {
		out = append(out, i)
	}
	perWeek := float64(svgW-padL-padR) / float64(n-1)
	if last := out[len(out)-1]; float64(n-1-last)*perWeek < xLabelRoom && len(out) > 1 {
		out = out[:len(out)-1]
	}
	return append(out, n-1)
}

// path is the series' line: "M x y L x y …", a new M after each gap; a
// week alone between gaps is a move only (its point shows it).
func (c *lineChart) path(p plot, a axis, s series) string {
	var b strings.Builder
	pen := false
	for i, v := range s.Values {
		if !finite(v) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s%s %s", cmd, num(p.x(i, len(c.Weeks))), num(p.y(a, v)))
		pen = true
	}
	return b.String()
}

// num writes a coordinate with one decimal at most.
func num(x float64) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}

// raw is a value as data-value holds it: the number in full, without
// an exponent up to 1e21 (a size in bytes reads 59768832).
func raw(v float64) string {
	if math.Abs(v) < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// weekLabel is a week in words: "Oct 5, 2026".
func weekLabel(t time.Time) string { return t.Format("Jan 2, 2006") }

// axisLabel is week i's label under the axis: "Oct 5", with the year
// when the weeks run over two years and it is the first label or the
// year changed since the label before (prev, -1 for none).
func (c *lineChart) axisLabel(i, prev int) string {
	w := c.Weeks[i]
	if c.Weeks[0].Year() != c.Weeks[len(c.Weeks)-1].Year() && (prev < 0 || c.Weeks[prev].Year() != w.Year()) {
		return w.Format("Jan 2, 2006")
	}
	return w.Format("Jan 2")
}

// SVG draws the chart. Every text in it is escaped; styling is by
// presentation attributes and the stylesheet, never a style attribute
// (the Content Security Policy forbids inline styles).
func (c *lineChart) SVG() template.HTML {
	lo, hi, ok := valueRange(c.Series)
	if !ok || len(c.Weeks) == 0 {
		return ""
	}
	a := newAxis(lo, hi, c.Unit)
	p := c.plot()
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title" aria-describedby="%s-desc" font-size="%d">`,
		svgW, svgH, esc(c.ID), esc(c.ID), fontSize)
	fmt.Fprintf(&b, "\n<title id=\"%s-title\">%s</title>\n<desc id=\"%s-desc\">%s</desc>\n", esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Description()))
	b.WriteString(`<g class="grid" stroke="#d9dee5" stroke-width="1">`)
	for _, t := range a.Ticks {
		y := num(p.y(a, t))
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(p.x0), y, num(p.x1), y)
	}
	b.WriteString("</g>\n<g class=\"y-axis\" text-anchor=\"end\" fill=\"#5b6574\">")
	for _, t := range a.Ticks {
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(p.x0-6), num(p.y(a, t)+4), esc(a.label(t)))
	}
	b.WriteString("</g>\n<g class=\"x-axis\" fill=\"#5b6574\">")
	prev := -1
	for _, i := range xLabels(len(c.Weeks)) {
		// The first starts at its week and the last ends at its own:
		// neither runs into the y labels or off the view box.
		anchor := "middle"
		switch {
		case len(c.Weeks) == 1:
		case i == 0:
			anchor = "start"
		case i == len(c.Weeks)-1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s">%s</text>`, num(p.x(i, len(c.Weeks))), svgH-10, anchor, esc(c.axisLabel(i, prev)))
		prev = i
	}
	b.WriteString("</g>\n")
	c.legend(&b)
	for k, s := range c.Series {
		c.drawSeries(&b, p, a, k, s)
	}
	b.WriteString("</svg>")
	return template.HTML(b.String()) // built above, every text in it escaped
}

// legend names the series of a chart of several, each with its line's
// colour and dashes.
func (c *lineChart) legend(b *strings.Builder) {
	if len(c.Series) < 2 {
		return
	}
	b.WriteString(`<g class="legend">`)
	x := float64(padL)
	for k, s := range c.Series {
		st := seriesStyle[k%len(seriesStyle)]
		fmt.Fprintf(b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s" stroke-width="2"%s/>`,
			num(x), padT, num(x+22), padT, st.colour, dashAttr(st.dash))
		fmt.Fprintf(b, `<text x="%s" y="%d" fill="#1d2430">%s</text>`, num(x+27), padT+4, template.HTMLEscapeString(s.Label))
		x += 27 + 8*float64(len([]rune(s.Label))) + 16 // room for 14-unit text on phones
	}
	b.WriteString("</g>\n")
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return ` stroke-dasharray="` + dash + `"`
}

// drawSeries is one series: its line, then a point per value, each with
// its week and value as a tooltip and the raw number in data-value.
func (c *lineChart) drawSeries(b *strings.Builder, p plot, a axis, k int, s series) {
	st := seriesStyle[k%len(seriesStyle)]
	esc := template.HTMLEscapeString
	fmt.Fprintf(b, `<g class="s%d" data-series="%s">`, k, esc(s.Name))
	fmt.Fprintf(b, `<path class="series" d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"%s/>`,
		c.path(p, a, s), st.colour, dashAttr(st.dash))
	// The first series' points are filled, the next ones' hollow.
	fill, r := st.colour, pointR
	if k > 0 {
		fill, r = "#fff", pointHollowR
	}
	for i, v := range s.Values {
		if !finite(v) {
			continue
		}
		fmt.Fprintf(b, "\n"+`<circle class="point" cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="1.5" data-value="%s" data-week="%s"><title>%s</title></circle>`,
			num(p.x(i, len(c.Weeks))), num(p.y(a, v)), num(r), fill, st.colour, raw(v), c.Weeks[i].Format("2006-01-02"),
			esc(s.Label+", week of "+weekLabel(c.Weeks[i])+": "+formatValue(v, c.Unit)))
	}
	b.WriteString("</g>\n")
}

// Description is the chart in words, for screen readers (the SVG's desc):
// each series from its first value to its last, over how many weeks,
// its lowest and highest, and the weeks without a value.
func (c *lineChart) Description() string {
	var parts []string
	for _, s := range c.Series {
		first, last, n := -1, -1, 0
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, v := range s.Values {
			if !finite(v) {
				continue
			}
			if first < 0 {
				first = i
			}
			last, n = i, n+1
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		switch {
		case n == 0:
			parts = append(parts, s.Label+": no value")
		case n == 1:
			parts = append(parts, fmt.Sprintf("%s: %s in the week of %s only", s.Label, formatValue(s.Values[first], c.Unit), weekLabel(c.Weeks[first])))
		default:
			d := fmt.Sprintf("%s: from %s in the week of %s to %s in the week of %s, over %d weeks",
				s.Label, formatValue(s.Values[first], c.Unit), weekLabel(c.Weeks[first]),
				formatValue(s.Values[last], c.Unit), weekLabel(c.Weeks[last]), last-first+1)
			if gaps := last - first + 1 - n; gaps > 0 {
				d += fmt.Sprintf(" (%d without a value)", gaps)
			}
			d += fmt.Sprintf("; lowest %s, highest %s", formatValue(lo, c.Unit), formatValue(hi, c.Unit))
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, ". ") + "."
}
