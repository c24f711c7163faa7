package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ms2d(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestSummarise(t *testing.T) {
	tests := []struct {
		name                  string
		in                    []time.Duration
		min, med, p95, maxium time.Duration
	}{
		{"empty", nil, 0, 0, 0, 0},
		{"one", ms2d(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"odd unsorted", ms2d(30, 10, 20), 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 30 * time.Millisecond},
		{"even", ms2d(10, 20, 30, 40), 10 * time.Millisecond, 25 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond},
		{"twenty", ms2d(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100),
			1 * time.Millisecond, 10500 * time.Microsecond, 19 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarise(tt.in)
			if s.Samples != len(tt.in) || s.Min != tt.min || s.Median != tt.med || s.P95 != tt.p95 || s.Max != tt.maxium {
				t.Fatalf("got %+v", s)
			}
		})
	}
}

func TestRegression(t *testing.T) {
	st := func(median time.Duration) LatencyStats { return LatencyStats{Samples: 5, Median: median} }
	tests := []struct {
		name          string
		before, after LatencyStats
		threshold     float64
		pct           float64
		regressed     bool
	}{
		{"doubled", st(100 * time.Millisecond), st(200 * time.Millisecond), 50, 100, true},
		{"within threshold", st(100 * time.Millisecond), st(140 * time.Millisecond), 50, 40, false},
		{"faster", st(100 * time.Millisecond), st(50 * time.Millisecond), 50, -50, false},
		{"tiny baseline below floor", st(1 * time.Millisecond), st(4 * time.Millisecond), 50, 300, false},
		{"tiny baseline at floor", st(1 * time.Millisecond), st(6 * time.Millisecond), 50, 500, true},
		{"no baseline", LatencyStats{}, st(time.Second), 50, 0, false},
		{"no after", st(time.Second), LatencyStats{}, 50, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pct, reg := Regression(tt.before, tt.after, tt.threshold)
			if reg != tt.regressed || pct < tt.pct-0.001 || pct > tt.pct+0.001 {
				t.Fatalf("got %.3f%% %v, want %.3f%% %v", pct, reg, tt.pct, tt.regressed)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// every third request fails, so failures are counted, not sampled
		if n.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	var c Checker
	chk := Check{URL: srv.URL, Expect: []int{200}}

	st, err := c.Measure(t.Context(), chk, 9)
	if err != nil {
		t.Fatal(err)
	}
	if st.Samples != 6 || st.Failures != 3 {
		t.Fatalf("samples %d failures %d, want 6 and 3", st.Samples, st.Failures)
	}
	if !(st.Min > 0 && st.Min <= st.Median && st.Median <= st.P95 && st.P95 <= st.Max) {
		t.Fatalf("inconsistent stats %+v", st)
	}

	if _, err := c.Measure(t.Context(), chk, 0); err == nil {
		t.Error("n=0 accepted")
	}
	_, err = c.Measure(t.Context(), Check{URL: refusedURL(t)}, 2)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("all-failing measure: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Measure(ctx, chk, 3); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled measure: %v", err)
	}
}
