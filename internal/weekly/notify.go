package weekly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// noticeLookback is how long before a run a stakeholder notice counts as
// the notice of its window.
const noticeLookback = 7 * 24 * time.Hour

// timeLayout is how messages write an instant, in the window's zone.
const timeLayout = "Mon 2006-01-02 15:04 MST"

// withNotify puts the notifications step into preflight, after the
// recovery steps: it says whether the stakeholder notice of this window
// went out (history), and sends `started` (not in a dry run). It is added
// only when there is something to say: notify.urls is set, or a notice
// went out in the week before; so an installation that uses neither keeps
// its reports as they were. A nil sender (a single command, not
// `weekly`) adds nothing.
func (p *Procedure) withNotify(ctx context.Context, plan runbook.Plan, s *notify.Sender, store *history.Store) runbook.Plan {
	if s == nil {
		return plan
	}
	now := p.d.Now()
	var notice noticeLookup
	if store != nil {
		notice.n, notice.found, notice.err = store.LastNotification(ctx, string(notify.Notice), now.Add(-noticeLookback), now)
	}
	configured := len(s.Destinations()) > 0
	if !configured && !notice.found && notice.err == nil {
		return plan
	}
	budget := 10 * time.Second
	if s.Wants(notify.Started) {
		budget += s.Timeout()
	}
	step := runbook.Step{Name: "notifications", Kind: runbook.ReadOnly, Budget: budget, Critical: true,
		Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
			var r runbook.Result
			p.reportNotice(notice, &r)
			p.sendStarted(ctx, env, s, store, &r)
			return r, nil
		}}
	for i := range plan.Phases {
		if plan.Phases[i].Name == "preflight" {
			steps := plan.Phases[i].Steps
			at := 0
			for at < len(steps) && (steps[at].Name == "previous-runs" || steps[at].Name == "config-snapshot") {
				at++
			}
			plan.Phases[i].Steps = append(steps[:at:at], append([]runbook.Step{step}, steps[at:]...)...)
			return plan
		}
	}
	return plan
}

// noticeLookup is the newest notice of the week before the run.
type noticeLookup struct {
	n     history.Notification
	found bool
	err   error
}

// reportNotice says whether the stakeholder notice went out in the week
// before the run, and when: a Warning when it did not (notify.urls is
// set), or when a destination did not take it.
func (p *Procedure) reportNotice(l noticeLookup, r *runbook.Result) {
	if l.err != nil {
		r.Finding(runbook.Warning, l.err.Error(), "could not read whether the stakeholder notice went out")
		return
	}
	n := l.n
	if !l.found {
		// notify.urls is set (withNotify), so stakeholders expected one.
		r.Findings = append(r.Findings, runbook.Finding{Severity: runbook.Warning,
			Message:        "no stakeholder notice went out before this window (none recorded in the last 7 days)",
			Recommendation: "run `fossamaint notice` window.notice ahead of the window (from a timer), so stakeholders know when the application stops"})
		r.Status = runbook.Worse(r.Status, runbook.StatusWarn)
		return
	}
	line := fmt.Sprintf("the stakeholder notice went out %s, %s before this run, ", n.At.In(p.in.Window.Location).Format(timeLayout), human.Age(p.d.Now().Sub(n.At)))
	if n.Destinations == 0 {
		line += "printed only (no notify.urls took the notice event)"
	} else {
		line += fmt.Sprintf("delivered to %d of %d destinations", n.Delivered, n.Destinations)
	}
	if n.Delivered < n.Destinations {
		r.Finding(runbook.Warning, strings.Join(n.Failures, "\n"), "%s", line)
		return
	}
	r.Note = line
}

// sendStarted sends `started`; a destination that did not take it is a
// Warning finding (the run goes on).
func (p *Procedure) sendStarted(ctx context.Context, env *runbook.Env, s *notify.Sender, store *history.Store, r *runbook.Result) {
	if !s.Wants(notify.Started) {
		return
	}
	if env.DryRun {
		r.Action("would: send started to %s", human.Count(len(s.Destinations()), "destination", "destinations"))
		return
	}
	host, _ := os.Hostname()
	loc := p.in.Window.Location
	msg := notify.Message{Event: notify.Started,
		Title: fmt.Sprintf("FossaWork maintenance started on %s", host),
		Body: fmt.Sprintf("Weekly maintenance of %s on %s started %s (run %s).\nThe window closes %s.\nPhases: %s.\nThe next message says how it ended.",
			p.in.Root, host, env.Now().In(loc).Format(timeLayout), env.RunID(), env.Deadline.In(loc).Format(timeLayout), strings.Join(PhaseNames, ", "))}
	rs := s.Send(ctx, msg)
	recordSent(ctx, store, env.Now(), notify.Started, env.RunID(), rs, r)
	addSendResults(r, notify.Started, rs)
}

// addSendResults records a send in a step's result: an action for the
// delivered, a Warning finding per destination that did not take it.
func addSendResults(r *runbook.Result, e notify.Event, rs []notify.Result) {
	failed := notify.Failures(rs)
	if n := len(rs) - len(failed); n > 0 {
		r.Action("sent %s to %s", e, human.Count(n, "destination", "destinations"))
	}
	for _, f := range failed {
		r.Findings = append(r.Findings, runbook.Finding{Severity: runbook.Warning,
			Message:        fmt.Sprintf("the %s notification did not reach %s (%s, %s)", e, f.URL, human.Count(f.Attempts, "attempt", "attempts"), f.Elapsed),
			Evidence:       f.Error,
			Recommendation: "check the URL and the destination with `fossamaint notify test`"})
		r.Status = runbook.Worse(r.Status, runbook.StatusWarn)
	}
}

// recordSent records a send in the history; a history that cannot take
// it is an information finding, not a reason to stop.
func recordSent(ctx context.Context, store *history.Store, at time.Time, e notify.Event, runID string, rs []notify.Result, r *runbook.Result) {
	if store == nil || len(rs) == 0 {
		return
	}
	if err := store.RecordNotification(ctx, sentRecord(at, e, runID, rs)); err != nil && r != nil {
		r.Finding(runbook.Info, err.Error(), "the %s notification was not recorded in the history", e)
	}
}

func sentRecord(at time.Time, e notify.Event, runID string, rs []notify.Result) history.Notification {
	n := history.Notification{At: at, Event: string(e), RunID: runID, Destinations: len(rs)}
	for _, x := range rs {
		if x.OK {
			n.Delivered++
		} else {
			n.Failures = append(n.Failures, x.URL+": "+x.Error)
		}
	}
	return n
}

// EndEvent is the event of a finished run: failed or rolled_back when
// that is its outcome, else finished.
func EndEvent(run *runbook.Run) notify.Event {
	switch run.Status {
	case runbook.RunFail:
		return notify.Failed
	case runbook.RunRolledBack:
		return notify.RolledBack
	}
	return notify.Finished
}

// EndMessage is the message of a finished run: status, times, downtime,
// findings by severity and the report's path.
func EndMessage(run *runbook.Run, loc *time.Location, reportPath string) notify.Message {
	counts := map[finding.Severity]int{}
	for _, f := range run.Findings() {
		counts[f.Severity]++
	}
	var parts []string
	for _, sev := range []finding.Severity{finding.Critical, finding.Warning, finding.Info} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[sev], sev))
	}
	e := EndEvent(run)
	var b strings.Builder
	fmt.Fprintf(&b, "Weekly maintenance of %s on %s: %s (status %s).\n", run.Root, run.Host, e, run.Status)
	fmt.Fprintf(&b, "Run %s: %s to %s (%s).\n", run.RunID, run.StartedAt.In(loc).Format(timeLayout),
		run.FinishedAt.In(loc).Format(timeLayout), human.Duration(run.FinishedAt.Sub(run.StartedAt)))
	fmt.Fprintf(&b, "Downtime: %s.\n", human.DurationSeconds(run.DowntimeSeconds))
	fmt.Fprintf(&b, "Findings: %s.\n", strings.Join(parts, ", "))
	fmt.Fprintf(&b, "Report: %s\n", reportPath)
	return notify.Message{Event: e, Title: fmt.Sprintf("FossaWork maintenance %s on %s (status %s)", e, run.Host, run.Status), Body: b.String()}
}

// NotifyEnd sends the end of a finished, real run (EndMessage) and
// records the send in the history. It returns the results; the caller
// shows the failures (the report is already written). The history error,
// if any, is returned apart.
func NotifyEnd(ctx context.Context, in *install.Installation, s *notify.Sender, run *runbook.Run, reportPath string, now func() time.Time) ([]notify.Result, error) {
	if run == nil || run.DryRun {
		return nil, nil
	}
	msg := EndMessage(run, in.Window.Location, reportPath)
	rs := s.Send(ctx, msg)
	if len(rs) == 0 {
		return nil, nil
	}
	store, err := history.Open(ctx, in.StateDir, now)
	if err != nil {
		return rs, err
	}
	defer store.Close()
	return rs, store.RecordNotification(ctx, sentRecord(now(), msg.Event, run.RunID, rs))
}

// Notifiers tells every notifier of an overrun (the operator's stderr,
// the notify.urls destinations), each whatever the others did; the error
// joins theirs. A nil *notify.Sender among them is skipped.
func Notifiers(ns ...runbook.OverrunNotifier) runbook.OverrunNotifier {
	var keep []runbook.OverrunNotifier
	for _, n := range ns {
		if s, ok := n.(*notify.Sender); n == nil || (ok && s == nil) {
			continue
		}
		keep = append(keep, n)
	}
	return notifiers(keep)
}

type notifiers []runbook.OverrunNotifier

func (ns notifiers) Overrun(ctx context.Context, revisedEnd time.Time, reason string) error {
	var errs []error
	for _, n := range ns {
		errs = append(errs, n.Overrun(ctx, revisedEnd, reason))
	}
	return errors.Join(errs...)
}

func (ns notifiers) RolledBack(ctx context.Context, at time.Time, reason string) error {
	var errs []error
	for _, n := range ns {
		errs = append(errs, n.RolledBack(ctx, at, reason))
	}
	return errors.Join(errs...)
}

var _ runbook.OverrunNotifier = (*notify.Sender)(nil)
