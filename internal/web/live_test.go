package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// writer opens the history as the weekly process does, with a clock the
// test sets.
func writer(t *testing.T, dir string, clock *time.Time) *history.Store {
	t.Helper()
	s, err := history.Open(context.Background(), dir, func() time.Time { return *clock })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNowPage(t *testing.T) {
	// Thursday 2026-12-24 10:00 in Chicago; the blackout covers the
	// Saturday after, so the next window is the one a week later.
	now := time.Date(2026, 12, 24, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t.TempDir(), 2, now)
	f.in.Window.Blackout = []runbook.Blackout{{First: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC),
		Last: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Entry: "2026-12-24..2027-01-01"}}
	_, body := f.get(t, "/now")
	for _, s := range []string{
		`<section class="card" id="next-window">`,
		`<time datetime="2027-01-02T08:00:00Z">Sat 2027-01-02 02:00 CST</time> – 04:00 CST`,
		`<li>Sat 2026-12-26: blackout 2026-12-24..2027-01-01</li>`,
		`<span class="badge status-warn">not sent</span> No notice went out in the last 8 days.`,
		`<p id="no-live">No run is in progress. The last one: <a href="/runs/` + f.ids[1] + `">`,
		`<a href="/now">Reload</a>`,
		`<script src="/static/live.js" defer></script>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("/now lacks %s", s)
		}
	}
	if strings.Contains(body, "http-equiv") {
		t.Error("/now must not refresh itself")
	}

	clock := now.Add(-time.Hour)
	w := writer(t, f.state, &clock)
	n := history.Notification{At: now.Add(-26 * time.Hour), Event: noticeEvent, WindowStart: time.Date(2027, 1, 2, 8, 0, 0, 0, time.UTC), Destinations: 2, Delivered: 2}
	if err := w.RecordNotification(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	run := &runbook.Run{RunID: "live-1", Command: runbook.CommandWeekly, StartedAt: clock, Status: runbook.RunRunning}
	must(t, w.RunStarted(context.Background(), run))
	must(t, w.StepStarted(context.Background(), "live-1", "preflight", "disk-space", runbook.ReadOnly))
	_, body = f.get(t, "/now")
	for _, s := range []string{
		`<span class="badge status-ok">sent</span> Sent Wed 2026-12-23 08:00 CST (26 h ago) to 2 of 2 destinations, for the window of Sat 2027-01-02 02:00 CST.`,
		`<ol id="live-steps" data-run-id="live-1">`,
		`<li data-step="preflight/disk-space" data-status="running" class="step-running">`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("/now with a live run lacks %s\n%s", s, body)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type sse struct{ name, data string }

// readEvents sends the stream's events (comments left out) on a channel.
func readEvents(t *testing.T, res *http.Response) <-chan sse {
	ch := make(chan sse, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					ch <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

func waitEvent(t *testing.T, ch <-chan sse, name string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before a %s event", name)
			}
			var d map[string]any
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
				t.Fatalf("event %s: %q: %v", ev.name, ev.data, err)
			}
			if ev.name == name && match(d) {
				return d
			}
		case <-deadline:
			t.Fatalf("no %s event within 10 s", name)
		}
	}
}

// A step the weekly process journals appears on the stream, then its
// outcome, then the run's end; the stream stops when the client goes.
func TestEventsStream(t *testing.T) {
	now := afterRuns(3)
	f := newFixture(t, t.TempDir(), 2, now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/now/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	events := readEvents(t, res)

	clock := now.Add(-time.Minute)
	w := writer(t, f.state, &clock)
	run := &runbook.Run{RunID: "live-2", Command: runbook.CommandWeekly, StartedAt: clock, Status: runbook.RunRunning}
	must(t, w.RunStarted(ctx, run))
	must(t, w.StepStarted(ctx, "live-2", "database", "optimize", runbook.Downtime))
	d := waitEvent(t, events, "step", func(d map[string]any) bool { return d["step"] == "optimize" })
	if d["run_id"] != "live-2" || d["phase"] != "database" || d["status"] != "running" || d["finished_at"] != nil || d["started_at"] == "" {
		t.Errorf("running step event %v", d)
	}
	res2 := runbook.StepResult{Name: "optimize", Kind: runbook.Downtime, StartedAt: clock, FinishedAt: clock.Add(20 * time.Second),
		Result: runbook.Result{Status: runbook.StatusWarn}}
	must(t, w.StepFinished(ctx, run, "database", res2))
	d = waitEvent(t, events, "step", func(d map[string]any) bool { return d["status"] != "running" })
	if d["status"] != "warn" || d["finished_at"] == nil {
		t.Errorf("finished step event %v", d)
	}
	run.Status, run.FinishedAt = runbook.RunWarn, clock.Add(time.Minute)
	must(t, w.RunFinished(ctx, run))
	d = waitEvent(t, events, "run", func(map[string]any) bool { return true })
	if d["run_id"] != "live-2" || d["status"] != "warn" {
		t.Errorf("run event %v", d)
	}
	cancel()
	// The handler returns once the client is gone: Close would wait for
	// it for ever otherwise.
	done := make(chan struct{})
	go func() { f.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream outlived its client")
	}
}

func TestLiveScriptIsCSPClean(t *testing.T) {
	f := newFixture(t, t.TempDir(), 0, afterRuns(1))
	code, js := f.get(t, "/static/live.js")
	if code != http.StatusOK || !strings.Contains(js, "new EventSource('/now/events')") {
		t.Fatalf("live.js: %d", code)
	}
	for _, bad := range []string{"eval(", "innerHTML", "new Function", "document.write", "setAttribute('style'"} {
		if strings.Contains(js, bad) {
			t.Errorf("live.js uses %s", bad)
		}
	}
}

// An idle stream carries heartbeat comments, and closing the server ends
// it (so http.Server.Shutdown can finish).
func TestEventsHeartbeatAndClose(t *testing.T) {
	defer func(d time.Duration) { heartbeatEvery = d }(heartbeatEvery)
	heartbeatEvery = 50 * time.Millisecond
	f := newFixture(t, t.TempDir(), 0, afterRuns(1))
	res, err := http.Get(f.srv.URL + "/now/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	beats := 0
	for beats < 2 && sc.Scan() {
		if sc.Text() == ": heartbeat" {
			beats++
		}
	}
	if beats < 2 {
		t.Fatalf("no heartbeats: %v", sc.Err())
	}
	must(t, f.s.Close())
	done := make(chan struct{})
	go func() {
		for sc.Scan() {
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the stream")
	}
}
