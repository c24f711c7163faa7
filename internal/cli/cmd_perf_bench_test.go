package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPerfBenchAuth: the value of FOSSAMAINT_BENCH_AUTH goes to the server
// as the Authorization header of every request and nowhere else.
func TestPerfBenchAuth(t *testing.T) {
	const secret = "Bearer perf-bench-test-secret"
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == secret {
			got.Add(1)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	yaml := "root: " + dir + "\nstate_dir: " + filepath.Join(dir, "state") +
		"\nservices:\n  manager: none\nhealth:\n  endpoints:\n    - name: api\n      url: " + srv.URL + "/api/health\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(benchAuthEnv, secret)
	for _, args := range [][]string{
		{"perf", "bench", "--config", cfg, "--requests", "5", "--rate", "500/s"},
		{"perf", "bench", "--config", cfg, "--requests", "5", "--rate", "500/s", "--json"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(t.Context(), args, &out, &errOut); code != ExitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errOut.String())
		}
		if s := out.String() + errOut.String(); strings.Contains(s, "perf-bench-test-secret") || !strings.Contains(s, "api") {
			t.Errorf("%v: output shows the secret or lacks the endpoint:\n%s", args, s)
		}
	}
	if got.Load() != 10 {
		t.Errorf("%d requests carried the auth header, want 10", got.Load())
	}
}
