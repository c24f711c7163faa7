package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// tinyInstall writes just what the backend needs: a small database and
// demo-backend.json, with the simulators tuned by tune.
func tinyInstall(t *testing.T, tune func(*Settings)) (string, Settings) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "backend"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := createDB(context.Background(), filepath.Join(dir, "backend", "fossawork_v2.db"),
		dbSpec{WorkOrders: 300, Users: 3, History: 60 * 24 * time.Hour, Purge: 0.1}, newFaker(1, 1), time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	s := defaultSettings(addr, newFaker(1, 7))
	s.MaxWrites, s.AttackBursts = 0, 0
	if tune != nil {
		tune(&s)
	}
	if err := writeSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, loaded
}

// fixedClock pins the backend's log day so the test knows the file name.
func fixedClock() func() time.Time {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.Local)
	return func() time.Time { return t0 }
}

func TestBackendEndpoints(t *testing.T) {
	dir, s := tinyInstall(t, nil)
	b, err := newBackend(s, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	srv := httptest.NewServer(b.handler())
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path, body, auth string
		want                           int
		contains                       string
	}{
		{"health", "GET", "/api/health", "", "", 200, `"status":"healthy"`},
		{"work orders", "GET", "/api/work-orders", "", "", 200, `"count":50`},
		{"work orders page", "GET", "/api/work-orders?limit=5&offset=10", "", "", 200, `"count":5`},
		{"work orders bad limit", "GET", "/api/work-orders?limit=0", "", "", 400, "limit"},
		{"dispensers", "GET", "/api/dispensers?limit=3", "", "", 200, `"dispenser_number"`},
		{"validate without token", "GET", "/api/auth/validate", "", "", 401, "Not authenticated"},
		{"validate bad token", "GET", "/api/auth/validate", "", "Bearer nope", 401, "Not authenticated"},
		{"login failure", "POST", "/api/auth/login", `{"username":"admin","password":"wrong"}`, "", 401, "Incorrect"},
		{"login garbage", "POST", "/api/auth/login", `{`, "", 422, "JSON"},
		{"frontend", "GET", "/", "", "", 200, "FossaWork"},
		{"unknown", "GET", "/nope", "", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, tt.method, srv.URL+tt.path, tt.body, tt.auth)
			if code != tt.want || !strings.Contains(body, tt.contains) {
				t.Errorf("%s %s = %d %s; want %d containing %q", tt.method, tt.path, code, body, tt.want, tt.contains)
			}
		})
	}

	// A good login gives a token that validates.
	code, body := do(t, "POST", srv.URL+"/api/auth/login", `{"username":"admin","password":"`+s.Users[0].Password+`"}`, "")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("login = %d %s", code, body)
	}
	if code, body := do(t, "GET", srv.URL+"/api/auth/validate", "", "Bearer "+tok.AccessToken); code != 200 {
		t.Errorf("validate with token = %d %s", code, body)
	}

	checkAPILog(t, filepath.Join(dir, "logs/backend/backend-api-2026-11-28.jsonl"))
}

// checkAPILog: the failed login is logged with the client address, and
// every access-log line carries the fields the brief lists.
func checkAPILog(t *testing.T, path string) {
	t.Helper()
	apiLog := readFile(t, path)
	if !strings.Contains(apiLog, "Authentication failed: invalid credentials for user admin from 127.0.0.1") {
		t.Errorf("no auth failure line in the api log:\n%s", apiLog)
	}
	for _, l := range strings.Split(strings.TrimSpace(apiLog), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("api log line is not JSON: %q", l)
		}
		for _, k := range []string{"timestamp", "level", "logger", "message", "method", "path", "status_code", "duration_ms", "client_ip", "user_agent"} {
			if _, ok := e[k]; !ok {
				t.Errorf("api log line lacks %s: %s", k, l)
			}
		}
		if ts, _ := e["timestamp"].(string); strings.ContainsAny(ts, "Z+") {
			t.Errorf("timestamp %q carries a zone", ts)
		}
	}
}

func TestBackendHealthUnavailable(t *testing.T) {
	_, s := tinyInstall(t, nil)
	b, err := newBackend(s, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.handler())
	t.Cleanup(srv.Close)
	if err := b.db.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := do(t, "GET", srv.URL+"/api/health", "", ""); code != 503 || !strings.Contains(body, "unhealthy") {
		t.Errorf("health with a closed DB = %d %s", code, body)
	}
	b.api.close()
	b.general.close()
}

// TestBackendServe runs the real listener with both simulators until they
// finish, then cancels: serve must return with every goroutine stopped.
func TestBackendServe(t *testing.T) {
	dir, s := tinyInstall(t, func(s *Settings) {
		s.WriteIntervalMS, s.MaxWrites = 5, 12
		s.AttackBursts, s.AttackBurstSize, s.AttackIntervalMS = 2, 5, 5
	})
	b, err := newBackend(s, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	before := testkit.CountRows(t, s.DB, "work_orders")
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.serve(ctx, ln) }()
	if code, _ := do(t, "GET", "http://"+s.Addr+"/api/work-orders", "", ""); code != 200 {
		t.Errorf("work-orders over the real listener = %d", code)
	}
	waitFor(t, func() bool { return testkit.CountRows(t, s.DB, "work_orders") >= before+4 }, "the writer to insert work orders")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := b.close(); err != nil {
		t.Fatal(err)
	}
	apiLog := readFile(t, filepath.Join(dir, "logs/backend/backend-api-2026-11-28.jsonl"))
	if n := strings.Count(apiLog, `"client_ip": "203.0.113.7"`); n != 5 {
		t.Errorf("%d failed-login lines from 203.0.113.7, want 5", n)
	}
	if n := strings.Count(apiLog, `"client_ip": "198.51.100.23"`); n != 5 {
		t.Errorf("%d failed-login lines from 198.51.100.23, want 5", n)
	}
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Error("listener still accepts after shutdown")
	}
}

func TestRunBackendBadSettings(t *testing.T) {
	if err := RunBackend(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), SettingsFile) {
		t.Errorf("RunBackend without settings = %v", err)
	}
}

// waitFor polls cond until it holds; the bound is generous because the
// machine is shared, and the test fails rather than hangs.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func do(t *testing.T, method, url, body, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
