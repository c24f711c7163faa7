package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// The plain-text renderers below are what the commands print on a terminal
// when a run finished; like the files, they render from the run alone and
// redact first (Options.Secrets, inline secrets).

// Summary writes the lines `fossamaint weekly` ends with: the run's status,
// its findings counted by severity, downtime and duration, every finding
// that is not informational, and the next maintenance.
func Summary(w io.Writer, run *runbook.Run, opts Options) error {
	return renderText(w, run, opts, writeSummary)
}

// Steps writes every phase of the run with each step's status and note,
// its findings (with the evidence of those that are not informational),
// its metrics by name and its actions: what a command running one phase
// prints.
func Steps(w io.Writer, run *runbook.Run, opts Options) error {
	return renderText(w, run, opts, writeSteps)
}

// Restore writes what a restore or rollback did, step by step, its
// downtime, and (unless it was a dry run) its status and how to show it
// again.
func Restore(w io.Writer, run *runbook.Run, opts Options) error {
	return renderText(w, run, opts, writeRestore)
}

// renderText renders a redacted copy of run whole, then writes it once.
func renderText(w io.Writer, run *runbook.Run, opts Options, write func(*bytes.Buffer, *runbook.Run)) error {
	if run == nil {
		return errNilRun
	}
	r := newRedactor(opts.Secrets)
	var b bytes.Buffer
	write(&b, r.run(run))
	if _, err := w.Write(r.output(b.Bytes())); err != nil {
		return fmt.Errorf("writing the run's summary: %w", err)
	}
	return nil
}

func writeSummary(b *bytes.Buffer, run *runbook.Run) {
	counts := map[runbook.Severity]int{}
	var mine, host []runbook.LocatedFinding
	for _, f := range located(run) {
		if f.host {
			host = append(host, f.LocatedFinding)
			continue
		}
		counts[f.Severity]++
		mine = append(mine, f.LocatedFinding)
	}
	dry := ""
	if run.DryRun {
		dry = " (dry run: nothing was changed)"
	}
	fmt.Fprintf(b, "\nrun %s: %s%s\n", run.RunID, run.Status, dry)
	if run.Interrupted != nil {
		fmt.Fprintf(b, "%s\n", strings.ToLower(interruptedText(run)[:len("INTERRUPTED")])+interruptedText(run)[len("INTERRUPTED"):])
	}
	fmt.Fprintf(b, "findings: %d critical, %d warning, %d info; downtime %s; took %s\n",
		counts[runbook.Critical], counts[runbook.Warning], counts[runbook.Info], human.DurationSeconds(run.DowntimeSeconds),
		formatSpan(run.StartedAt, run.FinishedAt))
	r := relTo(run.Root)
	printNotable(b, "", mine, r)
	printNotable(b, "this host (not the installation):\n", host, r)
	if !run.NextMaintenance.IsZero() {
		fmt.Fprintf(b, "next maintenance: %s\n", run.NextMaintenance.Format("Mon 2006-01-02 15:04 MST"))
	}
}

// printNotable lists the findings that are not informational, under
// heading if there are any, with paths relative to the installation root.
func printNotable(b *bytes.Buffer, heading string, fs []runbook.LocatedFinding, r rel) {
	for _, f := range fs {
		if f.Severity == runbook.Info {
			continue
		}
		if heading != "" {
			b.WriteString(heading)
			heading = ""
		}
		fmt.Fprintf(b, "  %-8s %s/%s: %s\n", f.Severity, f.Phase, f.Step, r(f.Message))
	}
}

type locatedFinding struct {
	runbook.LocatedFinding
	host bool
}

// located is run.Findings with each finding's scope.
func located(run *runbook.Run) []locatedFinding {
	var out []locatedFinding
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			for _, f := range s.Findings {
				out = append(out, locatedFinding{runbook.LocatedFinding{Phase: p.Name, Step: s.Name, Finding: f}, isHost(s)})
			}
		}
	}
	return out
}

func writeSteps(b *bytes.Buffer, run *runbook.Run) {
	for _, ph := range run.Phases {
		status, _, _ := strings.Cut(phaseDetail(ph), ", ")
		fmt.Fprintf(b, "%s: %s\n", ph.Title, status)
		for _, s := range ph.Steps {
			status, note := stepStatus(s), s.Note
			if strings.HasPrefix(note, status) {
				status, note = note, "" // "not run (interrupted)" once
			}
			fmt.Fprintf(b, "  %-20s %s", s.Name, status)
			if note != "" {
				fmt.Fprintf(b, " (%s)", note)
			}
			b.WriteString("\n")
			for _, f := range s.Findings {
				fmt.Fprintf(b, "    %-8s %s\n", f.Severity, f.Message)
				if f.Evidence != "" && f.Severity != runbook.Info {
					for _, l := range strings.Split(strings.TrimRight(f.Evidence, "\n"), "\n") {
						fmt.Fprintf(b, "             %s\n", l)
					}
				}
			}
			names := make([]string, 0, len(s.Metrics))
			for name := range s.Metrics {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				fmt.Fprintf(b, "    %-36s %s\n", name, formatMetric(s.Metrics[name]))
			}
			writeStepActions(b, s, run)
		}
	}
}

func writeRestore(b *bytes.Buffer, run *runbook.Run) {
	for _, ph := range run.Phases {
		for _, st := range ph.Steps {
			for _, act := range st.Actions {
				fmt.Fprintf(b, "  %s\n", act)
			}
			for _, f := range st.Findings {
				fmt.Fprintf(b, "  %s: %s\n", f.Severity, f.Message)
			}
			if st.Note != "" {
				fmt.Fprintf(b, "  %s: %s\n", st.Name, st.Note)
			}
		}
	}
	if run.DowntimeSeconds > 0 {
		fmt.Fprintf(b, "downtime %s (services stopped until ready)\n", human.DurationSeconds(run.DowntimeSeconds))
	}
	if !run.DryRun {
		fmt.Fprintf(b, "%s run %s: %s (`fossamaint report %s` shows it)\n", run.Command, run.RunID, run.Status, run.RunID)
	}
}

// listedActions is how many of a step's actions a terminal shows; the
// JSON (and the history) keeps them all.
const listedActions = 20

// writeStepActions lists a step's actions, at most listedActions of them
// and then where the rest are, then its tallies (a rotation does hundreds
// of things: "done: 368 log files compressed").
func writeStepActions(b *bytes.Buffer, s runbook.StepResult, run *runbook.Run) {
	for i, act := range s.Actions {
		if i == listedActions {
			where := "--json lists them"
			if !run.DryRun && run.RunID != "" {
				where = "`fossamaint report --format json " + run.RunID + "` lists them"
			}
			fmt.Fprintf(b, "    … and %s (%s)\n", plural(len(s.Actions)-listedActions, "more action"), where)
			break
		}
		fmt.Fprintf(b, "    action: %s\n", act)
	}
	label := "done"
	if run.DryRun {
		label = "would do"
	}
	for _, t := range s.Tallies {
		fmt.Fprintf(b, "    %s: %s\n", label, tallyText(t))
	}
}
