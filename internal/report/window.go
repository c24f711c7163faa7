package report

import (
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// windowEnds is the Maintenance Window's "Planned End / Actual End": the
// window's end as planned and when the run finished, with how far past
// the planned end it ran.
func windowEnds(run *runbook.Run) string {
	planned, actual := run.Window.End, run.FinishedAt
	if planned.IsZero() || actual.IsZero() {
		return formatTime(planned) + " / " + formatTime(actual)
	}
	s := formatTime(planned) + " / " + formatTime(actual.In(planned.Location()))
	if over := actual.Sub(planned); over >= time.Second {
		s += " (" + human.Duration(over) + " past the planned end)"
	}
	return s
}

// windowDecision is what the overrun policy decided, in words: "none
// needed", "postponed logs/rotate: its budget ...", "extended by 19m 00s to
// 06:19 (at most 1h 00m): ...; stakeholders notified", "rolled back at
// 05:55 because ...".
func windowDecision(run *runbook.Run) string {
	o := run.Overrun
	if o == nil {
		return "none needed: every step fit in the window"
	}
	hhmm := func(t time.Time) string {
		if loc := run.Window.End.Location(); !run.Window.End.IsZero() {
			t = t.In(loc)
		}
		return t.Format("15:04")
	}
	var parts []string
	if !o.RolledBackAt.IsZero() {
		parts = append(parts, "rolled back at "+hhmm(o.RolledBackAt)+" because "+o.Reason)
	}
	if o.Extended > 0 {
		s := "extended by " + human.Duration(o.Extended.D()) + " to " + hhmm(o.End)
		if o.MaxExtension > 0 {
			s += " (at most " + human.Duration(o.MaxExtension.D()) + ")"
		}
		parts = append(parts, s+" because "+o.Reason)
	}
	switch n := len(o.Postponed); {
	case n == 1 && len(parts) == 0:
		// The reason starts with the step's name.
		parts = append(parts, "postponed "+o.Reason)
	case n > 1 && len(parts) == 0:
		parts = append(parts, "postponed "+plural(n, "step")+" ("+strings.Join(o.Postponed, ", ")+"); first, "+o.Reason)
	case n > 0:
		parts = append(parts, "postponed "+plural(n, "step")+" ("+strings.Join(o.Postponed, ", ")+")")
	}
	if len(parts) == 0 {
		parts = append(parts, o.Reason)
	}
	s := strings.Join(parts, "; then ") + " (window.overrun: " + string(o.Policy) + ")"
	if n := notified(o.Notifications); n != "" {
		s += "; " + n
	}
	return s
}

// notified says whether stakeholders were told: the last notification's
// outcome.
func notified(ns []runbook.Notification) string {
	if len(ns) == 0 {
		return ""
	}
	n := ns[len(ns)-1]
	switch {
	case n.Error == "":
		return "stakeholders were notified"
	case strings.HasPrefix(n.Error, "dry run"):
		return "a real run would notify stakeholders"
	}
	return "stakeholders were NOT notified: " + n.Error
}
