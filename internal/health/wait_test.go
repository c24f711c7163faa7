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

// healthyAfter answers 503 to the first n requests and 200 afterwards.
func healthyAfter(t *testing.T, n int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) <= n {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func TestWaitHealthy(t *testing.T) {
	tests := []struct {
		name     string
		failures int64
	}{
		{"healthy at once", 0},
		{"healthy after 1", 1},
		{"healthy after 4", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, count := healthyAfter(t, tt.failures)
			res, err := WaitHealthy(t.Context(), &Checker{}, Check{URL: srv.URL, Expect: []int{200}},
				time.Minute, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Healthy || count.Load() != tt.failures+1 {
				t.Fatalf("healthy %v after %d requests, want %d", res.Healthy, count.Load(), tt.failures+1)
			}
		})
	}
}

func TestWaitHealthyGivesUp(t *testing.T) {
	srv, _ := healthyAfter(t, 1<<40)
	// The deadline comes from ctx so the test does not depend on timing
	// luck: whatever the machine's speed, the service never gets healthy.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	res, err := WaitHealthy(ctx, nil, Check{URL: srv.URL, Expect: []int{200}}, time.Minute, time.Millisecond)
	if err == nil {
		t.Fatal("never-healthy service reported healthy")
	}
	if res.Healthy || res.Status != http.StatusServiceUnavailable {
		t.Fatalf("last result %+v", res)
	}
	for _, want := range []string{srv.URL, "not healthy after", "status 503"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestWaitHealthyKeepsTheLastAnswer: when the deadline cuts a probe short,
// the result is the service's last answer (503), not the cut-short probe
// (no status, "cancelled"), which says nothing about the service. The
// deadline is a cancel made by the server inside the second request, so
// the test does not depend on timing: TestWaitHealthyGivesUp failed this
// way when the deadline fell during a probe.
func TestWaitHealthyKeepsTheLastAnswer(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		cancel()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	res, err := WaitHealthy(ctx, nil, Check{URL: srv.URL, Expect: []int{200}}, time.Minute, time.Millisecond)
	if err == nil {
		t.Fatal("never-healthy service reported healthy")
	}
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("last result %+v, error %v; want the 503 answer", res, err)
	}
}

func TestWaitHealthyTimeoutArgument(t *testing.T) {
	u := refusedURL(t)
	_, err := WaitHealthy(t.Context(), nil, Check{URL: u}, 50*time.Millisecond, 0)
	if err == nil || !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("got %v", err)
	}
}
