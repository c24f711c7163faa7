package report

import (
	"context"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// box is the summary a manager reads first: the outcome, the downtime,
// what was done, what needs a human and the three most important
// findings. The sections after it are the seed's template.
type box struct {
	Downtime string
	Took     string
	// DoneLabel is "Done", or "Would do" in a dry run.
	DoneLabel string
	Done      []string
	// Human says how much needs a person: "1 critical, 17 warnings; 16
	// recommendations", or "nothing".
	Human string
	Top   []issue
	// HostNote points at the "This host" section when it has findings.
	HostNote string
}

func buildBox(run *runbook.Run, v *view, r rel) box {
	b := box{
		Downtime:  v.Downtime + downtimeSteps(run.Phases),
		Took:      v.Duration,
		DoneLabel: "Done",
		Human:     needsHuman(v),
		Top:       topIssues(v.Issues, 3),
	}
	if run.DryRun {
		b.DoneLabel = "Would do"
	}
	if !run.Window.End.IsZero() && !run.FinishedAt.IsZero() {
		if run.FinishedAt.After(run.Window.End) {
			b.Took += ", past the end of the window"
		} else {
			b.Took += " of a " + formatSpan(run.Window.Start, run.Window.End) + " window"
		}
	}
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			if line := doneLine(p.Name+"/"+s.Name, s, r, run.DryRun); line != "" {
				b.Done = append(b.Done, line)
			}
		}
	}
	n := 0
	for _, h := range v.HostSteps {
		for _, f := range h.Findings {
			if f.Severity != runbook.Info.String() {
				n++
			}
		}
	}
	if n > 0 {
		b.HostNote = plural(n, "finding") + " about the machine itself, not the installation (see This host)"
	}
	return b
}

// doneLine says in one line what a step that changes things did, in the
// past tense: its tallies ("1 weekly backup taken (66 MiB)", the words
// steps choose for it), or how many actions it did. In a dry run, under
// "Would do", its first action and how many more.
func doneLine(where string, s runbook.StepResult, r rel, dryRun bool) string {
	if s.Kind == runbook.ReadOnly || isHost(s) {
		return ""
	}
	if s.Undone {
		how := "failed"
		if s.Status == runbook.StatusInterrupted {
			how = "interrupted"
		}
		return where + ": " + how + ", then undone: nothing of it is left"
	}
	if len(s.Tallies) > 0 {
		parts := make([]string, len(s.Tallies))
		for i, t := range s.Tallies {
			parts[i] = tallyText(t)
		}
		return where + ": " + strings.Join(parts, ", ")
	}
	if len(s.Actions) == 0 {
		return ""
	}
	if !dryRun {
		// Actions are recorded as commands ("write X"): in a list of
		// what was done they would read as orders. Tallies say it.
		return where + ": " + plural(len(s.Actions), "action") + " (see Actions Taken)"
	}
	// A dry run's "would: write X" under "Would do" reads as it should.
	line := where + ": " + firstLine(r(strings.TrimPrefix(s.Actions[0], "would: ")), 90)
	if n := len(s.Actions) - 1; n > 0 {
		line += " (+" + plural(n, "more action") + ")"
	}
	return line
}

func downtimeSteps(phases []runbook.PhaseResult) string {
	var where []string
	for _, p := range phases {
		for _, s := range p.Steps {
			if m, ok := s.Metrics[runbook.MetricDowntimeSeconds]; ok && m.Value > 0 {
				where = append(where, p.Name+"/"+s.Name)
			}
		}
	}
	if len(where) == 0 {
		return ""
	}
	return ", during " + strings.Join(where, ", ")
}

func needsHuman(v *view) string {
	var parts []string
	for _, g := range v.Issues {
		word := g.Severity
		if word == runbook.Critical.String() {
			word += " finding"
		}
		parts = append(parts, plural(len(g.Items), word))
	}
	out := strings.Join(parts, ", ")
	if out == "" {
		out = "no finding"
	}
	// Postponed steps have a recommendation of their own in the run (run
	// it in the next window): count them once, as postponed steps.
	n := 0
	for _, rec := range v.Recommendations {
		if rec.Where != "" {
			n++
		}
	}
	if n > 0 {
		out += "; " + plural(n, "recommendation")
	}
	if len(v.Special) > 0 {
		out += "; " + plural(len(v.Special), "postponed step")
	}
	if n := v.notRun; n > 0 {
		out += "; " + plural(n, "step") + " not run (" + v.notRunWhy + "): run again in the next window"
	}
	return out
}

// statusText is the run's outcome in words, for the summary.
func statusText(run *runbook.Run) string {
	if run.Interrupted != nil {
		return interruptedText(run)
	}
	s := strings.ToUpper(strings.ReplaceAll(orNA(string(run.Status)), "_", " "))
	switch run.Status {
	case runbook.RunOK:
		s += " — finished, nothing needs attention"
	case runbook.RunWarn:
		s += " — finished with findings to look at"
	case runbook.RunFail:
		s += " — a step failed or found a critical problem"
	case runbook.RunRolledBack:
		s += " — the run's changes were undone"
	case runbook.RunRunning:
		s += " — the run has not finished, or died"
	}
	if run.DryRun {
		s += " (dry run: nothing was changed)"
	}
	return s
}

// interruptedText is the headline of a run a signal stopped: where, and
// what became of the step it cut short ("INTERRUPTED — stopped by a
// signal (interrupt) at database/optimize; its changes were undone and
// the services started again"). The run's status (fail, rolled_back)
// stays in the JSON; a reader needs the why.
func interruptedText(run *runbook.Run) string {
	in := run.Interrupted
	by := "stopped by a signal"
	if sig, ok := strings.CutSuffix(in.Cause, " signal received"); ok {
		by += " (" + sig + ")"
	} else if in.Cause != "" && in.Cause != context.Canceled.Error() {
		by = "stopped (" + in.Cause + ")"
	}
	s := "INTERRUPTED — " + by
	where := in.Phase + "/" + in.Step
	switch {
	case in.Step == "":
		s += " as the last step finished; every step ran"
	case !in.During:
		s += " before " + where + "; the steps from there on did not run"
	default:
		s += " at " + where
		if st, ok := run.Step(in.Phase, in.Step); ok && !run.DryRun {
			s += "; " + cutShort(st)
		}
		s += "; the steps after it did not run"
	}
	if run.DryRun {
		s += " (dry run: nothing was changed)"
	}
	return s
}

// cutShort says what became of the step a signal cut short.
func cutShort(s runbook.StepResult) string {
	switch {
	case s.Kind == runbook.ReadOnly:
		return "it only reads, so nothing was left half done"
	case s.Undone && s.Metrics[runbook.MetricDowntimeSeconds].Value > 0:
		// The undo measured the downtime it ended: services were
		// stopped, and are up again.
		return "its changes were undone and the services started again"
	case s.Undone && s.Kind == runbook.Downtime:
		return "its changes were undone; no service had been stopped yet"
	case s.Undone:
		return "its changes were undone"
	case hasCritical(s):
		return "undoing it failed: see the critical finding, then run `fossamaint recover`"
	}
	return "it may have been left half done: run `fossamaint recover`"
}

func hasCritical(s runbook.StepResult) bool {
	for _, f := range s.Findings {
		if f.Severity >= runbook.Critical {
			return true
		}
	}
	return false
}
