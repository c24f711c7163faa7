package health

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

// statusServer answers /status/N with status N, /redirect/N with N
// redirects before a 200, and /hang by blocking until the client gives up.
func statusServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		w.WriteHeader(code)
		fmt.Fprint(w, strings.Repeat("x", 200<<10)) // larger than bodyLimit
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			fmt.Fprint(w, "ok")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// refusedURL returns a loopback URL nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/api/health"
}

func TestProbe(t *testing.T) {
	srv := statusServer(t)
	tests := []struct {
		name        string
		path        string
		url         string
		expect      []int
		timeout     time.Duration
		wantStatus  int
		wantHealthy bool
		wantErr     string
	}{
		{name: "200 expected", path: "/status/200", expect: []int{200}, wantStatus: 200, wantHealthy: true},
		{name: "401 accepted", path: "/status/401", expect: []int{200, 401}, wantStatus: 401, wantHealthy: true},
		{name: "401 not accepted", path: "/status/401", expect: []int{200}, wantStatus: 401, wantErr: "status 401, want 200"},
		{name: "500", path: "/status/500", expect: []int{200}, wantStatus: 500, wantErr: "status 500, want 200"},
		{name: "empty expect means 2xx", path: "/status/204", wantStatus: 204, wantHealthy: true},
		{name: "empty expect rejects 3xx", path: "/status/304", wantStatus: 304, wantErr: "want 2xx"},
		{name: "redirects followed", path: "/redirect/3", expect: []int{200}, wantStatus: 200, wantHealthy: true},
		{name: "too many redirects", path: "/redirect/5", expect: []int{200}, wantStatus: 302, wantErr: "status 302"},
		{name: "timeout", path: "/hang", expect: []int{200}, timeout: 100 * time.Millisecond, wantErr: "timed out after 100 ms"},
		{name: "connection refused", url: refusedURL(t), expect: []int{200}, wantErr: "connection refused"},
		{name: "bad URL", url: "http://[::1", wantErr: "invalid request"},
	}
	var c Checker
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			if u == "" {
				u = srv.URL + tt.path
			}
			res := c.Probe(t.Context(), Check{Name: tt.name, URL: u, Expect: tt.expect, Timeout: tt.timeout, Critical: true})
			if res.Status != tt.wantStatus || res.Healthy != tt.wantHealthy {
				t.Fatalf("status %d healthy %v, want %d %v (err %q)", res.Status, res.Healthy, tt.wantStatus, tt.wantHealthy, res.Err)
			}
			if tt.wantErr == "" && res.Err != "" {
				t.Fatalf("unexpected error %q", res.Err)
			}
			if tt.wantErr != "" && (!strings.Contains(res.Err, tt.wantErr) || !strings.Contains(res.Err, u)) {
				t.Fatalf("error %q should name %q and the URL", res.Err, tt.wantErr)
			}
			if !res.Critical || res.Name != tt.name || res.URL != u {
				t.Fatalf("identity not carried: %+v", res)
			}
			if res.Status != 0 && res.Latency <= 0 {
				t.Fatalf("latency not measured: %v", res.Latency)
			}
		})
	}
}

func TestProbeCancelledContext(t *testing.T) {
	srv := statusServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var c Checker
	res := c.Probe(ctx, Check{URL: srv.URL + "/status/200"})
	if res.Healthy || !strings.Contains(res.Err, "cancelled") {
		t.Fatalf("got %+v, want cancelled", res)
	}
}

func TestProbeAllKeepsOrder(t *testing.T) {
	srv := statusServer(t)
	var checks []Check
	for i := range 12 {
		code := []int{200, 401, 500}[i%3]
		checks = append(checks, Check{Name: fmt.Sprint(i), URL: fmt.Sprintf("%s/status/%d", srv.URL, code), Expect: []int{200}})
	}
	var c Checker
	results := c.ProbeAll(t.Context(), checks)
	if len(results) != len(checks) {
		t.Fatalf("got %d results", len(results))
	}
	for i, r := range results {
		want := []int{200, 401, 500}[i%3]
		if r.Name != fmt.Sprint(i) || r.Status != want || r.Healthy != (want == 200) {
			t.Errorf("result %d: %+v", i, r)
		}
	}
}

func TestProbeAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var c Checker
	results := c.ProbeAll(ctx, []Check{{Name: "a", URL: "http://127.0.0.1:1/"}, {Name: "b", URL: "http://127.0.0.1:1/"}})
	for _, r := range results {
		if r.Healthy || r.Err == "" {
			t.Errorf("cancelled probe reported %+v", r)
		}
	}
}

func TestCustomClientIsUsed(t *testing.T) {
	srv := statusServer(t)
	c := Checker{Client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	res := c.Probe(t.Context(), Check{URL: srv.URL + "/redirect/1", Expect: []int{302}})
	if !res.Healthy {
		t.Fatalf("custom client's redirect policy ignored: %+v", res)
	}
}

func TestFromConfig(t *testing.T) {
	eps := config.Default().Health.Endpoints
	checks := FromConfig(eps, 3*time.Second)
	if len(checks) != len(eps) {
		t.Fatalf("got %d checks for %d endpoints", len(checks), len(eps))
	}
	for i, c := range checks {
		if c.Name != eps[i].Name || c.URL != eps[i].URL || c.Critical != eps[i].Critical || c.Timeout != 3*time.Second {
			t.Errorf("check %d = %+v from %+v", i, c, eps[i])
		}
	}
	checks[3].Expect[0] = 999
	if eps[3].Expect[0] == 999 {
		t.Error("Expect slice shared with config")
	}
}
