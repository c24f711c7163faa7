package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
)

// The live page's server-sent events: the stream polls the journal (the
// steps table the weekly process writes as each step starts and ends) and
// sends what changed. Polling a local SQLite file twice a second costs
// little, and needs nothing from the writer.
// pollEvery and heartbeatEvery are variables for the tests.
var (
	pollEvery = 500 * time.Millisecond
	// heartbeatEvery: a comment line now and then, so proxies keep an
	// idle stream open.
	heartbeatEvery = 15 * time.Second
)

// stepEvent is the data of a step event.
type stepEvent struct {
	RunID      string     `json:"run_id"`
	Phase      string     `json:"phase"`
	Step       string     `json:"step"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// runEvent is the data of a run event: the run ended.
type runEvent struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}

// follower is one stream's state: the run it follows and what it sent.
type follower struct {
	runID string
	sent  map[string]stepEvent
}

// events is GET /now/events. It ends when the client goes (the request's
// context), never on its own.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	// A server's WriteTimeout would cut the stream: it has none.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	fmt.Fprint(w, "retry: 3000\n: fossamaint live steps\n\n")
	fl.Flush()
	ctx := r.Context()
	stop := s.stopping()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	f := &follower{}
	lastProblem := ""
	for {
		if err := s.pollOnce(ctx, w, f); err != nil {
			if ctx.Err() != nil {
				return
			}
			if err.Error() != lastProblem { // once, not twice a second
				lastProblem = err.Error()
				_ = writeEvent(w, "problem", lastProblem)
			}
		} else {
			lastProblem = ""
		}
		fl.Flush()
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-beat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		case <-poll.C:
		}
	}
}

// pollOnce sends the steps of the followed run that changed since the
// last poll, and a run event when it ended; with no run followed, it looks
// for a running one.
func (s *Server) pollOnce(ctx context.Context, w http.ResponseWriter, f *follower) error {
	store, err := s.history(ctx)
	if err != nil || store == nil {
		return err
	}
	if f.runID == "" {
		live, ok, err := store.LiveRun(ctx, s.o.Now().Add(-liveSince))
		if err != nil || !ok {
			return err
		}
		f.runID, f.sent = live.ID, map[string]stepEvent{}
	}
	steps, err := store.Steps(ctx, f.runID)
	if err != nil {
		return err
	}
	for _, st := range steps {
		ev := eventOf(f.runID, st)
		key := st.Phase + "/" + st.Step
		if prev, ok := f.sent[key]; ok && sameStep(prev, ev) {
			continue
		}
		if err := writeEvent(w, "step", ev); err != nil {
			return err
		}
		f.sent[key] = ev
	}
	status, err := store.Status(ctx, f.runID)
	if err != nil {
		return err
	}
	if status != "running" {
		if err := writeEvent(w, "run", runEvent{RunID: f.runID, Status: string(status)}); err != nil {
			return err
		}
		f.runID, f.sent = "", nil
	}
	return nil
}

func eventOf(runID string, st history.StepRow) stepEvent {
	ev := stepEvent{RunID: runID, Phase: st.Phase, Step: st.Step, Status: st.Status, StartedAt: st.StartedAt}
	if !st.FinishedAt.IsZero() {
		fin := st.FinishedAt
		ev.FinishedAt = &fin
	}
	return ev
}

func sameStep(a, b stepEvent) bool {
	return a.Status == b.Status && a.StartedAt.Equal(b.StartedAt) && (a.FinishedAt == nil) == (b.FinishedAt == nil) &&
		(a.FinishedAt == nil || a.FinishedAt.Equal(*b.FinishedAt))
}

func writeEvent(w http.ResponseWriter, name string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	return err
}
