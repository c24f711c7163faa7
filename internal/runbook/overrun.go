package runbook

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// OverrunPolicy is what the engine does when the next step's budget no
// longer fits in the time left in the window (the seed's Emergency
// Procedures: continue, roll back or postpone).
type OverrunPolicy string

// Overrun policies (config window.overrun).
const (
	// OverrunPostpone (the default) postpones a non-critical step that no
	// longer fits; it is listed under "Next Maintenance".
	OverrunPostpone OverrunPolicy = "postpone"
	// OverrunExtend moves the window's end later, up to MaxExtension,
	// when the remaining steps need it, and tells stakeholders the
	// revised end. A step that does not fit even then is postponed.
	OverrunExtend OverrunPolicy = "extend"
	// OverrunRollback stops the run when a non-critical step no longer
	// fits, restores the run's rollback point (services stopped, then
	// started and checked) and marks the run rolled back. A run that has
	// no rollback point yet changed no database file: its remaining steps
	// are handled as under OverrunPostpone.
	OverrunRollback OverrunPolicy = "rollback"
)

// OverrunPolicies are the valid policies, the default first.
var OverrunPolicies = []OverrunPolicy{OverrunPostpone, OverrunExtend, OverrunRollback}

// OverrunNotifier tells stakeholders that the window was extended or the
// run rolled back. The engine calls it at most a few times per run, with
// a context bounded by Overrun.NotifyTimeout; an error is recorded (a
// warning finding and Run.Overrun.Notifications) and never stops or fails
// the maintenance. A dry run never calls it. Package notify implements it
// for the configured URLs; cli also prints each message on stderr.
type OverrunNotifier interface {
	// Overrun says the window now ends at revisedEnd, and why.
	Overrun(ctx context.Context, revisedEnd time.Time, reason string) error
	// RolledBack says the run stopped and restored its rollback point
	// at at, and why.
	RolledBack(ctx context.Context, at time.Time, reason string) error
}

// Overrun configures the engine's overrun policy. The zero value is
// OverrunPostpone.
type Overrun struct {
	Policy OverrunPolicy
	// MaxExtension is how far past the planned end OverrunExtend may move
	// the window's end.
	MaxExtension time.Duration
	// Past holds how long each step took in earlier runs, keyed
	// "phase/step" (any order): the median of a step's durations, capped
	// by its budget, is its expected duration; a step with none is
	// expected to take its whole budget.
	Past map[string][]time.Duration
	// Notifier is told of an extension or a rollback. Optional.
	Notifier OverrunNotifier
	// NotifyTimeout bounds one notification (default 30s).
	NotifyTimeout time.Duration
	// Rollback restores point, the run's rollback point, with the
	// services stopped, then starts and verifies them, recording its
	// actions in env (OverrunRollback). Without it the policy postpones.
	Rollback func(ctx context.Context, env *Env, point string) (Result, error)
	// Unsafe, when set, says why restoring the rollback point now would
	// lose data (the application wrote to the database since the point's
	// step restarted it), or "": OverrunRollback then postpones instead,
	// saying why.
	Unsafe func() string
}

// OverrunOutcome is what the engine did when the window ran short
// (Run.Overrun, JSON "overrun"; nil when every step fit).
//
//	policy                 postpone, extend or rollback
//	planned_end            the window's end as planned (Run.window.end)
//	end                    its end when the run finished: planned_end, or later when extended
//	max_extension_seconds  window.max_extension (extend)
//	extended_seconds       end - planned_end (0 unless extended)
//	postponed              the "phase/step" of each postponed step, in order
//	rolled_back_at         when the rollback began (absent unless rolled back)
//	reason                 why the first decision was taken
//	notifications          each notification: event, at, revised_end, message, error ("" = sent)
type OverrunOutcome struct {
	Policy        OverrunPolicy  `json:"policy"`
	PlannedEnd    time.Time      `json:"planned_end"`
	End           time.Time      `json:"end"`
	MaxExtension  human.Seconds  `json:"max_extension_seconds"`
	Extended      human.Seconds  `json:"extended_seconds"`
	Postponed     []string       `json:"postponed"`
	RolledBackAt  time.Time      `json:"rolled_back_at,omitzero"`
	Reason        string         `json:"reason"`
	Notifications []Notification `json:"notifications"`
}

// Notification is one message sent (or not) to stakeholders.
type Notification struct {
	// Event is "overrun" or "rolled_back".
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	// RevisedEnd is the window's new end (overrun).
	RevisedEnd time.Time `json:"revised_end,omitzero"`
	Message    string    `json:"message"`
	// Error says why it was not sent ("" when it was; "dry run: not
	// sent"; "no notifier configured").
	Error string `json:"error,omitempty"`
}

// Notification events.
const (
	EventOverrun    = "overrun"
	EventRolledBack = "rolled_back"
)

// Names of the steps the engine adds to a phase when it extends the
// window or rolls the run back.
const (
	StepWindowExtension = "window-extension"
	StepWindowRollback  = "window-rollback"
)

// action is what the engine does with the next step.
type action int

const (
	actRun action = iota
	actPostpone
	actExtend
	actRollback
)

// decision is the overrun policy's verdict on one step.
type decision struct {
	act action
	// end is the window's revised end (actExtend).
	end time.Time
	// expected is how long the remaining steps are expected to take
	// (actExtend).
	expected time.Duration
	// note says why (actPostpone, actRollback, actExtend).
	note string
}

// pending is a step not yet run: its key ("phase/step") and budget.
type pending struct {
	key    string
	budget time.Duration
}

// window is one run's window under the overrun policy.
type window struct {
	cfg     Overrun
	planned time.Time
	// end is the window's end now (planned, or later once extended);
	// hard is the latest it may move to.
	end, hard time.Time
	// rest are the plan's steps not yet decided, the next one first.
	rest []pending
	// point is the run's rollback point so far; restored is true once
	// the run's changes were undone (by a step's Undo or a rollback).
	point    string
	restored bool
	// stopped is true once the policy rolled the run back: no step runs
	// after that.
	stopped bool
	out     *OverrunOutcome
}

func newWindow(cfg Overrun, deadline time.Time, plan Plan) *window {
	w := &window{cfg: cfg, planned: deadline, end: deadline, hard: deadline}
	if cfg.Policy == OverrunExtend && cfg.MaxExtension > 0 {
		w.hard = deadline.Add(cfg.MaxExtension)
	}
	for _, ph := range plan.Phases {
		for _, st := range ph.Steps {
			w.rest = append(w.rest, pending{key: ph.Name + "/" + st.Name, budget: st.Budget})
		}
	}
	return w
}

// expected is how long a step is expected to take: the median of its past
// durations capped by its budget, else its budget.
func (w *window) expected(p pending) time.Duration {
	past := w.cfg.Past[p.key]
	if len(past) == 0 {
		return p.budget
	}
	return min(median(past), p.budget)
}

// median of ds (not empty), the mean of the middle two for an even count.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// remaining is how long the steps not yet run are expected to take.
func (w *window) remaining() time.Duration {
	var d time.Duration
	for _, p := range w.rest {
		d += w.expected(p)
	}
	return d
}

// decide is the policy's verdict on st, the next step (w.rest[0]), at now.
func (w *window) decide(now time.Time, st Step) decision {
	left := w.end.Sub(now)
	if w.planned.IsZero() || st.Budget <= left {
		return decision{act: actRun}
	}
	doesNotFit := fmt.Sprintf("its budget of %s exceeds the %s left in the window",
		human.Duration(st.Budget), human.Duration(max(left, 0)))
	switch w.cfg.Policy {
	case OverrunExtend:
		if !st.Critical && now.Add(st.Budget).After(w.hard) {
			return decision{act: actPostpone, note: fmt.Sprintf("its budget of %s exceeds the %s left before the window's latest end %s (window.max_extension %s)",
				human.Duration(st.Budget), human.Duration(max(w.hard.Sub(now), 0)), w.hard.Format("15:04"), human.Duration(w.cfg.MaxExtension))}
		}
		exp := w.remaining()
		end := ceilMinute(now.Add(exp))
		if end.After(w.hard) {
			end = w.hard
		}
		if !end.After(w.end) {
			// The past runs say the rest ends in time: run on.
			return decision{act: actRun}
		}
		return decision{act: actExtend, end: end, expected: exp, note: doesNotFit}
	case OverrunRollback:
		switch {
		case st.Critical:
			return decision{act: actRun}
		case w.point != "" && !w.restored && w.cfg.Rollback != nil:
			if w.cfg.Unsafe != nil {
				if why := w.cfg.Unsafe(); why != "" {
					return decision{act: actPostpone, note: doesNotFit + " (not rolled back: " + why + ")"}
				}
			}
			return decision{act: actRollback, note: doesNotFit}
		case w.restored:
			return decision{act: actPostpone, note: doesNotFit + " (this run's changes were already undone: nothing to roll back)"}
		}
		return decision{act: actPostpone, note: doesNotFit + " (this run has changed no database file yet: nothing to roll back)"}
	}
	if st.Critical {
		return decision{act: actRun}
	}
	return decision{act: actPostpone, note: doesNotFit}
}

// ceilMinute rounds t up to a whole minute: a revised end told to people
// is never earlier than the estimate.
func ceilMinute(t time.Time) time.Time {
	if r := t.Truncate(time.Minute); r.Before(t) {
		return r.Add(time.Minute)
	}
	return t
}

// outcome returns the run's outcome record, made on first use with why.
func (w *window) outcome(reason string) *OverrunOutcome {
	if w.out == nil {
		w.out = &OverrunOutcome{Policy: cmpPolicy(w.cfg.Policy), PlannedEnd: w.planned, End: w.planned,
			Postponed: []string{}, Notifications: []Notification{}, Reason: reason}
		if w.cfg.Policy == OverrunExtend {
			w.out.MaxExtension = human.Seconds(w.cfg.MaxExtension)
		}
	}
	return w.out
}

func cmpPolicy(p OverrunPolicy) OverrunPolicy {
	if p == "" {
		return OverrunPostpone
	}
	return p
}

// extendTo moves the window's end to end.
func (w *window) extendTo(end time.Time, reason string) {
	o := w.outcome(reason)
	w.end = end
	o.End = end
	o.Extended = human.Seconds(end.Sub(w.planned))
}

// notify sends one notification through the notifier, bounded in time,
// and records it; a failure becomes a warning finding in r.
func (e *Engine) notify(ctx context.Context, w *window, env *Env, r *Result, n Notification) {
	cfg := w.cfg
	switch {
	case env.DryRun:
		n.Error = "dry run: not sent"
		r.Action("would: notify stakeholders (%s): %s", n.Event, n.Message)
	case cfg.Notifier == nil:
		n.Error = "no notifier configured"
		r.Action("no notifier is configured: stakeholders were not told (%s)", n.Event)
	default:
		timeout := cfg.NotifyTimeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		var err error
		if n.Event == EventRolledBack {
			err = cfg.Notifier.RolledBack(nctx, n.At, n.Message)
		} else {
			err = cfg.Notifier.Overrun(nctx, n.RevisedEnd, n.Message)
		}
		cancel()
		if err != nil {
			n.Error = err.Error()
			r.Finding(Warning, err.Error(), "the %s notification could not be sent: stakeholders were not told", n.Event)
			r.Recommend("Tell stakeholders by hand, and check the notification settings (notify.urls).")
		} else {
			r.Action("notified stakeholders (%s): %s", n.Event, n.Message)
		}
	}
	o := w.outcome(n.Message)
	o.Notifications = append(o.Notifications, n)
}

// SkipRolledBack is the Reason of a step not run because the overrun
// policy rolled the run back before it.
const SkipRolledBack SkipReason = "rolled_back"

// notRunRolledBack is a step the rollback at the window's end kept from
// running.
func (e *Engine) notRunRolledBack(st Step) StepResult {
	sr := e.notRun(st, StatusSkipped, "not run (the window closed: the run was rolled back)")
	sr.Reason = SkipRolledBack
	return sr
}

// whenText is t in the window's zone, as people read it.
func (w *window) whenText(t time.Time) string {
	return t.In(w.planned.Location()).Format("Mon 2006-01-02 15:04 MST")
}

// extendStep moves the window's end to d.end and tells stakeholders, as a
// step of its own (StepWindowExtension) in the phase of st, the step that
// needed it.
func (e *Engine) extendStep(ctx context.Context, w *window, run *Run, phase string, st Step, d decision) StepResult {
	from := w.end
	reason := fmt.Sprintf("%s/%s: %s; the %s left are expected to take %s (each step's median in past runs capped by its budget, or its budget)",
		phase, st.Name, d.note, human.Count(len(w.rest), "step", "steps"), human.Duration(d.expected))
	w.extendTo(d.end, reason)
	msg := fmt.Sprintf("The maintenance window is extended: it now ends %s instead of %s (%s). Reason: %s.",
		w.whenText(d.end), w.whenText(w.planned), "+"+human.Duration(d.end.Sub(w.planned)), reason)
	name := StepWindowExtension
	if n := len(w.out.Notifications); n > 0 {
		name = fmt.Sprintf("%s-%d", StepWindowExtension, n+1)
	}
	syn := Step{Name: name, Kind: ReadOnly, Critical: true, Run: func(ctx context.Context, env *Env) (Result, error) {
		var r Result
		r.Action("extended the window from %s to %s (+%s of at most %s past the planned end): %s",
			w.whenText(from), w.whenText(d.end), human.Duration(d.end.Sub(w.planned)), human.Duration(w.cfg.MaxExtension), reason)
		e.notify(ctx, w, env, &r, Notification{Event: EventOverrun, At: e.Now(), RevisedEnd: d.end, Message: msg})
		return r, nil
	}}
	sr, _ := e.runStep(ctx, phase, syn, run.RunID, w.end)
	return sr
}

// rollbackStep stops the run before st: it restores the run's rollback
// point through Overrun.Rollback (services stopped, started, verified) and
// tells stakeholders, as a step of its own (StepWindowRollback, a downtime
// step, journalled like any other so that `recover` finishes it after a
// crash). The steps left are not run.
func (e *Engine) rollbackStep(ctx context.Context, w *window, run *Run, phase string, st Step, d decision) StepResult {
	at := e.Now()
	reason := fmt.Sprintf("%s/%s: %s", phase, st.Name, d.note)
	w.outcome(reason).RolledBackAt = at
	w.stopped = true
	point := w.point
	syn := Step{Name: StepWindowRollback, Kind: Downtime, Critical: true, Run: func(ctx context.Context, env *Env) (Result, error) {
		env.Record("the window closes before %s/%s can run (%s): rolling back to %s", phase, st.Name, d.note, point)
		r, err := w.cfg.Rollback(ctx, env, point)
		msg := fmt.Sprintf("The maintenance was stopped at %s and rolled back to its rollback point: %s.", w.whenText(at), reason)
		if err != nil {
			msg = fmt.Sprintf("The maintenance was stopped at %s (%s), but rolling it back failed: %v. It needs attention now.", w.whenText(at), reason, err)
		} else if !env.DryRun {
			r.RolledBack()
		}
		e.notify(ctx, w, env, &r, Notification{Event: EventRolledBack, At: at, Message: msg})
		return r, err
	}}
	sr, point2 := e.runStep(ctx, phase, syn, run.RunID, w.end)
	return e.track(ctx, w, run, phase, sr, point2)
}
