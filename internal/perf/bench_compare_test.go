package perf

import (
	"testing"
	"time"
)

func TestCompareBench(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name          string
		before, after *BenchResult
		// want is each of p50, p95, p99: "" not compared, "=" compared,
		// "R" regressed.
		want [3]string
	}{
		{"no before", nil, benchOf("h", 600, ms, 2*ms, 3*ms), [3]string{"", "", ""}},
		{"same", benchOf("h", 600, ms, 2*ms, 3*ms), benchOf("h", 600, ms, 2*ms, 3*ms), [3]string{"=", "=", "="}},
		{"tail slower by far", benchOf("h", 600, ms, 2*ms, 3*ms), benchOf("h", 600, ms, 20*ms, 300*ms), [3]string{"=", "R", "R"}},
		// +200 % but 2 ms: under the floor.
		{"slower under the floor", benchOf("h", 600, ms, ms, ms), benchOf("h", 600, 3*ms, 3*ms, 3*ms), [3]string{"=", "=", "="}},
		// +40 %: under the threshold (50 %) whatever the floor.
		{"slower under the threshold", benchOf("h", 600, 100*ms, 100*ms, 100*ms), benchOf("h", 600, 140*ms, 140*ms, 140*ms), [3]string{"=", "=", "="}},
		// 120 requests: the p99 is one of the slowest two, not compared.
		{"too few for p99", benchOf("h", 120, ms, 2*ms, 3*ms), benchOf("h", 120, ms, 20*ms, 300*ms), [3]string{"=", "R", ""}},
		{"too few for p95", benchOf("h", 40, ms, 2*ms, 3*ms), benchOf("h", 600, 10*ms, 20*ms, 300*ms), [3]string{"R", "", ""}},
		{"too few for any", benchOf("h", 9, ms, 2*ms, 3*ms), benchOf("h", 600, 10*ms, 20*ms, 300*ms), [3]string{"", "", ""}},
		{"another endpoint", benchOf("other", 600, ms, 2*ms, 3*ms), benchOf("h", 600, ms, 20*ms, 300*ms), [3]string{"", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CompareBench(tc.before, tc.after, 50, 5*ms)
			if len(got) != 1 || len(got[0].Percentiles) != 3 {
				t.Fatalf("got %+v", got)
			}
			for i, p := range got[0].Percentiles {
				g := ""
				switch {
				case p.Regressed:
					g = "R"
				case p.Compared:
					g = "="
				}
				if g != tc.want[i] {
					t.Errorf("%s: got %q, want %q (%+v)", p.Name, g, tc.want[i], p)
				}
			}
			if n := len(got[0].Regressed()); n != countR(tc.want) {
				t.Errorf("Regressed() has %d, want %d", n, countR(tc.want))
			}
		})
	}
}

func TestCompareBenchAllFailed(t *testing.T) {
	before := benchOf("h", 600, time.Millisecond, time.Millisecond, time.Millisecond)
	after := benchOf("h", 600, time.Second, time.Second, time.Second)
	after.Endpoints[0].Errors = 600
	for _, p := range CompareBench(before, after, 50, time.Millisecond)[0].Percentiles {
		if p.Compared {
			t.Errorf("%s compared on an endpoint that only failed", p.Name)
		}
	}
}

func TestMinSamplesText(t *testing.T) {
	if got := MinSamplesText(); got != "p50: 10, p95: 100, p99: 500" {
		t.Errorf("got %q", got)
	}
}

func TestErrorsText(t *testing.T) {
	if got := ErrorsText(0, nil); got != "0" {
		t.Errorf("got %q", got)
	}
	if got := ErrorsText(12, map[string]int{"timeout": 2, "503": 10}); got != "12 (503: 10, timeout: 2)" {
		t.Errorf("got %q", got)
	}
}

func countR(w [3]string) int {
	n := 0
	for _, s := range w {
		if s == "R" {
			n++
		}
	}
	return n
}
