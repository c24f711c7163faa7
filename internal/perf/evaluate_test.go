package perf

import (
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

// healthyWeek is a week of hourly samples well under the seed's thresholds.
func healthyWeek(from time.Time) TrendReport {
	week := from.Add(7 * 24 * time.Hour)
	return TrendReport{
		Path: "perf.jsonl", From: from, To: week, Lines: 168, Samples: 168,
		First: from, Last: week.Add(-time.Hour),
		CPU:             Stat{N: 168, Avg: 20, P95: 40, Max: 60},
		Memory:          Stat{N: 168, Avg: 50, P95: 60, Max: 70},
		Disk:            DiskStat{N: 168, Avg: 60, Max: 61, Last: 61, LastAt: week.Add(-time.Hour), LastFreeGB: 88.1, HasFreeGB: true},
		ExpectedSamples: 168,
	}
}

func TestEvaluate(t *testing.T) {
	from := time.Date(2025, 1, 4, 2, 0, 0, 0, cet)
	healthy := healthyWeek(from)
	th := Thresholds{CPUPercent: 80, MemoryPercent: 85, DiskPercent: 85}
	with := func(f func(*TrendReport)) TrendReport { r := healthy; f(&r); return r }
	type want struct {
		sev finding.Severity
		msg string
	}
	tests := []struct {
		name string
		rep  TrendReport
		th   Thresholds
		want []want
	}{
		{"healthy", healthy, th, nil},
		{"no samples", with(func(r *TrendReport) {
			r.Samples, r.OutsideWindow, r.CPU, r.Memory, r.Disk = 0, 168, Stat{}, Stat{}, DiskStat{}
		}), th,
			[]want{{finding.Warning, "no metrics in the last 7 days"}}},
		{"no samples, 36h window", TrendReport{From: from, To: from.Add(36 * time.Hour)}, th,
			[]want{{finding.Warning, "no metrics in the last 36 hours"}}},
		{"cpu average", with(func(r *TrendReport) { r.CPU = Stat{N: 168, Avg: 85, P95: 79, Max: 99} }), th,
			[]want{{finding.Warning, "average CPU 85% above the 80% threshold"}}},
		{"cpu both", with(func(r *TrendReport) { r.CPU = Stat{N: 168, Avg: 85, P95: 97, Max: 99} }), th,
			[]want{{finding.Warning, "average CPU 85% and p95 97% above the 80% threshold"}}},
		{"cpu p95 only", with(func(r *TrendReport) { r.CPU = Stat{N: 168, Avg: 30, P95: 92, Max: 99} }), th,
			[]want{{finding.Warning, "CPU p95 92% above the 80% threshold (average 30% is below: bursts)"}}},
		{"memory", with(func(r *TrendReport) { r.Memory = Stat{N: 168, Avg: 90, P95: 95, Max: 99} }), th,
			[]want{{finding.Warning, "average memory 90% and p95 95% above the 85% threshold"}}},
		{"equal is not above", with(func(r *TrendReport) { r.CPU = Stat{N: 1, Avg: 80, P95: 80, Max: 80} }), th, nil},
		{"disk", with(func(r *TrendReport) { r.Disk.Last = 91.5 }), th,
			[]want{{finding.Warning, "disk 92% used, above the 85% threshold"}}},
		{"disk threshold disabled", with(func(r *TrendReport) { r.Disk.Last = 99 }), Thresholds{CPUPercent: 80}, nil},
		{"gaps 10% is fine", with(func(r *TrendReport) { r.MissingSamples = 16 }), th, nil},
		{"gaps over 10%", with(func(r *TrendReport) {
			r.MissingSamples, r.Gaps = 20, []Gap{{Start: from.Add(5 * time.Hour), Hours: 12}}
		}), th, []want{{finding.Warning, "20 of 168 hourly metrics samples missing (12%)"}}},
		{"gaps custom ratio", with(func(r *TrendReport) { r.MissingSamples = 10 }), Thresholds{MaxMissingRatio: 0.05},
			[]want{{finding.Warning, "10 of 168 hourly metrics samples missing"}}},
		{"malformed", with(func(r *TrendReport) { r.Malformed, r.MalformedLines = 7, []int{1, 2, 3, 4, 5} }), th,
			[]want{{finding.Info, "7 malformed metrics lines skipped"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.rep, tt.th)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if got[i].Severity != w.sev || !strings.Contains(got[i].Message, w.msg) || got[i].Evidence == "" {
					t.Errorf("finding %d = %+v, want %s %q with evidence", i, got[i], w.sev, w.msg)
				}
			}
		})
	}
}

func TestEvaluateEvidence(t *testing.T) {
	rep := TrendReport{Path: "p", From: time.Unix(0, 0), To: time.Unix(3600, 0), Samples: 1, ExpectedSamples: 1,
		Memory: Stat{N: 1, Avg: 99, P95: 99, Max: 99}, Malformed: 9, MalformedLines: []int{1, 2, 3, 4, 5}}
	fs := Evaluate(rep, Thresholds{MemoryPercent: 85})
	if len(fs) != 2 {
		t.Fatalf("findings %+v", fs)
	}
	if !strings.Contains(fs[0].Evidence, "page caches are never dropped") {
		t.Errorf("memory evidence %q should say nothing is dropped", fs[0].Evidence)
	}
	if fs[1].Evidence != "p: lines 1, 2, 3, 4, 5 (first 5 of 9)" {
		t.Errorf("malformed evidence %q", fs[1].Evidence)
	}
}
