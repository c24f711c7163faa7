package perf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func metricsLine(at time.Time, cpu, mem, disk, load1 float64) string {
	return fmt.Sprintf(`{"timestamp":%q,"system":{"cpu_percent":%v,"memory_percent":%v,"disk_percent":%v},"load":{"load1":%v,"cpus":2}}`,
		FormatTimestamp(at, time.UTC), cpu, mem, disk, load1) + "\n"
}

func TestCheck(t *testing.T) {
	now := time.Date(2025, 1, 11, 14, 0, 0, 0, time.UTC)
	th := CheckThresholds{CPUPercent: 80, MemoryPercent: 85, DiskPercent: 90, LoadPercent: 100}
	old := metricsLine(now.Add(-2*time.Hour), 99, 99, 99, 9) // outside the hour
	tests := []struct {
		name     string
		lines    string
		rotated  string
		newest   int
		missing  bool
		samples  int
		warnings int
		status   map[string]string
		note     string
	}{
		{name: "all ok", lines: old + metricsLine(now.Add(-30*time.Minute), 10, 40, 50, 0.5) + metricsLine(now.Add(-time.Minute), 20, 41, 50, 0.7),
			samples: 2, status: map[string]string{"cpu": CheckOK, "memory": CheckOK, "disk": CheckOK, "load": CheckOK}},
		{name: "cpu average over, one spike is not", lines: metricsLine(now.Add(-2*time.Minute), 100, 40, 50, 0.5) + metricsLine(now.Add(-time.Minute), 10, 40, 50, 0.5),
			samples: 2, status: map[string]string{"cpu": CheckOK}},
		{name: "cpu average high", lines: metricsLine(now.Add(-2*time.Minute), 90, 40, 50, 0.5) + metricsLine(now.Add(-time.Minute), 85, 40, 50, 0.5),
			samples: 2, warnings: 1, status: map[string]string{"cpu": CheckWarning}},
		{name: "latest memory and disk count", lines: metricsLine(now.Add(-2*time.Minute), 10, 99, 99, 0.5) + metricsLine(now.Add(-time.Minute), 10, 86, 91, 0.5),
			samples: 2, warnings: 2, status: map[string]string{"memory": CheckWarning, "disk": CheckWarning}},
		{name: "load per cpu", lines: metricsLine(now.Add(-time.Minute), 10, 40, 50, 2.5),
			samples: 1, warnings: 1, status: map[string]string{"load": CheckWarning}},
		{name: "no sample in the hour", lines: old, warnings: 1, note: "no sample in the last 1h",
			status: map[string]string{"cpu": CheckNoData}},
		{name: "newest N ignores age", lines: old + metricsLine(now.Add(-3*time.Hour), 10, 40, 50, 0.5), newest: 1,
			samples: 1, status: map[string]string{"cpu": CheckOK}},
		{name: "rotated file fills the window", rotated: metricsLine(now.Add(-10*time.Minute), 90, 40, 50, 0.5), lines: metricsLine(now.Add(-time.Minute), 90, 40, 50, 0.5),
			samples: 2, warnings: 1, status: map[string]string{"cpu": CheckWarning}},
		{name: "malformed lines skipped", lines: "not json\n" + metricsLine(now.Add(-time.Minute), 10, 40, 50, 0.5),
			samples: 1, status: map[string]string{"cpu": CheckOK}},
		{name: "missing file", missing: true, warnings: 1, note: "no metrics file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.jsonl")
			if !tt.missing {
				write(t, path, tt.lines)
			}
			if tt.rotated != "" {
				write(t, path+".1", tt.rotated)
			}
			rep, err := Check(context.Background(), path, CheckOptions{Now: now, Newest: tt.newest, Loc: time.UTC, Th: th})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Samples != tt.samples || rep.Warnings != tt.warnings {
				t.Errorf("samples %d warnings %d, want %d %d (%+v)", rep.Samples, rep.Warnings, tt.samples, tt.warnings, rep)
			}
			if !strings.Contains(rep.Note, tt.note) {
				t.Errorf("note %q lacks %q", rep.Note, tt.note)
			}
			for _, c := range rep.Checks {
				if want, ok := tt.status[c.Name]; ok && c.Status != want {
					t.Errorf("%s: %s (%v %s), want %s", c.Name, c.Status, c.Value, c.Basis, want)
				}
			}
		})
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
