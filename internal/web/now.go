package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// noticeEvent is notify.Notice, the stakeholder notice's event name in
// the history (web does not import notify).
const noticeEvent = "notice"

// noticeLookback is how far back the page looks for the notice: a notice
// goes out in the days before its window.
const noticeLookback = 8 * 24 * time.Hour

// liveSince is how old a run still marked running may be and be shown as
// live: one that died stays marked running until `fossamaint recover`.
const liveSince = 24 * time.Hour

type nowView struct {
	HasWindow bool
	Window    string
	// OpenUntil is set while a window is open.
	OpenUntil                        string
	NextStart, NextEnd, NextStartISO string
	NextIn                           string
	// Skipped are calendar windows before the next one that do not open
	// (a blackout, a start lost to a DST change).
	Skipped []string

	NoticeSent bool
	Notice     string

	Live    *liveView
	LastRun *runRow
	Error   string
	// Zone is the IANA name of the zone times are shown in, for
	// static/live.js ("" : the browser's).
	Zone string
}

type liveView struct {
	ID, Href, Command, Started string
	Steps                      []liveStep
}

// liveStep is one journalled step; the page writes the same li that
// static/live.js builds from a step event.
type liveStep struct {
	Key, Status, StatusClass, Started, Finished string
}

// nowPage is GET /now: the next window, whether its notice went out, and
// the running run's steps as they stand (static/live.js keeps them
// current from /now/events; without script the Reload link does).
func (s *Server) nowPage(w http.ResponseWriter, r *http.Request) {
	loc := s.zone()
	now := s.o.Now().In(loc)
	var v nowView
	if name := loc.String(); name != "Local" {
		v.Zone = name
	}
	if in := s.o.Installation; in != nil && in.Window.Location != nil && in.Window.Duration > 0 {
		s.windowView(&v, in.Window, now)
	}
	store, err := s.history(r.Context())
	if err != nil {
		v.Error = err.Error()
	} else if store != nil {
		if err := s.historyNow(r.Context(), &v, store, now); err != nil {
			v.Error = err.Error()
		}
	}
	s.render(w, r, "now.html", "Now", "now", v)
}

func (s *Server) windowView(v *nowView, win runbook.Window, now time.Time) {
	loc := s.zone()
	v.HasWindow = true
	v.Window = fmt.Sprintf("%s %02d:%02d for %s (%s)", win.Weekday, win.Hour, win.Minute, human.Duration(win.Duration), win.Location)
	if cur, open := win.Current(now); open {
		v.OpenUntil = cur.End.In(loc).Format(timeLayout)
	}
	next := win.Next(now)
	v.NextStart, v.NextEnd = next.Start.In(loc).Format(timeLayout), next.End.In(loc).Format(timeLayout)
	if next.Start.In(loc).Format(time.DateOnly) == next.End.In(loc).Format(time.DateOnly) {
		v.NextEnd = next.End.In(loc).Format("15:04 MST") // the same day
	}
	v.NextStartISO, v.NextIn = next.Start.UTC().Format(time.RFC3339), human.Age(next.Start.Sub(now))
	for span, i := win.NextOnCalendar(now), 0; span.Start.Before(next.Start) && i < 60; span, i = win.NextOnCalendar(span.Start), i+1 {
		why := "its start time does not exist that day (a clock change)"
		if b, out := win.BlackedOut(span); out {
			why = "blackout " + b.Entry
		}
		v.Skipped = append(v.Skipped, span.Start.In(loc).Format("Mon 2006-01-02")+": "+why)
	}
}

func (s *Server) historyNow(ctx context.Context, v *nowView, store *history.Store, now time.Time) error {
	loc := s.zone()
	n, found, err := store.LastNotification(ctx, noticeEvent, now.Add(-noticeLookback), now)
	if err != nil {
		return err
	}
	switch {
	case !found:
		v.Notice = "No notice went out in the last 8 days."
	default:
		v.NoticeSent = n.Delivered > 0
		v.Notice = fmt.Sprintf("Sent %s (%s ago) to %d of %d destinations", n.At.In(loc).Format(timeLayout),
			human.Age(now.Sub(n.At)), n.Delivered, n.Destinations)
		if !n.WindowStart.IsZero() {
			v.Notice += ", for the window of " + n.WindowStart.In(loc).Format(timeLayout)
		}
		v.Notice += "."
	}
	live, ok, err := store.LiveRun(ctx, now.Add(-liveSince))
	if err != nil {
		return err
	}
	if ok {
		steps, err := store.Steps(ctx, live.ID)
		if err != nil {
			return err
		}
		lv := &liveView{ID: live.ID, Href: "/runs/" + url.PathEscape(live.ID), Command: live.Command,
			Started: live.StartedAt.In(loc).Format(timeLayout)}
		for _, st := range steps {
			lv.Steps = append(lv.Steps, liveStepOf(st, loc))
		}
		v.Live = lv
	}
	last, err := store.Runs(ctx, history.RunFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(last) == 1 && (v.Live == nil || last[0].ID != v.Live.ID) {
		row := s.runRow(last[0], loc)
		v.LastRun = &row
	}
	return nil
}

func liveStepOf(st history.StepRow, loc *time.Location) liveStep {
	out := liveStep{Key: st.Phase + "/" + st.Step, Status: st.Status, StatusClass: "step-" + stepClass(runbook.Status(st.Status)),
		Started: st.StartedAt.In(loc).Format("15:04:05")}
	if !st.FinishedAt.IsZero() {
		out.Finished = st.FinishedAt.In(loc).Format("15:04:05")
	}
	return out
}
