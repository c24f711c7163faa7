package perf

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkTrends measures throughput over a generated 50 MB metrics file
// (every line inside the window, so every line is fully parsed and kept):
//
//	go test -run='^$' -bench=BenchmarkTrends -benchtime=10x ./internal/perf/
func BenchmarkTrends(b *testing.B) {
	const size = 50 << 20
	path := filepath.Join(b.TempDir(), "performance-metrics.jsonl")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end, written := writeMetrics(b, path, start, size)
	b.SetBytes(written)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Trends(context.Background(), path, start, end.Add(time.Hour), time.UTC)
		if err != nil || rep.Malformed != 0 || rep.Samples == 0 {
			b.Fatalf("samples %d malformed %d: %v", rep.Samples, rep.Malformed, err)
		}
	}
}

// writeMetrics writes upstream-shaped lines every 30 s until at least size
// bytes and returns the last timestamp and the bytes written.
func writeMetrics(b *testing.B, path string, start time.Time, size int) (time.Time, int64) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	ts, written := start, 0
	for i := 0; written < size; i++ {
		ts = start.Add(time.Duration(i) * 30 * time.Second)
		n, _ := w.WriteString(sampleLine(ts, float64(i%97), float64(40+i%50), 63))
		written += n
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return ts, int64(written)
}
