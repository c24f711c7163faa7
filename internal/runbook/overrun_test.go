package runbook

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestOverrunDecide is the policy's verdict on the next step at a given
// instant: the clock is the test's, so every boundary is exact.
func TestOverrunDecide(t *testing.T) {
	end := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	plan := Plan{Phases: []Phase{{Name: "logs", Steps: []Step{
		{Name: "analyze", Budget: 15 * time.Minute},
		{Name: "rotate", Budget: 20 * time.Minute},
	}}}}
	past := map[string][]time.Duration{
		// Median 3m (below the budget): expected 3m.
		"logs/analyze": {2 * time.Minute, 3 * time.Minute, 9 * time.Minute},
		// Median 25m, capped by the budget: expected 20m.
		"logs/rotate": {25 * time.Minute, 24 * time.Minute, 26 * time.Minute, 40 * time.Minute},
	}
	analyze := plan.Phases[0].Steps[0]
	critical := analyze
	critical.Critical = true
	tests := []struct {
		name   string
		cfg    Overrun
		now    time.Time
		st     Step
		point  string
		undone bool
		want   action
		// wantEnd is the revised end (actExtend).
		wantEnd time.Time
		note    string
	}{
		{name: "fits: any policy runs it", cfg: Overrun{Policy: OverrunPostpone}, now: end.Add(-15 * time.Minute), st: analyze, want: actRun},
		{name: "postpone: does not fit", cfg: Overrun{}, now: end.Add(-14 * time.Minute), st: analyze, want: actPostpone,
			note: "its budget of 15m 00s exceeds the 14m 00s left in the window"},
		{name: "postpone: critical runs anyway", cfg: Overrun{}, now: end.Add(-time.Minute), st: critical, want: actRun},
		{name: "postpone: past the end, nothing left", cfg: Overrun{}, now: end.Add(time.Minute), st: analyze, want: actPostpone,
			note: "exceeds the 0 ms left"},
		// 3m + 20m expected from 05:55 is 06:18.
		{name: "extend: from past durations", cfg: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour, Past: past},
			now: end.Add(-5 * time.Minute), st: analyze, want: actExtend, wantEnd: end.Add(18 * time.Minute)},
		// Without a history every step takes its budget: 35m from 05:55.
		{name: "extend: from budgets", cfg: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour},
			now: end.Add(-5 * time.Minute), st: analyze, want: actExtend, wantEnd: end.Add(30 * time.Minute)},
		// The estimate is rounded up to a whole minute.
		{name: "extend: rounded up", cfg: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour, Past: past},
			now: end.Add(-5*time.Minute + 10*time.Second), st: analyze, want: actExtend, wantEnd: end.Add(19 * time.Minute)},
		{name: "extend: capped by max_extension", cfg: Overrun{Policy: OverrunExtend, MaxExtension: 20 * time.Minute},
			now: end.Add(-5 * time.Minute), st: analyze, want: actExtend, wantEnd: end.Add(20 * time.Minute)},
		{name: "extend: past runs say it ends in time", cfg: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour, Past: past},
			now: end.Add(-30 * time.Minute), st: Step{Name: "analyze", Budget: 40 * time.Minute}, want: actRun},
		{name: "extend: budget beyond the latest end", cfg: Overrun{Policy: OverrunExtend, MaxExtension: 10 * time.Minute},
			now: end.Add(-time.Minute), st: analyze, want: actPostpone,
			note: "its budget of 15m 00s exceeds the 11m 00s left before the window's latest end 06:10 (window.max_extension 10m 00s)"},
		{name: "extend: no extension allowed", cfg: Overrun{Policy: OverrunExtend}, now: end.Add(-time.Minute), st: analyze, want: actPostpone},
		{name: "extend: critical beyond the latest end runs, window to the limit", cfg: Overrun{Policy: OverrunExtend, MaxExtension: 10 * time.Minute},
			now: end.Add(-time.Minute), st: critical, want: actExtend, wantEnd: end.Add(10 * time.Minute)},
		{name: "rollback: with a rollback point", cfg: Overrun{Policy: OverrunRollback, Rollback: noRollback}, now: end.Add(-time.Minute),
			st: analyze, point: "/b/point-b.db", want: actRollback, note: "exceeds the 1m 00s left"},
		{name: "rollback: no rollback point yet", cfg: Overrun{Policy: OverrunRollback, Rollback: noRollback}, now: end.Add(-time.Minute),
			st: analyze, want: actPostpone, note: "this run has changed no database file yet: nothing to roll back"},
		{name: "rollback: already undone", cfg: Overrun{Policy: OverrunRollback, Rollback: noRollback}, now: end.Add(-time.Minute),
			st: analyze, point: "/b/point-b.db", undone: true, want: actPostpone, note: "already undone"},
		{name: "rollback: critical runs", cfg: Overrun{Policy: OverrunRollback, Rollback: noRollback}, now: end.Add(-time.Minute),
			st: critical, point: "/b/point-b.db", want: actRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(tt.cfg, end, plan)
			w.point, w.restored = tt.point, tt.undone
			d := w.decide(tt.now, tt.st)
			if d.act != tt.want {
				t.Fatalf("action %d, want %d (note %q)", d.act, tt.want, d.note)
			}
			if !d.end.Equal(tt.wantEnd) {
				t.Errorf("revised end %s, want %s", d.end.Format("15:04:05"), tt.wantEnd.Format("15:04:05"))
			}
			if !strings.Contains(d.note, tt.note) {
				t.Errorf("note %q, want it to contain %q", d.note, tt.note)
			}
		})
	}
}

func noRollback(context.Context, *Env, string) (Result, error) { return Result{}, nil }

// TestOverrunDecideUnsafe: rollback asks whether restoring would lose the
// application's writes, and postpones, saying why, when it would.
func TestOverrunDecideUnsafe(t *testing.T) {
	end := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	analyze := Step{Name: "analyze", Budget: 15 * time.Minute}
	plan := Plan{Phases: []Phase{{Name: "logs", Steps: []Step{analyze}}}}
	for _, tc := range []struct {
		unsafe string
		want   action
	}{{"the application has written to db-wal", actPostpone}, {"", actRollback}} {
		w := newWindow(Overrun{Policy: OverrunRollback, Rollback: noRollback, Unsafe: func() string { return tc.unsafe }}, end, plan)
		w.point = "/b/point-b.db"
		d := w.decide(end.Add(-time.Minute), analyze)
		if d.act != tc.want || (tc.unsafe != "" && !strings.Contains(d.note, "(not rolled back: "+tc.unsafe+")")) {
			t.Errorf("unsafe %q: action %d note %q, want %d", tc.unsafe, d.act, d.note, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 2, 3}, 2}, // (2+3)/2, truncated
		{[]time.Duration{10, 20}, 15},
	} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// notifier records what it is told, and fails when err is set.
type notifier struct {
	calls []string
	err   error
}

func (n *notifier) Overrun(_ context.Context, end time.Time, reason string) error {
	n.calls = append(n.calls, "overrun "+end.Format("15:04")+": "+reason)
	return n.err
}

func (n *notifier) RolledBack(_ context.Context, at time.Time, reason string) error {
	n.calls = append(n.calls, "rolled_back "+at.Format("15:04")+": "+reason)
	return n.err
}

// overrunPlan is a plan whose database step records a rollback point and
// whose later steps outgrow a window that ends at 06:00, the clock at
// 05:50: the optimize step takes 5 minutes.
func overrunPlan(c *fakeClock) Plan {
	return Plan{Phases: []Phase{
		{Name: "database", Steps: []Step{
			step("optimize", Downtime, 6*time.Minute, false, func(ctx context.Context, env *Env) (Result, error) {
				c.Advance(5 * time.Minute)
				return Result{}, env.RecordRollbackPoint(ctx, "/b/point-b.db")
			}),
		}},
		{Name: "logs", Steps: []Step{
			step("analyze", Mutating, 15*time.Minute, false, okAfter(c, 2*time.Minute)),
			step("rotate", Mutating, 20*time.Minute, false, okAfter(c, time.Minute)),
		}},
		{Name: "postflight", Steps: []Step{
			step("services", Mutating, 2*time.Minute, true, okAfter(c, time.Minute)),
		}},
	}}
}

func statuses(run *Run) []string {
	var out []string
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			out = append(out, p.Name+"/"+s.Name+" "+string(s.Status))
		}
	}
	return out
}

// overrunCase is one policy's run of overrunPlan and what it must do.
type overrunCase struct {
	name      string
	policy    OverrunPolicy
	max       time.Duration
	past      map[string][]time.Duration
	notifyErr error
	want      []string
	status    RunStatus
	// outEnd is the window's end at the run's finish.
	outEnd    time.Time
	postponed []string
	calls     []string
}

func overrunCases(end time.Time) []overrunCase {
	return []overrunCase{
		{name: "postpone", policy: OverrunPostpone,
			want:   []string{"database/optimize ok", "logs/analyze postponed", "logs/rotate postponed", "postflight/services ok"},
			status: RunWarn, outEnd: end, postponed: []string{"logs/analyze", "logs/rotate"}},
		// At 05:55 the three steps left are expected to take 2m, 20m and
		// 2m (analyze's past median): 06:19.
		{name: "extend", policy: OverrunExtend, max: time.Hour, past: map[string][]time.Duration{"logs/analyze": {2 * time.Minute}},
			want:   []string{"database/optimize ok", "logs/window-extension ok", "logs/analyze ok", "logs/rotate ok", "postflight/services ok"},
			status: RunOK, outEnd: end.Add(19 * time.Minute), postponed: []string{},
			calls: []string{"overrun 06:19: The maintenance window is extended: it now ends Sat 2026-11-28 06:19 UTC instead of Sat 2026-11-28 06:00 UTC (+19m 00s)."}},
		// A notification that fails is a warning, and the run goes on.
		{name: "extend, notification fails", policy: OverrunExtend, max: time.Hour, notifyErr: errors.New("webhook: 503"),
			want:   []string{"database/optimize ok", "logs/window-extension warn", "logs/analyze ok", "logs/rotate ok", "postflight/services ok"},
			status: RunWarn, outEnd: end.Add(32 * time.Minute), postponed: []string{}, calls: []string{"overrun 06:32"}},
		// 15 minutes at most: rotate (20m) no longer fits at all.
		{name: "extend, then postpone", policy: OverrunExtend, max: 15 * time.Minute,
			want:   []string{"database/optimize ok", "logs/window-extension ok", "logs/analyze ok", "logs/rotate postponed", "postflight/services ok"},
			status: RunWarn, outEnd: end.Add(15 * time.Minute), postponed: []string{"logs/rotate"}, calls: []string{"overrun 06:15"}},
		{name: "rollback", policy: OverrunRollback,
			want:   []string{"database/optimize ok", "logs/window-rollback ok", "logs/analyze skipped", "logs/rotate skipped", "postflight/services skipped"},
			status: RunRolledBack, outEnd: end, postponed: []string{},
			calls: []string{"rolled_back 05:55: The maintenance was stopped at Sat 2026-11-28 05:55 UTC and rolled back"}},
	}
}

func TestEngineOverrunPolicies(t *testing.T) {
	start := time.Date(2026, 11, 28, 5, 50, 0, 0, time.UTC)
	end := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	for _, tt := range overrunCases(end) {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{t: start}
			n := &notifier{err: tt.notifyErr}
			var restored []string
			e := &Engine{Now: c.Now, Deadline: end, Overrun: Overrun{Policy: tt.policy, MaxExtension: tt.max, Past: tt.past, Notifier: n,
				Rollback: func(ctx context.Context, env *Env, point string) (Result, error) {
					restored = append(restored, point)
					c.Advance(time.Minute)
					return Result{}, env.Do(ctx, "restore "+point, func(context.Context) error { return nil })
				}}}
			run := &Run{RunID: "r1", Command: CommandWeekly}
			if err := e.Execute(context.Background(), overrunPlan(c), run); err != nil {
				t.Fatal(err)
			}
			run.Summarize()
			checkOverrun(t, tt, run, end, n)
			if tt.policy == OverrunRollback {
				if !reflect.DeepEqual(restored, []string{"/b/point-b.db"}) || run.Overrun.RolledBackAt.IsZero() {
					t.Errorf("restored %q at %s, want the run's rollback point", restored, run.Overrun.RolledBackAt)
				}
			} else if restored != nil {
				t.Errorf("restored %q under %s", restored, tt.policy)
			}
		})
	}
}

// checkOverrun compares a run's steps, status, outcome and notifications
// with tt's.
func checkOverrun(t *testing.T, tt overrunCase, run *Run, end time.Time, n *notifier) {
	t.Helper()
	if got := statuses(run); !reflect.DeepEqual(got, tt.want) {
		t.Errorf("steps\n%q\nwant\n%q", got, tt.want)
	}
	if run.Status != tt.status {
		t.Errorf("run status %s, want %s", run.Status, tt.status)
	}
	o := run.Overrun
	if o == nil {
		t.Fatal("no overrun outcome recorded")
	}
	if o.Policy != tt.policy || !o.PlannedEnd.Equal(end) || !o.End.Equal(tt.outEnd) || o.Extended.D() != tt.outEnd.Sub(end) {
		t.Errorf("outcome %+v, want policy %s, end %s", o, tt.policy, tt.outEnd.Format("15:04"))
	}
	if !reflect.DeepEqual(o.Postponed, tt.postponed) {
		t.Errorf("postponed %q, want %q", o.Postponed, tt.postponed)
	}
	if len(n.calls) != len(tt.calls) || len(o.Notifications) != len(tt.calls) {
		t.Fatalf("notifier calls %q, recorded %+v, want %q", n.calls, o.Notifications, tt.calls)
	}
	for i, want := range tt.calls {
		if !strings.HasPrefix(n.calls[i], want) {
			t.Errorf("notification %q, want it to start %q", n.calls[i], want)
		}
		if got := o.Notifications[i].Error; (got != "") != (tt.notifyErr != nil) {
			t.Errorf("notification error %q, want %v", got, tt.notifyErr)
		}
	}
}

// Under rollback a run with no rollback point yet has nothing to restore:
// it postpones, and the reason says so.
func TestEngineRollbackWithoutPointPostpones(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 11, 28, 5, 59, 0, 0, time.UTC)}
	called := false
	e := &Engine{Now: c.Now, Deadline: c.t.Add(time.Minute), Overrun: Overrun{Policy: OverrunRollback,
		Rollback: func(context.Context, *Env, string) (Result, error) { called = true; return Result{}, nil }}}
	plan := Plan{Phases: []Phase{{Name: "logs", Steps: []Step{step("analyze", Mutating, 15*time.Minute, false, okAfter(c, time.Minute))}}}}
	run := &Run{RunID: "r1"}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if called || run.Phases[0].Steps[0].Status != StatusPostponed {
		t.Fatalf("rollback called %v, steps %q", called, statuses(run))
	}
	if !strings.Contains(run.Overrun.Reason, "nothing to roll back") {
		t.Errorf("reason %q", run.Overrun.Reason)
	}
}

// A dry run tells nobody: the notification is recorded as not sent.
func TestEngineDryRunDoesNotNotify(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 11, 28, 5, 59, 0, 0, time.UTC)}
	n := &notifier{}
	e := &Engine{Now: c.Now, DryRun: true, Deadline: c.t.Add(time.Minute), Overrun: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour, Notifier: n}}
	plan := Plan{Phases: []Phase{{Name: "logs", Steps: []Step{step("analyze", Mutating, 15*time.Minute, false, okAfter(c, time.Minute))}}}}
	run := &Run{RunID: "r1"}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if len(n.calls) != 0 {
		t.Fatalf("a dry run notified: %q", n.calls)
	}
	if got := run.Overrun.Notifications; len(got) != 1 || got[0].Error != "dry run: not sent" {
		t.Fatalf("notifications %+v", got)
	}
	if a := run.Phases[0].Steps[0].Actions; len(a) != 2 || !strings.HasPrefix(a[1], "would: notify stakeholders (overrun)") {
		t.Fatalf("actions %q", a)
	}
}

// blockingNotifier waits until its context ends.
type blockingNotifier struct{}

func (blockingNotifier) Overrun(ctx context.Context, _ time.Time, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

func (blockingNotifier) RolledBack(ctx context.Context, _ time.Time, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

// A notifier that hangs costs the run NotifyTimeout, no more: the run
// goes on and the failure is a warning.
func TestEngineNotifierTimeout(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 11, 28, 5, 59, 0, 0, time.UTC)}
	e := &Engine{Now: c.Now, Deadline: c.t.Add(time.Minute), Overrun: Overrun{Policy: OverrunExtend, MaxExtension: time.Hour,
		Notifier: blockingNotifier{}, NotifyTimeout: 20 * time.Millisecond}}
	plan := Plan{Phases: []Phase{{Name: "logs", Steps: []Step{step("analyze", Mutating, 15*time.Minute, false, okAfter(c, time.Minute))}}}}
	run := &Run{RunID: "r1"}
	began := time.Now()
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("the run waited %s for the notifier", took)
	}
	ext, analyze := run.Phases[0].Steps[0], run.Phases[0].Steps[1]
	if ext.Status != StatusWarn || analyze.Status != StatusOK {
		t.Fatalf("steps %q", statuses(run))
	}
	if got := run.Overrun.Notifications[0].Error; !strings.Contains(got, "deadline exceeded") {
		t.Errorf("notification error %q", got)
	}
}
