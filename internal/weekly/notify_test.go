package weekly

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestEndMessage(t *testing.T) {
	start := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status runbook.RunStatus
		event  notify.Event
	}{
		{runbook.RunOK, notify.Finished},
		{runbook.RunWarn, notify.Finished},
		{runbook.RunFail, notify.Failed},
		{runbook.RunRolledBack, notify.RolledBack},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			run := &runbook.Run{RunID: "r1", Host: "fw1", Root: "/opt/fossawork", Status: tc.status,
				StartedAt: start, FinishedAt: start.Add(14 * time.Minute), DowntimeSeconds: 3.2,
				Phases: []runbook.PhaseResult{{Name: "database", Steps: []runbook.StepResult{{Name: "optimize",
					Result: runbook.Result{Findings: []runbook.Finding{{Severity: runbook.Warning}, {Severity: runbook.Critical}, {Severity: runbook.Warning}}}}}}}}
			berlin, _ := time.LoadLocation("Europe/Berlin")
			m := EndMessage(run, berlin, "/opt/fossawork/logs/reports/maintenance-20261128-020000.md")
			if m.Event != tc.event || EndEvent(run) != tc.event {
				t.Errorf("event %s, want %s", m.Event, tc.event)
			}
			for _, want := range []string{
				"Weekly maintenance of /opt/fossawork on fw1: " + string(tc.event) + " (status " + string(tc.status) + ").",
				"Run r1: Sat 2026-11-28 03:00 CET to Sat 2026-11-28 03:14 CET (14m",
				"Downtime: 3.2 s.",
				"Findings: 1 critical, 2 warning, 0 info.",
				"Report: /opt/fossawork/logs/reports/maintenance-20261128-020000.md",
			} {
				if !strings.Contains(m.Body, want) {
					t.Errorf("body lacks %q:\n%s", want, m.Body)
				}
			}
			if !strings.Contains(m.Title, "(status "+string(tc.status)+")") {
				t.Errorf("title %q", m.Title)
			}
		})
	}
}

func TestMedianWorst(t *testing.T) {
	for _, tc := range []struct {
		in            []float64
		median, worst float64
	}{
		{[]float64{5}, 5, 5},
		{[]float64{9, 1, 4}, 4, 9},
		{[]float64{0, 10, 2, 4}, 3, 10},
	} {
		m, w := medianWorst(tc.in)
		if m != tc.median || w != tc.worst {
			t.Errorf("medianWorst(%v) = %v, %v; want %v, %v", tc.in, m, w, tc.median, tc.worst)
		}
	}
}

// notifiers tells each, whatever the others did, and joins the errors.
func TestNotifiers(t *testing.T) {
	var a, b strings.Builder
	failing := failingNotifier{}
	n := Notifiers(PrintNotifier(&a), nil, (*notify.Sender)(nil), failing, PrintNotifier(&b))
	err := n.Overrun(context.Background(), time.Time{}, "extended")
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want the failing notifier's", err)
	}
	if a.String() != "overrun: extended\n" || b.String() != "overrun: extended\n" {
		t.Errorf("printed %q and %q", a.String(), b.String())
	}
	if err := Notifiers(PrintNotifier(&a)).RolledBack(context.Background(), time.Time{}, "closed"); err != nil || !strings.HasSuffix(a.String(), "rolled back: closed\n") {
		t.Errorf("rolled back: %v, %q", err, a.String())
	}
}

type failingNotifier struct{}

func (failingNotifier) Overrun(context.Context, time.Time, string) error {
	return errors.New("refused")
}

func (failingNotifier) RolledBack(context.Context, time.Time, string) error {
	return errors.New("refused")
}

// TestNoticeNamesTheBlackout: on the Friday before a blacked-out
// Saturday the notice announces the window after it and says why.
func TestNoticeNamesTheBlackout(t *testing.T) {
	tr := newTree(t, 0)
	tr.cfg.Window.Blackout = []string{"2026-12-05"}
	friday := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	n, err := tr.procedure(nil, friday).Notice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 12, 2, 0, 0, 0, time.UTC); !n.WindowStart.Equal(want) {
		t.Errorf("window %s, want %s", n.WindowStart, want)
	}
	if want := "no maintenance on Saturday 2026-12-05: window.blackout 2026-12-05"; n.Cancelled != want || !strings.HasPrefix(n.Text(), "Note: "+want) {
		t.Errorf("cancelled %q, text:\n%s", n.Cancelled, n.Text())
	}
	tr.cfg.Window.Blackout = nil
	if n, err = tr.procedure(nil, friday).Notice(context.Background()); err != nil || n.Cancelled != "" {
		t.Errorf("without a blackout: %q %v", n.Cancelled, err)
	}
}
