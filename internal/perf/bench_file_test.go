package perf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

func benchOf(name string, requests int, p50, p95, p99 time.Duration) *BenchResult {
	lat := Latency{P50: human.Seconds(p50), P95: human.Seconds(p95), P99: human.Seconds(p99), Max: human.Seconds(p99)}
	return &BenchResult{Requests: requests, Latency: lat, TargetRate: 20,
		Endpoints: []EndpointBench{{Name: name, URL: "http://127.0.0.1:8000/" + name, Requests: requests, Latency: lat}}}
}

func TestBenchFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	day := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	in := &BenchFile{GeneratedAt: day, Benchmark: benchOf("health", 120, time.Millisecond, 2*time.Millisecond, 9*time.Millisecond)}
	path, err := WriteBenchFile(dir, in, day)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "performance-benchmark-20261128.json" {
		t.Errorf("path %s", path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", fi, err)
	}
	out, err := ReadBenchFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.Date != "2026-11-28" || out.SchemaVersion != BenchFileSchema || out.Reference() != out.Benchmark ||
		out.Benchmark.Endpoints[0].Latency.P99.D() != 9*time.Millisecond {
		t.Errorf("read back %+v", out)
	}
}

func TestPreviousBenchFile(t *testing.T) {
	day := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	write := func(t *testing.T, dir, name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	valid := `{"schema_version":1,"date":"2026-11-21","postflight":{"endpoints":[{"name":"health"}]}}`
	tests := []struct {
		name    string
		files   map[string]string
		want    string // base name, "" for none
		wantErr string
	}{
		{"no directory", nil, "", ""},
		{"only today's and later", map[string]string{"performance-benchmark-20261128.json": valid, "performance-benchmark-20261205.json": valid}, "", ""},
		{"newest earlier day", map[string]string{"performance-benchmark-20261114.json": valid, "performance-benchmark-20261121.json": valid, "performance-benchmark-20261128.json": valid}, "performance-benchmark-20261121.json", ""},
		{"names that are not ours", map[string]string{"performance-benchmark-2026112.json": "x", "performance-benchmark-20261399.json": "x", "performance-benchmark-20261121.json.tmp": "x", "performance-benchmark-20261107.json": valid}, "performance-benchmark-20261107.json", ""},
		{"damaged newest", map[string]string{"performance-benchmark-20261114.json": valid, "performance-benchmark-20261121.json": "{"}, "", "performance-benchmark-20261121.json is not valid JSON"},
		{"newer schema", map[string]string{"performance-benchmark-20261121.json": `{"schema_version":7}`}, "", "upgrade fossamaint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "reports")
			if tc.files != nil {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for n, b := range tc.files {
				write(t, dir, n, b)
			}
			f, path, err := PreviousBenchFile(dir, day)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := filepath.Base(path); (tc.want == "") != (f == nil) || (tc.want != "" && got != tc.want) {
				t.Fatalf("got %q (%v), want %q", path, f, tc.want)
			}
			if f != nil && f.Reference() != f.Postflight {
				t.Errorf("reference of a file without a benchmark is its postflight")
			}
		})
	}
}

func TestReadBenchFileMissing(t *testing.T) {
	_, err := ReadBenchFile(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err %v: want one that wraps fs.ErrNotExist", err)
	}
}

// FuzzBenchFile: any bytes give a file or an error naming the path,
// never a panic.
func FuzzBenchFile(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"benchmark":{"endpoints":[{"name":"h","latency_seconds":{"p50":0.001}}]}}`))
	f.Add([]byte(`{"schema_version":99}`))
	f.Add([]byte(`{"benchmark":{"latency_seconds":{"p99":-1e308}}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseBenchFile("x.json", b)
		if err != nil {
			if !strings.Contains(err.Error(), "x.json") {
				t.Fatalf("error without the path: %v", err)
			}
			return
		}
		_ = got.Reference()
		_ = CompareBench(got.Reference(), got.Postflight, 50, time.Millisecond)
	})
}
