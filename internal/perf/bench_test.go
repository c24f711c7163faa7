package perf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		err  bool
	}{
		{"50", 50, false}, {"50/s", 50, false}, {"3000/m", 50, false}, {"100/2s", 50, false},
		{"0", 0, true}, {"-1/s", 0, true}, {"x/s", 0, true}, {"5/y", 0, true}, {"5/0s", 0, true},
	} {
		got, err := ParseRate(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCheckBenchURL(t *testing.T) {
	conf := []string{"https://fossa.example.com/health"}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8000/health", true},
		{"http://localhost/api", true},
		{"http://[::1]:80/x", true},
		{"https://fossa.example.com/health", true},
		{"https://fossa.example.com/other", false},
		{"http://10.0.0.1/health", false},
		{"ftp://127.0.0.1/x", false},
		{"127.0.0.1:8000", false},
		{"http://user:hunter2@example.com/", false},
	} {
		err := CheckBenchURL(tc.url, conf)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBenchURL(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the URL's password: %v", err)
		}
	}
}

func TestBenchValidate(t *testing.T) {
	tg := []BenchTarget{{URL: "http://127.0.0.1/"}}
	for name, c := range map[string]BenchConfig{
		"no targets": {Rate: 1, Requests: 1},
		"no rate":    {Targets: tg, Requests: 1},
		"fast":       {Targets: tg, Rate: MaxBenchRate + 1, Requests: 1},
		"unbounded":  {Targets: tg, Rate: 1},
		"long":       {Targets: tg, Rate: 1, Duration: MaxBenchDuration + time.Second},
		"many":       {Targets: tg, Rate: 1, Requests: MaxBenchRequests + 1},
	} {
		if _, err := Bench(t.Context(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestBenchCounts: requests bound, round-robin, errors by status, the
// auth header sent.
func TestBenchCounts(t *testing.T) {
	var authed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("method %s, want GET only", r.Method)
		}
		if r.Header.Get("Authorization") == "Bearer s3cret" {
			authed.Add(1)
		}
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	res, err := Bench(t.Context(), BenchConfig{
		Targets: []BenchTarget{{Name: "ok", URL: srv.URL + "/ok"}, {Name: "bad", URL: srv.URL + "/bad"}, {Name: "closed", URL: "http://127.0.0.1:1/"}},
		Rate:    300, Requests: 30, Auth: "Bearer s3cret",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 30 || res.Errors != 20 {
		t.Errorf("requests %d errors %d, want 30 and 20", res.Requests, res.Errors)
	}
	if got := res.Endpoints[1].ErrorsByStatus["503"]; got != 10 {
		t.Errorf("503s %d, want 10: %+v", got, res.Endpoints[1])
	}
	if got := res.Endpoints[2].ErrorsByStatus["connection"]; got != 10 {
		t.Errorf("connection errors %d, want 10: %+v", got, res.Endpoints[2])
	}
	if authed.Load() != 20 {
		t.Errorf("%d requests carried the auth header, want 20", authed.Load())
	}
}

// TestBenchCancel: a cancelled run returns what it measured; a full
// in-flight cap says the rate was not sustained.
func TestBenchCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		time.Sleep(200 * time.Millisecond)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	res, err := Bench(ctx, BenchConfig{Targets: []BenchTarget{{URL: srv.URL}}, Rate: 100, Duration: time.Minute, MaxInFlight: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Sustained || !strings.Contains(res.Note, "rate not sustained") {
		t.Errorf("interrupted %v sustained %v note %q", res.Interrupted, res.Sustained, res.Note)
	}
	if res.Requests == 0 || res.Requests > 10 {
		t.Errorf("%d requests measured", res.Requests)
	}
}

// TestBenchStopsWhenNothingAnswers: when every endpoint refuses every
// connection, the benchmark stops after a few requests instead of
// sending the whole duration's into nothing; one endpoint that answers
// keeps it going.
func TestBenchStopsWhenNothingAnswers(t *testing.T) {
	res, err := Bench(context.Background(), BenchConfig{Targets: []BenchTarget{{Name: "closed", URL: "http://127.0.0.1:1/"}},
		Rate: 1000, Requests: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests >= 5000 || res.Errors != res.Requests || res.Sustained || !strings.Contains(res.Note, "stopped early") {
		t.Fatalf("got %d requests, %d errors, note %q: want an early stop", res.Requests, res.Errors, res.Note)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	res, err = Bench(context.Background(), BenchConfig{Targets: []BenchTarget{{Name: "closed", URL: "http://127.0.0.1:1/"}, {Name: "ok", URL: srv.URL}},
		Rate: 1000, Requests: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || strings.Contains(res.Note, "stopped early") {
		t.Fatalf("got %d requests, note %q: want all 200", res.Requests, res.Note)
	}
}
