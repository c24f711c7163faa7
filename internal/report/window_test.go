package report

import (
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// The Maintenance Window's planned and actual end and the overrun
// policy's decision, in words, for each policy's outcomes.
func TestWindowDecision(t *testing.T) {
	loc := chicago(t)
	at := func(h, m int) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, loc) }
	end := at(6, 0)
	tests := []struct {
		name     string
		finished time.Time
		o        *runbook.OverrunOutcome
		ends     string
		decision string
	}{
		{name: "none needed", finished: at(2, 47), ends: "2026-12-05 06:00 CST / 2026-12-05 02:47 CST",
			decision: "none needed: every step fit in the window"},
		{name: "postponed", finished: at(5, 58),
			o: &runbook.OverrunOutcome{Policy: runbook.OverrunPostpone, PlannedEnd: end, End: end,
				Postponed: []string{"logs/analyze", "logs/rotate"}, Reason: "logs/analyze: its budget of 15m 00s exceeds the 4m 00s left in the window"},
			ends:     "2026-12-05 06:00 CST / 2026-12-05 05:58 CST",
			decision: "postponed 2 steps (logs/analyze, logs/rotate); first, logs/analyze: its budget of 15m 00s exceeds the 4m 00s left in the window (window.overrun: postpone)"},
		{name: "extended and notified", finished: at(6, 12),
			o: &runbook.OverrunOutcome{Policy: runbook.OverrunExtend, PlannedEnd: end, End: at(6, 19), Extended: human.Seconds(19 * time.Minute),
				MaxExtension: human.Seconds(time.Hour), Reason: "logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window",
				Notifications: []runbook.Notification{{Event: runbook.EventOverrun, At: at(5, 55), RevisedEnd: at(6, 19)}}},
			ends:     "2026-12-05 06:00 CST / 2026-12-05 06:12 CST (12m 00s past the planned end)",
			decision: "extended by 19m 00s to 06:19 (at most 1h 00m) because logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window (window.overrun: extend); stakeholders were notified"},
		{name: "extended, then postponed, not notified", finished: at(6, 15),
			o: &runbook.OverrunOutcome{Policy: runbook.OverrunExtend, PlannedEnd: end, End: at(6, 15), Extended: human.Seconds(15 * time.Minute),
				MaxExtension: human.Seconds(15 * time.Minute), Postponed: []string{"logs/rotate"}, Reason: "logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window",
				Notifications: []runbook.Notification{{Event: runbook.EventOverrun, Error: "webhook: 503 Service Unavailable"}}},
			ends: "2026-12-05 06:00 CST / 2026-12-05 06:15 CST (15m 00s past the planned end)",
			decision: "extended by 15m 00s to 06:15 (at most 15m 00s) because logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window; " +
				"then postponed 1 step (logs/rotate) (window.overrun: extend); stakeholders were NOT notified: webhook: 503 Service Unavailable"},
		{name: "rolled back", finished: at(5, 57),
			o: &runbook.OverrunOutcome{Policy: runbook.OverrunRollback, PlannedEnd: end, End: end, RolledBackAt: at(5, 55),
				Reason:        "logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window",
				Notifications: []runbook.Notification{{Event: runbook.EventRolledBack, At: at(5, 55)}}},
			ends:     "2026-12-05 06:00 CST / 2026-12-05 05:57 CST",
			decision: "rolled back at 05:55 because logs/analyze: its budget of 15m 00s exceeds the 5m 00s left in the window (window.overrun: rollback); stakeholders were notified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := &runbook.Run{Window: runbook.Span{Start: at(2, 0), End: end}, StartedAt: at(2, 0), FinishedAt: tt.finished, Overrun: tt.o}
			if got := windowEnds(run); got != tt.ends {
				t.Errorf("ends\n got %q\nwant %q", got, tt.ends)
			}
			if got := windowDecision(run); got != tt.decision {
				t.Errorf("decision\n got %q\nwant %q", got, tt.decision)
			}
		})
	}
}
