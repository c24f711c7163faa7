package perf

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func newStallServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(StallHandler{Now: time.Now, Epoch: time.Now(), Cycle: 2 * time.Second, Service: 5 * time.Millisecond})
	t.Cleanup(srv.Close)
	return srv
}

// TestBenchStallServer is issue 12's first "done when": at 50/s for 10 s
// against a server that stalls every request for up to 500 ms in the last
// quarter of each 2 s cycle, a quarter of the requests wait 5-505 ms, so
// the open-loop p99 is about 485 ms and the p50 5 ms. A closed-loop
// client (one request after the other, as hey or ab) on the same server
// sends one request per stall instead of the ~25 queued behind it, and
// reports a p99 near 5 ms: coordinated omission, which the test shows
// side by side.
func TestBenchStallServer(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s of real time; run without -short")
	}
	if raceEnabled {
		t.Skip("timing test; the race detector's slowdown makes it meaningless")
	}
	open, closed := newStallServer(t), newStallServer(t)
	var wg sync.WaitGroup
	var closedHist *hdrhistogram.Histogram
	wg.Go(func() { closedHist = closedLoop(t, closed.URL, 10*time.Second) })
	res, err := Bench(t.Context(), BenchConfig{
		Targets: []BenchTarget{{Name: "stall", URL: open.URL}}, Rate: 50, Duration: 10 * time.Second,
	})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	l := res.Latency
	t.Logf("open loop: %d requests at %.1f/s, p50 %v p90 %v p99 %v p99.9 %v max %v",
		res.Requests, res.Rate, l.P50, l.P90, l.P99, l.P999, l.Max)
	if res.Requests != 500 || res.Errors != 0 {
		t.Errorf("requests %d errors %d, want 500 and 0", res.Requests, res.Errors)
	}
	if p99 := l.P99.D(); p99 < 400*time.Millisecond || p99 > 600*time.Millisecond {
		t.Errorf("open-loop p99 %v, want 400-600 ms (the true value is about 485 ms)", p99)
	}
	if l.P50.D() >= 50*time.Millisecond {
		t.Errorf("open-loop p50 %v, want under 50 ms", l.P50)
	}
	cl := latencyOf(closedHist)
	t.Logf("closed loop: %d requests, p50 %v p99 %v max %v", closedHist.TotalCount(), cl.P50, cl.P99, cl.Max)
	if cl.P99.D() > 50*time.Millisecond {
		t.Errorf("closed-loop p99 %v, want near 5 ms (coordinated omission hides the stalls)", cl.P99)
	}
	if cl.Max.D() < 300*time.Millisecond {
		t.Errorf("closed-loop max %v: the closed loop should still have met a stall", cl.Max)
	}
}

// closedLoop is what hey, ab and wrk do: one request, wait for it, the
// next; latency from the actual send.
func closedLoop(t *testing.T, url string, d time.Duration) *hdrhistogram.Histogram {
	h := newHist()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		start := time.Now()
		resp, err := http.Get(url)
		if err != nil {
			t.Error(err)
			return h
		}
		_ = resp.Body.Close()
		_ = h.RecordValue(max(time.Since(start).Microseconds(), 1))
	}
	return h
}
