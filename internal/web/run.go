package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// reportScope is the element that holds a run's report: the report's
// style sheet (/static/report.css) applies under it only.
const reportScope = "#report"

// reportCSS is the report's style sheet, scoped; made once.
var reportCSS = report.CSS(reportScope)

func (s *Server) reportCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	fmt.Fprint(w, reportCSS)
}

type runView struct {
	ID, Status, StatusClass string
	// Report is the HTML report's body, rendered by package report
	// (html/template, redacted): the same content as the report file.
	Report   template.HTML
	Timeline []timelineStep
	// Took is the span the timeline covers.
	Took string
}

// timelineStep is one step on the run's time axis: X and W place its bar
// on a 0..1000 axis (an SVG's user units: the CSP forbids style
// attributes, not SVG geometry).
type timelineStep struct {
	Key, Status, StatusClass string
	Offset, Duration         string
	X, W                     float64
	Ran                      bool
}

// runPage is GET /runs/{id}: the run's report from the history (not the
// report files: a deleted file does not matter) and its step timeline.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	store, err := s.history(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "%s", err)
		return
	}
	if store == nil {
		s.fail(w, r, http.StatusNotFound, "There is no history yet, so no run %q.", id)
		return
	}
	run, err := store.Get(r.Context(), id)
	if errors.Is(err, history.ErrNoRuns) {
		s.fail(w, r, http.StatusNotFound, "No run %q in the history.", id)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "%s", err)
		return
	}
	run = run.In(s.zone())
	var secrets []string
	if s.o.Installation != nil {
		// A secret that cannot be read (the .env file went) is one the
		// report cannot contain either: render with the others.
		secrets, _ = s.o.Installation.Secrets()
	}
	var b bytes.Buffer
	if err := report.HTMLBody(&b, run, report.Options{Secrets: secrets}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "rendering run %s: %s", id, err)
		return
	}
	v := runView{ID: run.RunID, Status: string(run.Status), StatusClass: statusClass(string(run.Status)),
		Report: template.HTML(b.String())} //nolint:gosec // package report's html/template output, redacted
	v.Timeline, v.Took = timeline(run)
	s.render(w, r, "run.html", "Run "+run.RunID, "runs", v)
}

// timeline places every step of run on one axis from the run's start to
// its end (or its last step's, for a run that did not finish).
func timeline(run *runbook.Run) ([]timelineStep, string) {
	start, end := run.StartedAt, run.FinishedAt
	for _, p := range run.Phases {
		for _, st := range p.Steps {
			if st.FinishedAt.After(end) {
				end = st.FinishedAt
			}
		}
	}
	total := end.Sub(start)
	if total <= 0 {
		total = time.Second
	}
	var out []timelineStep
	for _, p := range run.Phases {
		for _, st := range p.Steps {
			t := timelineStep{Key: p.Name + "/" + st.Name, Status: string(st.Status), StatusClass: "step-" + stepClass(st.Status)}
			if !st.StartedAt.IsZero() && !st.StartedAt.Before(start) {
				t.Ran = true
				off, took := st.StartedAt.Sub(start), st.FinishedAt.Sub(st.StartedAt)
				if took < 0 {
					took = 0
				}
				t.Offset, t.Duration = clock(off), human.Duration(took)
				t.X = 1000 * off.Seconds() / total.Seconds()
				t.W = max(1000*took.Seconds()/total.Seconds(), 2)
				t.X = min(t.X, 998)
			}
			out = append(out, t)
		}
	}
	return out, human.Duration(total)
}

// stepClass keeps a step's class to a fixed set.
func stepClass(st runbook.Status) string {
	switch st {
	case runbook.StatusOK, runbook.StatusWarn, runbook.StatusFail, runbook.StatusSkipped, runbook.StatusPostponed, runbook.StatusInterrupted:
		return string(st)
	case "running":
		return "running"
	}
	return "other"
}

// clock writes an offset as h:mm:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
