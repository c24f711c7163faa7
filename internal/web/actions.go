package web

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Action is something the dashboard can run on a POST: the serve command
// provides them (verify the newest backup, a weekly dry run), since this
// package runs nothing of the procedure itself. None is destructive.
type Action struct {
	// Name is the URL segment: POST /actions/{Name}.
	Name        string
	Title       string
	Description string
	// Run does it and says how it went, already redacted: the result
	// page shows the summary and the error as they are.
	Run func(ctx context.Context) (summary string, err error)
	// Timeout bounds one run; 0 means DefaultActionTimeout.
	Timeout time.Duration
}

// DefaultActionTimeout bounds an action without its own Timeout.
const DefaultActionTimeout = 15 * time.Minute

// actionState is the action running, one at a time.
type actionState struct {
	mu      sync.Mutex
	running string
}

// start claims the one slot for name; false when another action holds it.
func (a *actionState) start(name string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running != "" {
		return a.running, false
	}
	a.running = name
	return "", true
}

func (a *actionState) done() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.running = ""
}

func (a *actionState) current() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

// actionsData is what actions.html shows: the actions, the one running,
// and on a POST its result.
type actionsData struct {
	Actions []Action
	Running string
	Result  *actionResult
}

type actionResult struct {
	Name, Title, Summary, Error string
	// Status is ok, fail or busy (another action was running).
	Status   string
	Duration time.Duration
}

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, "actions.html", "Actions", "actions", actionsData{Actions: s.o.Actions, Running: s.guard.actions.current()})
}

// runAction runs one action and shows its result: 404 for an unknown
// name, 409 while another runs.
func (s *Server) runAction(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var act *Action
	for i := range s.o.Actions {
		if s.o.Actions[i].Name == r.PathValue("name") {
			act = &s.o.Actions[i]
		}
	}
	if act == nil {
		http.Error(w, "no such action: GET /actions lists them", http.StatusNotFound)
		return
	}
	data := actionsData{Actions: s.o.Actions}
	if other, ok := s.guard.actions.start(act.Name); !ok {
		data.Running = other
		data.Result = &actionResult{Name: act.Name, Title: act.Title, Status: "busy",
			Error: "another action (" + other + ") is running: one at a time; reload this page when it has finished"}
		s.renderStatus(w, r, http.StatusConflict, "actions.html", "Actions", "actions", data)
		return
	}
	defer s.guard.actions.done()
	timeout := act.Timeout
	if timeout <= 0 {
		timeout = DefaultActionTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	start := time.Now()
	summary, err := act.Run(ctx)
	res := &actionResult{Name: act.Name, Title: act.Title, Summary: summary, Status: "ok", Duration: time.Since(start).Round(time.Millisecond)}
	if err != nil {
		res.Status, res.Error = "fail", err.Error()
		if ctx.Err() == context.DeadlineExceeded {
			res.Error = "stopped after " + timeout.String() + ": " + res.Error
		}
	}
	data.Result = res
	s.render(w, r, "actions.html", "Actions", "actions", data)
}
