package perf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
)

// BenchFile is reports/performance-benchmark-YYYYMMDD.json, the name the
// seed's performance-benchmark.py --output uses: the weekly run's
// benchmark, with its short benchmarks before maintenance (Preflight) and
// after it (Postflight, the seed's --baseline: the figure the next
// week's preflight is compared with).
type BenchFile struct {
	SchemaVersion int       `json:"schema_version"`
	Date          string    `json:"date"`
	GeneratedAt   time.Time `json:"generated_at"`
	// Each result says the rate it was asked for (target_rate): figures
	// taken at another rate are not comparable.
	Benchmark  *BenchResult `json:"benchmark,omitempty"`
	Preflight  *BenchResult `json:"preflight,omitempty"`
	Postflight *BenchResult `json:"postflight,omitempty"`
}

// BenchFileSchema is the BenchFile.SchemaVersion this build writes.
const BenchFileSchema = 1

const benchFilePrefix, benchFileSuffix = "performance-benchmark-", ".json"

// BenchFileName is the file of day: performance-benchmark-YYYYMMDD.json.
func BenchFileName(day time.Time) string {
	return benchFilePrefix + day.Format("20060102") + benchFileSuffix
}

// WriteBenchFile stores f in dir under BenchFileName(day), atomically,
// mode 0600, and returns its path.
func WriteBenchFile(dir string, f *BenchFile, day time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("creating reports dir %s: %w", dir, err)
	}
	f.SchemaVersion = BenchFileSchema
	f.Date = day.Format(time.DateOnly)
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding the benchmark: %w", err)
	}
	path := filepath.Join(dir, BenchFileName(day))
	if err := durable.WriteFile(path, append(b, '\n'), 0o600, "benchmark"); err != nil {
		return "", err
	}
	return path, nil
}

// ReadBenchFile reads one benchmark file; a file that is not one (bad
// JSON, a newer schema) is an error naming it.
func ReadBenchFile(path string) (*BenchFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading benchmark %s: %w", path, err)
	}
	return parseBenchFile(path, b)
}

// parseBenchFile decodes the contents b of the benchmark file path.
func parseBenchFile(path string, b []byte) (*BenchFile, error) {
	var f BenchFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("benchmark %s is not valid JSON (%v): move it aside, the next run writes a new one", path, err)
	}
	if f.SchemaVersion > BenchFileSchema {
		return nil, fmt.Errorf("benchmark %s has schema_version %d, newer than this fossamaint reads (%d): upgrade fossamaint", path, f.SchemaVersion, BenchFileSchema)
	}
	return &f, nil
}

// PreviousBenchFile is the newest benchmark file in dir of a day before
// day's, and its path; nil and "" when there is none. A file of another
// day that cannot be read is an error naming it, so a week-over-week
// comparison is never silently against an older week.
func PreviousBenchFile(dir string, day time.Time) (*BenchFile, string, error) {
	path, err := durable.NewestBefore(dir, benchFilePrefix, benchFileSuffix, day)
	if err != nil || path == "" {
		return nil, "", err
	}
	f, err := ReadBenchFile(path)
	if err != nil {
		return nil, "", err
	}
	return f, path, nil
}

// Reference is the file's figure a later week is compared with: the
// performance phase's benchmark, or when that did not run, the
// postflight baseline; nil when the file has neither.
func (f *BenchFile) Reference() *BenchResult {
	if f == nil {
		return nil
	}
	if f.Benchmark != nil {
		return f.Benchmark
	}
	return f.Postflight
}
