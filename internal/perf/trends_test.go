package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTrendsMixedFixture(t *testing.T) {
	from := time.Date(2025, 1, 6, 0, 0, 0, 0, cet)
	rep, err := Trends(context.Background(), "testdata/metrics_mixed.jsonl", from, from.Add(6*time.Hour), cet)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"lines", rep.Lines, 10},
		{"samples", rep.Samples, 6},
		{"outside", rep.OutsideWindow, 2},
		{"malformed", rep.Malformed, 2},
		{"malformed lines", fmt.Sprint(rep.MalformedLines), "[5 8]"},
		{"first", rep.First.Equal(from), true},
		{"last", rep.Last.Equal(time.Date(2025, 1, 6, 5, 59, 59, 0, cet)), true},
		{"cpu n", rep.CPU.N, 6},
		{"cpu avg", near(rep.CPU.Avg, 155.0/6), true},
		{"cpu p95", rep.CPU.P95, 50.0},
		{"cpu max", rep.CPU.Max, 50.0},
		{"mem n", rep.Memory.N, 5},
		{"mem avg", near(rep.Memory.Avg, 50), true},
		{"mem p95", rep.Memory.P95, 70.0},
		{"disk n", rep.Disk.N, 5},
		{"disk avg", near(rep.Disk.Avg, 305.5/5), true},
		{"disk max", rep.Disk.Max, 63.0},
		// The out-of-order last line (02:10) must not pose as the latest disk state.
		{"disk last", rep.Disk.Last, 62.0},
		{"disk free", rep.Disk.LastFreeGB, 98.0},
		{"expected", rep.ExpectedSamples, 6},
		{"missing", rep.MissingSamples, 1},
		{"gaps", fmt.Sprint(rep.Gaps), fmt.Sprint([]Gap{{Start: from.Add(4 * time.Hour), Hours: 1}})},
		{"max cpu at", rep.MaxCPU != nil && rep.MaxCPU.Time.Equal(rep.Last), true},
		{"span", rep.Span(), 6*time.Hour - time.Second},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestTrendsGolden(t *testing.T) {
	from := time.Date(2025, 1, 6, 0, 0, 0, 0, cet)
	rep, err := Trends(context.Background(), "testdata/metrics_mixed.jsonl", from, from.Add(6*time.Hour), cet)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(struct {
		Report   TrendReport `json:"report"`
		Findings []Finding   `json:"findings"`
	}{rep, Evaluate(rep, Thresholds{CPUPercent: 45, MemoryPercent: 85, DiskPercent: 61.5})}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "metrics_mixed.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("report differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
}

// sampleLine renders one upstream-shaped metrics line.
func sampleLine(ts time.Time, cpu, memory, disk float64) string {
	return fmt.Sprintf(`{"timestamp": %q, "system": {"cpu_percent": %.1f, "memory_percent": %.1f, "memory_available_mb": 9120.4, "disk_percent": %.1f, "disk_free_gb": 88.1, "network_sent_mb": 1024.2, "network_recv_mb": 2210.7}, "process": {"memory_rss_mb": 310.2, "memory_vms_mb": 900.1, "cpu_percent": 3.1, "num_threads": 12, "open_files": 9}}`+"\n",
		ts.Format("2006-01-02T15:04:05.000000"), cpu, memory, disk)
}

// writeTemp writes content to a new file name in its own temp dir.
func writeTemp(t testing.TB, name string, content string) string {
	t.Helper()
	return testkit.WriteFile(t, filepath.Join(t.TempDir(), name), []byte(content), 0o600)
}

// The seed's "tail -168" would average a week that is not the last one: the
// sampler stopped three days ago, so the last 168 lines reach back ten days.
func TestTrendsSelectsByTimestampNotLastLines(t *testing.T) {
	to := time.Date(2025, 1, 11, 2, 0, 0, 0, cet)
	from := to.Add(-7 * 24 * time.Hour)
	var b strings.Builder
	for ts := from.Add(-7 * 24 * time.Hour); ts.Before(from); ts = ts.Add(time.Hour) {
		b.WriteString(sampleLine(ts, 90, 90, 50)) // the week before: busy
	}
	for ts := from; ts.Before(from.Add(96 * time.Hour)); ts = ts.Add(time.Hour) {
		b.WriteString(sampleLine(ts, 10, 30, 50)) // this week, 4 days then silence
	}
	path := writeTemp(t, "performance-metrics.jsonl", b.String())

	rep, err := Trends(context.Background(), path, from, to, cet)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != 96 || rep.OutsideWindow != 168 || rep.CPU.Avg != 10 || rep.CPU.Max != 10 {
		t.Fatalf("samples %d outside %d cpu avg %v max %v; want 96, 168, 10, 10", rep.Samples, rep.OutsideWindow, rep.CPU.Avg, rep.CPU.Max)
	}
	if rep.ExpectedSamples != 168 || rep.MissingSamples != 72 || len(rep.Gaps) != 1 || rep.Gaps[0].Hours != 72 {
		t.Fatalf("expected %d missing %d gaps %v", rep.ExpectedSamples, rep.MissingSamples, rep.Gaps)
	}
	fs := Evaluate(rep, Thresholds{CPUPercent: 80, MemoryPercent: 85, DiskPercent: 85})
	if len(fs) != 1 || fs[0].Severity != finding.Warning || !strings.Contains(fs[0].Message, "72 of 168 hourly metrics samples missing") {
		t.Fatalf("findings %+v; want only the gap warning (the busy week before is not this week)", fs)
	}
}

func TestTrendsOverlongLine(t *testing.T) {
	base := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	huge := `{"timestamp": "2025-01-06T00:30:00", "system": {"cpu_percent": 99}, "junk": "` + strings.Repeat("x", 5<<20) + `"}` + "\n"
	content := sampleLine(base, 10, 20, 30) + huge + sampleLine(base.Add(time.Hour), 30, 40, 50) +
		strings.Repeat("y", 3<<20) // unterminated over-long last line
	path := writeTemp(t, "m.jsonl", content)
	rep, err := Trends(context.Background(), path, base, base.Add(2*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != 2 || rep.Malformed != 2 || fmt.Sprint(rep.MalformedLines) != "[2 4]" || rep.CPU.Max != 30 {
		t.Fatalf("samples %d malformed %d at %v cpu max %v", rep.Samples, rep.Malformed, rep.MalformedLines, rep.CPU.Max)
	}
}

func TestTrendsErrors(t *testing.T) {
	from := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	ok := writeTemp(t, "m.jsonl", sampleLine(from, 1, 1, 1))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		path     string
		from, to time.Time
		is       error
		msg      string
	}{
		{"missing file", context.Background(), filepath.Join(t.TempDir(), "nope.jsonl"), from, from.Add(time.Hour), fs.ErrNotExist, "reading metrics"},
		{"empty window", context.Background(), ok, from, from, nil, "is not before"},
		{"huge window", context.Background(), ok, from, from.Add(20 * 366 * 24 * time.Hour), nil, "longer than"},
		{"cancelled", cancelled, ok, from, from.Add(time.Hour), context.Canceled, "reading metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Trends(tt.ctx, tt.path, tt.from, tt.to, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("err = %v; want %q wrapping %v", err, tt.msg, tt.is)
			}
		})
	}
}

func TestPercentileNearestRank(t *testing.T) {
	tests := []struct {
		vals []float64
		p    float64
		want float64
	}{
		{[]float64{15, 20, 35, 40, 50}, 5, 15},
		{[]float64{15, 20, 35, 40, 50}, 30, 20},
		{[]float64{15, 20, 35, 40, 50}, 40, 20},
		{[]float64{15, 20, 35, 40, 50}, 50, 35},
		{[]float64{15, 20, 35, 40, 50}, 100, 50},
		{[]float64{3, 6, 7, 8, 8, 10, 13, 15, 16, 20}, 25, 7},
		{[]float64{3, 6, 7, 8, 8, 10, 13, 15, 16, 20}, 75, 15},
		{[]float64{7}, 95, 7},
	}
	for _, tt := range tests {
		if got := Percentile(tt.vals, tt.p); got != tt.want {
			t.Errorf("P%v of %v = %v, want %v", tt.p, tt.vals, got, tt.want)
		}
	}
	for _, p := range []float64{0, -1, 101, math.NaN()} {
		if !math.IsNaN(Percentile([]float64{1}, p)) {
			t.Errorf("P%v should be NaN", p)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("P50 of nothing should be NaN")
	}
}

// FuzzTrendsRead feeds arbitrary bytes through the line reader and the
// accumulator: nothing may panic and every non-blank line is accounted for.
func FuzzTrendsRead(f *testing.F) {
	seed, err := os.ReadFile("testdata/metrics_mixed.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("\n\r\n \t\n{}\n"))
	f.Add([]byte(`{"timestamp": "2025-01-06T00:00:00"}`))
	from := time.Date(2025, 1, 6, 0, 0, 0, 0, cet)
	f.Fuzz(func(t *testing.T, data []byte) {
		acc := newTrendAcc("fuzz", from, from.Add(6*time.Hour))
		if err := acc.read(context.Background(), bytes.NewReader(data), cet); err != nil {
			t.Fatal(err)
		}
		r := acc.finish()
		if r.Samples+r.OutsideWindow+r.Malformed != r.Lines {
			t.Fatalf("lines %d != samples %d + outside %d + malformed %d", r.Lines, r.Samples, r.OutsideWindow, r.Malformed)
		}
		if r.MissingSamples > r.ExpectedSamples {
			t.Fatalf("missing %d > expected %d", r.MissingSamples, r.ExpectedSamples)
		}
	})
}

// TestTrendsDaily: the daily averages come from the same pass, one per
// 24 h from the window's start; a day without samples has N 0.
func TestTrendsDaily(t *testing.T) {
	from := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	acc := newTrendAcc("m.jsonl", from, from.Add(7*24*time.Hour))
	for _, s := range []Sample{
		{Time: from.Add(time.Hour), CPU: 10, Memory: 40, Present: FieldCPU | FieldMemory},
		{Time: from.Add(25 * time.Hour), CPU: 30, Present: FieldCPU},
		{Time: from.Add(26 * time.Hour), CPU: 50, Memory: 60, Present: FieldCPU | FieldMemory},
		{Time: from.Add(-time.Hour), CPU: 99, Present: FieldCPU}, // outside
	} {
		acc.add(s)
	}
	d := acc.finish().Daily
	if len(d) != 7 || !d[1].Start.Equal(from.Add(24*time.Hour)) {
		t.Fatalf("days %+v", d)
	}
	if d[0].CPU != 10 || d[0].CPUN != 1 || d[0].Memory != 40 || d[1].CPU != 40 || d[1].CPUN != 2 || d[1].Memory != 60 || d[1].MemN != 1 || d[2].CPUN != 0 {
		t.Errorf("days %+v", d[:3])
	}
}
