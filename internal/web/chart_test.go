package web

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkGolden compares got with testdata/name, or rewrites it with
// -update (pages_test.go declares the flag).
func checkGolden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestNewAxis(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name   string
		lo, hi float64
		unit   string
		ticks  []string
	}{
		{"sizes far from zero: their own range, in MiB", 48 * mib, 61 * mib, "bytes", []string{"45 MiB", "50 MiB", "55 MiB", "60 MiB", "65 MiB"}},
		{"sizes near zero: from zero", 20 * mib, 61 * mib, "bytes", []string{"0", "20 MiB", "40 MiB", "60 MiB", "80 MiB"}},
		{"gigabytes", 1.5 * 1024 * mib, 2.2 * 1024 * mib, "bytes", []string{"1.4 GiB", "1.6 GiB", "1.8 GiB", "2.0 GiB", "2.2 GiB"}},
		{"latencies in ms", 0.012, 0.048, "s", []string{"0", "10 ms", "20 ms", "30 ms", "40 ms", "50 ms"}},
		{"downtime in s", 2, 9.5, "s", []string{"0", "2 s", "4 s", "6 s", "8 s", "10 s"}},
		{"long downtime in min", 300, 900, "s", []string{"0", "5 min", "10 min", "15 min"}},
		{"percent", 3.2, 17.9, "%", []string{"0%", "5%", "10%", "15%", "20%"}},
		{"counts", 120, 151, "count", []string{"120", "130", "140", "150", "160"}},
		{"many rows: thousands", 41000, 48200, "rows", []string{"40 k", "42 k", "44 k", "46 k", "48 k", "50 k"}},
		{"all equal: from zero", 7, 7, "count", []string{"0", "2", "4", "6", "8"}},
		{"all zero", 0, 0, "count", []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{"all equal negative: up to zero", -4, -4, "count", []string{"-4", "-3", "-2", "-1", "0"}},
		{"negative and positive", -3, 8, "count", []string{"-5", "0", "5", "10"}},
		{"negative, far from zero", -61, -48, "count", []string{"-65", "-60", "-55", "-50", "-45"}},
		{"small fractions", 0.001, 0.004, "count", []string{"0", "0.001", "0.002", "0.003", "0.004"}},
		{"huge", 1e300, 3e300, "count", []string{"0", "1e+291 G", "2e+291 G", "3e+291 G"}},
		{"the whole float range", -math.MaxFloat64, math.MaxFloat64, "count", []string{"-1.8e+299 G", "1.8e+299 G"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAxis(c.lo, c.hi, c.unit)
			var got []string
			for _, tk := range a.Ticks {
				got = append(got, a.label(tk))
			}
			if !reflect.DeepEqual(got, c.ticks) {
				t.Errorf("ticks %q, want %q", got, c.ticks)
			}
			if a.Lo > c.lo || a.Hi < c.hi || !(a.Lo < a.Hi) {
				t.Errorf("axis %g–%g does not hold %g–%g", a.Lo, a.Hi, c.lo, c.hi)
			}
			if len(a.Ticks) < 2 || len(a.Ticks) > 12 {
				t.Errorf("%d ticks", len(a.Ticks))
			}
		})
	}
}

func TestXLabels(t *testing.T) {
	cases := []struct {
		n    int
		want []int
	}{
		{1, []int{0}}, {2, []int{0, 1}}, {5, []int{0, 1, 2, 3, 4}},
		{8, []int{0, 2, 4, 7}}, {12, []int{0, 3, 6, 11}}, {13, []int{0, 3, 6, 9, 12}},
		{26, []int{0, 7, 14, 25}}, {52, []int{0, 13, 26, 39, 51}},
	}
	for _, c := range cases {
		if got := xLabels(c.n); !reflect.DeepEqual(got, c.want) {
			t.Errorf("xLabels(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// weeksFrom are n week starts from the Monday start.
func weeksFrom(start time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.AddDate(0, 0, 7*i)
	}
	return out
}

var nan = math.NaN()

var pointRe = regexp.MustCompile(`<circle class="point" cx="([-0-9.]+)" cy="([-0-9.]+)"[^>]* data-value="([^"]+)"`)

func TestChartGeometry(t *testing.T) {
	mon := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		values []float64
		// path is the line's d; points the data-values drawn.
		path   string
		points []string
	}{
		{"a line", []float64{1, 2, 3}, "M64 131.3 L234 72.7 L404 14", []string{"1", "2", "3"}},
		{"a gap is a break in the line, never 0", []float64{2, nan, 4, 3}, "M64 102 M290.7 14 L404 58", []string{"2", "4", "3"}},
		{"a point alone between gaps: a move, and its point", []float64{nan, 3, nan}, "M234 14", []string{"3"}},
		{"zeros are values", []float64{0, 0, 2}, "M64 190 L234 190 L404 14", []string{"0", "0", "2"}},
		{"negative values", []float64{-2, 1}, "M64 190 L404 14", []string{"-2", "1"}},
		{"all equal", []float64{5, 5, 5, 5}, "M64 14 L177.3 14 L290.7 14 L404 14", []string{"5", "5", "5", "5"}},
		{"huge values stay in the box", []float64{-math.MaxFloat64, 0, math.MaxFloat64}, "M64 190 L234 102 L404 14", []string{"-1.7976931348623157e+308", "0", "1.7976931348623157e+308"}},
		{"infinities are gaps", []float64{math.Inf(1), 1, math.Inf(-1)}, "M234 14", []string{"1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := lineChart{ID: "chart-x", Title: "X", Unit: "count", Weeks: weeksFrom(mon, len(c.values)),
				Series: []series{{Name: "x", Label: "x", Values: c.values}}}
			svg := string(ch.SVG())
			d := regexp.MustCompile(`<path class="series" d="([^"]*)"`).FindStringSubmatch(svg)
			if d == nil || d[1] != c.path {
				t.Errorf("path %q, want %q", d, c.path)
			}
			var got []string
			for _, m := range pointRe.FindAllStringSubmatch(svg, -1) {
				got = append(got, m[3])
				for _, xy := range m[1:3] {
					f, _ := strconv.ParseFloat(xy, 64)
					if f < 0 || f > svgW || math.IsNaN(f) {
						t.Errorf("point at %s,%s: outside the view box", m[1], m[2])
					}
				}
			}
			if !reflect.DeepEqual(got, c.points) {
				t.Errorf("points %q, want %q", got, c.points)
			}
		})
	}
}

func TestChartOnePointAndNone(t *testing.T) {
	mon := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	one := lineChart{ID: "chart-one", Title: "One", Unit: "bytes", Weeks: weeksFrom(mon, 1),
		Series: []series{{Name: "s", Label: "size", Values: []float64{48 << 20}}}}
	svg := string(one.SVG())
	if !strings.Contains(svg, `cx="234"`) || !strings.Contains(svg, "size: 48.0 MiB in the week of Oct 5, 2026 only.") {
		t.Errorf("a single week is a point in the middle, described as such:\n%s", svg)
	}
	none := lineChart{ID: "chart-none", Weeks: weeksFrom(mon, 3), Series: []series{{Values: []float64{nan, nan, nan}}}}
	if svg := none.SVG(); svg != "" {
		t.Errorf("no value, no chart: %s", svg)
	}
}

// TestChartGolden is the whole SVG of two charts: a single series with a
// gap, and p95 with p99 (legend, dashes, hollow points).
func TestChartGolden(t *testing.T) {
	mon := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	size := lineChart{ID: "chart-database_size_bytes", Title: "Database size", Unit: "bytes", Weeks: weeksFrom(mon, 8),
		Series: []series{{Name: "database_size_bytes", Label: "size",
			Values: []float64{48 << 20, 49 << 20, nan, 52 << 20, 55 << 20, 57 << 20, 59 << 20, 61 << 20}}}}
	lat := lineChart{ID: "chart-latency_p95_seconds-work-orders", Title: "API latency: work-orders <&>", Unit: "s", Weeks: weeksFrom(mon, 4),
		Series: []series{
			{Name: "latency_p95_seconds:work-orders", Label: "p95", Values: []float64{0.021, 0.019, 0.024, 0.018}},
			{Name: "latency_p99_seconds:work-orders", Label: "p99", Values: []float64{0.045, nan, 0.051, 0.038}},
		}}
	checkGolden(t, "chart_size.svg", string(size.SVG())+"\n")
	checkGolden(t, "chart_latency.svg", string(lat.SVG())+"\n")
}

// FuzzChart: whatever the values, the chart is drawn inside its view box,
// with no NaN or Inf in its coordinates, and a point per finite value.
func FuzzChart(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, "count")
	f.Add(0.0, 0.0, 0.0, "bytes")
	f.Add(-math.MaxFloat64, math.NaN(), math.MaxFloat64, "s")
	f.Add(5e-324, 1e-300, 0.0, "%")
	f.Fuzz(func(t *testing.T, a, b, c float64, unit string) {
		ch := lineChart{ID: "chart-f", Title: "F", Unit: unit, Weeks: weeksFrom(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), 3),
			Series: []series{{Name: "f", Label: "f", Values: []float64{a, b, c}}}}
		svg := string(ch.SVG())
		n := 0
		for _, v := range []float64{a, b, c} {
			if finite(v) {
				n++
			}
		}
		if n == 0 {
			if svg != "" {
				t.Errorf("no value, yet a chart")
			}
			return
		}
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("NaN or Inf in the SVG:\n%s", svg)
		}
		pts := pointRe.FindAllStringSubmatch(svg, -1)
		if len(pts) != n {
			t.Errorf("%d points for %d values", len(pts), n)
		}
		for _, m := range pts {
			for _, xy := range m[1:3] {
				if v, err := strconv.ParseFloat(xy, 64); err != nil || v < 0 || v > svgW {
					t.Errorf("point at %s,%s: outside the view box", m[1], m[2])
				}
			}
		}
	})
}

// TestAxisLabelsOverNewYear: weeks over two years name the year where
// it changes, and only there.
func TestAxisLabelsOverNewYear(t *testing.T) {
	ch := lineChart{ID: "chart-y", Unit: "count", Weeks: weeksFrom(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), 8),
		Series: []series{{Name: "y", Label: "y", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8}}}}
	got := regexp.MustCompile(`text-anchor="(?:start|middle|end)">([^<]+)</text>`).FindAllStringSubmatch(string(ch.SVG()), -1)
	var labels []string
	for _, m := range got {
		labels = append(labels, m[1])
	}
	want := []string{"Dec 1, 2025", "Dec 15", "Dec 29", "Jan 19, 2026"}
	if !reflect.DeepEqual(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	ch.Weeks = weeksFrom(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 8)
	if svg := string(ch.SVG()); strings.Contains(svg, ", 2026</text>") {
		t.Errorf("weeks of one year need no year under the axis")
	}
}
