package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// TestServeTLS: with serve.tls the dashboard speaks HTTPS with the given
// certificate (made here), its login cookie is Secure, and a cancelled
// context (the signal) stops it gracefully with exit 0.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	pool := testkit.WriteSelfSigned(t, filepath.Join(dir, "dash.crt"), filepath.Join(dir, "dash.key"))
	if err := os.MkdirAll(filepath.Join(dir, "inst"), 0o700); err != nil {
		t.Fatal(err)
	}
	const token = "tls-test-token-0123456789abcdef"
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("root: inst\nstate_dir: state\nservices:\n  manager: none\nserve:\n  auth:\n    token: "+token+
		"\n  tls:\n    cert: "+filepath.Join(dir, "dash.crt")+"\n    key: "+filepath.Join(dir, "dash.key")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startServe(ctx, t, cfg)
	m := regexp.MustCompile(`https://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(srv.url)
	if m == nil {
		t.Fatalf("printed %q, want an https URL", srv.url)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get("https://" + m[1] + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(res.Cookies()) == 0 || !res.Cookies()[0].Secure {
		t.Fatalf("GET /login over TLS: %d, cookies %v: want 200 and a Secure cookie", res.StatusCode, res.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, "https://"+m[1]+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "no finished weekly run") {
		t.Fatalf("/metrics with an empty history: %d %q", res.StatusCode, body)
	}
	cancel()
	c, rest := srv.wait()
	if c != ExitOK || !strings.Contains(rest, "dashboard stopped") {
		t.Fatalf("after the signal: exit %d, stdout %q, stderr %q", c, rest, srv.stderr.String())
	}
	if strings.Contains(srv.stderr.String(), token) {
		t.Fatal("the token is in serve's log")
	}
}

// servedCmd is `fossamaint serve` running in the test's process.
type servedCmd struct {
	// url is the first line serve printed, with the URL it serves.
	url    string
	stderr *syncBuffer
	out    io.Reader
	code   chan int
}

// startServe runs `serve --config cfg --addr 127.0.0.1:0` until ctx ends
// and waits for the line with its URL.
func startServe(ctx context.Context, t *testing.T, cfg string) *servedCmd {
	t.Helper()
	outR, outW := io.Pipe()
	s := &servedCmd{stderr: &syncBuffer{}, out: outR, code: make(chan int, 1)}
	go func() {
		s.code <- Main(ctx, []string{"serve", "--config", cfg, "--addr", "127.0.0.1:0"}, outW, s.stderr)
		outW.Close()
	}()
	line := make([]byte, 256)
	n, err := outR.Read(line)
	if err != nil {
		t.Fatalf("no URL printed: %v (stderr %s)", err, s.stderr.String())
	}
	s.url = string(line[:n])
	return s
}

// wait is serve's exit code and the rest of its output, once ctx ended.
func (s *servedCmd) wait() (int, string) {
	rest, _ := io.ReadAll(s.out)
	return <-s.code, string(rest)
}

// TestLatestFinishedIsTheTextfilesRun: /metrics serves the run the
// textfile holds: the newest whole weekly run that ended, not a newer run
// of some phases only, nor one still running.
func TestLatestFinishedIsTheTextfilesRun(t *testing.T) {
	ctx := context.Background()
	store, err := history.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if run, err := latestFinished(ctx, store); err != nil || run != nil {
		t.Fatalf("empty history: %v, %v; want none", run, err)
	}
	day := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for i, r := range []struct {
		partial bool
		status  runbook.RunStatus
	}{{false, runbook.RunWarn}, {true, runbook.RunOK}, {false, runbook.RunRunning}} {
		run := &runbook.Run{RunID: fmt.Sprintf("run-%d", i), Command: runbook.CommandWeekly, Partial: r.partial,
			StartedAt: day.Add(time.Duration(i) * time.Hour), Status: r.status}
		if r.status != runbook.RunRunning {
			run.FinishedAt = run.StartedAt.Add(time.Minute)
		}
		if err := store.RunFinished(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	run, err := latestFinished(ctx, store)
	if err != nil || run == nil || run.RunID != "run-0" {
		t.Fatalf("latest finished: %v, %v; want run-0 (run-1 is partial, run-2 running)", run, err)
	}
}
