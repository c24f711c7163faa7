package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "c.yaml")
	body := "root: .\nstate_dir: state\nservices:\n  manager: none\nupdates:\n  apt: {enabled: false}\n  pip: {enabled: false}\n  npm: {enabled: false}\nhealth:\n  endpoints: []\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSecondRunGetsExit75WithHolderPID(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	lock, err := runbook.AcquireLock(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, stderr := run(context.Background(), "weekly", "--config", cfg, "--force-window")
	if code != ExitLocked {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitLocked, stderr)
	}
	if want := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not name the holder (%s)", stderr, want)
	}
	// With --json the refusal is a JSON object on stdout as well.
	code, stdout, _ := run(context.Background(), "weekly", "--config", cfg, "--force-window", "--json")
	var got jsonError
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != ExitLocked || got.ExitCode != ExitLocked || !strings.Contains(got.Error, "pid") {
		t.Errorf("--json: exit %d, stdout %q (%v); want exit %d and {\"error\": ..., \"exit_code\": %d}", code, stdout, err, ExitLocked, ExitLocked)
	}
}

func TestInterruptedRunExits130AndStillReports(t *testing.T) {
	dir := t.TempDir()
	hit := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		<-r.Context().Done() // hang until the client gives up
	}))
	defer srv.Close()
	cfg := filepath.Join(dir, "c.yaml")
	body := "root: .\nstate_dir: state\nservices:\n  manager: none\nhealth:\n  timeout: 1m\n  endpoints:\n    - {name: health, url: '" + srv.URL + "', expect: [200], critical: true}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-hit; cancel() }() // Ctrl-C while preflight measures latency
	code, stdout, stderr := run(ctx, "weekly", "--config", cfg, "--force-window")
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "report: ") {
		t.Fatalf("an interrupted run still writes its report; stdout %q", stdout)
	}
	if !strings.Contains(stderr, "skipped") || !strings.Contains(stderr, "interrupted") {
		t.Errorf("remaining steps should be shown as not run:\n%s", stderr)
	}
}

func TestUnreachableBackendFailsPostflightWithURL(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	body := "root: .\nstate_dir: state\nservices:\n  manager: none\nhealth:\n  endpoints:\n    - {name: health, url: 'http://127.0.0.1:1/api/health', expect: [200], critical: true}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := run(context.Background(), "postflight", "--config", cfg)
	if code != ExitFail {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stdout, "http://127.0.0.1:1/api/health is not healthy") {
		t.Errorf("output does not name the URL:\n%s", stdout)
	}
}

func TestPruneDemoKeepsOnlyReports(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"backend/fossawork_v2.db", "logs/backend/a.jsonl", "logs/reports/maintenance-x.md", "state/history.db"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	(&app{}).pruneDemo(dir)
	var left []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, rel)
		}
		return nil
	})
	if len(left) != 1 || left[0] != filepath.Join("logs", "reports", "maintenance-x.md") {
		t.Fatalf("left %v", left)
	}
}

// TestOffsiteCommandsRefusedWhileLocked: backup push and backup prune
// (local or --offsite), dry or not, refuse with exit 75 and the holder's
// pid while another run (a weekly run's backups/offsite step) holds the
// state-dir lock, before they list or send anything.
func TestOffsiteCommandsRefusedWhileLocked(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens there: a command that got past the lock would
	// fail with a connection error, not 75.
	f.WriteString("backups:\n  offsite:\n    url: s3://bucket/fleet\n    endpoint: http://127.0.0.1:1\n    path_style: true\n")
	f.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key-id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	lock, err := runbook.AcquireLock(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	for _, args := range [][]string{
		{"backup", "push"},
		{"backup", "push", "--dry-run"},
		{"backup", "push", "--json"},
		{"backup", "prune", "--offsite"},
		{"backup", "prune", "--offsite", "--dry-run"},
		{"backup", "prune"},
	} {
		code, stdout, stderr := run(context.Background(), append(args, "--config", cfg)...)
		if code != ExitLocked {
			t.Errorf("%v: exit %d, want %d; stdout %s stderr %s", args, code, ExitLocked, stdout, stderr)
			continue
		}
		if want := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(stderr+stdout, want) {
			t.Errorf("%v: output %q %q does not name the holder (%s)", args, stdout, stderr, want)
		}
	}
}
