package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// httpSave fetches URL into FILE, asserting a 200, for grep and promtool
// to read; with -wait DURATION it first polls the URL until it answers,
// for as long as DURATION (a server the script started in the background
// that first does other work, as demo --serve runs the demo):
// httpsave [-wait DURATION] URL FILE
func httpSave(ts *testscript.TestScript, neg bool, args []string) {
	wait := time.Duration(0)
	if len(args) > 2 && args[0] == "-wait" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		wait, args = d, args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: httpsave [-wait DURATION] URL FILE")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	deadline := time.Now().Add(wait)
	for {
		res, err := client.Get(args[0])
		if err == nil {
			body, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			ts.Check(rerr)
			if res.StatusCode != http.StatusOK {
				ts.Fatalf("GET %s: %s\n%s", args[0], res.Status, body)
			}
			ts.Check(os.WriteFile(ts.MkAbs(args[1]), body, 0o644))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("GET %s: %v (waited %s)", args[0], err, wait)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestServeFollowsTheHistory: serve started over a cleanly closed history
// shows the runs and steps a weekly run, another process, writes after it
// started: the runs list and /now read the history as it is, not as it was
// when serve opened it.
func TestServeFollowsTheHistory(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("root: inst\nstate_dir: state\nservices:\n  manager: none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "inst", "state")
	ctx := context.Background()
	at := time.Now().Add(-2 * time.Hour)
	first := &runbook.Run{RunID: runbook.NewRunID(at), Command: runbook.CommandWeekly, StartedAt: at, FinishedAt: at.Add(time.Minute), Status: runbook.RunOK}
	w, err := history.Open(ctx, state, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.RunFinished(ctx, first); err != nil {
		t.Fatal(err)
	}
	w.Close()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := startServe(sctx, t, cfg)
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).Find([]byte(srv.url))
	if m == nil {
		t.Fatalf("printed %q, want the URL", srv.url)
	}
	go io.Copy(io.Discard, srv.out)
	get := func(path string) string {
		t.Helper()
		res, err := http.Get(string(m) + path[1:])
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	if !strings.Contains(get("/"), first.RunID) {
		t.Fatalf("the runs page lacks the run %s", first.RunID)
	}

	// A weekly run starts while serve runs, and its first step.
	now := time.Now().Add(-time.Minute)
	live := &runbook.Run{RunID: runbook.NewRunID(now), Command: runbook.CommandWeekly, StartedAt: now, Status: runbook.RunRunning}
	w, err = history.Open(ctx, state, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.RunStarted(ctx, live); err != nil {
		t.Fatal(err)
	}
	if err := w.StepStarted(ctx, live.RunID, "preflight", "disk-space", runbook.ReadOnly); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(get("/"), live.RunID) {
		t.Errorf("the runs page does not show the run %s that started after serve", live.RunID)
	}
	if !strings.Contains(get("/now"), `data-step="preflight/disk-space"`) {
		t.Errorf("/now does not show the running step of the run that started after serve")
	}
	cancel()
	if c := <-srv.code; c != 0 {
		t.Errorf("serve exited %d after its context ended, want 0 (stderr %s)", c, srv.stderr.String())
	}
}
