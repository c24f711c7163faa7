package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/weekly"
)

type weeklyFlags struct {
	dryRun, forceWindow, asJSON bool
	only, skip                  []string
	// skipSteps are "phase/step" names a phase command leaves out.
	skipSteps []string
}

func (a *app) weeklyCmd() *cobra.Command {
	var f weeklyFlags
	c := &cobra.Command{
		Use:   "weekly",
		Short: "Run the whole weekly maintenance procedure and write the report",
		Long: `Runs the phases ` + strings.Join(weekly.PhaseNames, ", ") + `
in order inside the maintenance window, then writes
<reports_dir>/maintenance-<YYYYMMDD-HHMMSS>.{md,json,html}. The last line
printed is "report: <path of the .md>".

With --dry-run nothing is changed and nothing is written (no directory, no
report, no history): every step says what it would do, and the report goes
to stdout only. A dry run goes ahead at any time (it changes nothing);
outside the window it first says that a real run now would be refused.`,
		Example: `  fossamaint weekly --config /etc/fossamaint/fossamaint.yaml
  fossamaint weekly --dry-run
  fossamaint weekly --only preflight,database --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			f.forceWindow = a.dryRunWindow(in.Window, f)
			run, err := a.runWeekly(cmd.Context(), in, f)
			if run == nil {
				return err
			}
			return a.finishWeekly(cmd.Context(), in, run, f.asJSON, err)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.dryRun, "dry-run", false, "change nothing: describe every mutating action instead")
	fl.BoolVar(&f.forceWindow, "force-window", false, "run even outside the maintenance window")
	fl.BoolVar(&f.asJSON, "json", false, "print the JSON report on stdout")
	fl.StringSliceVar(&f.only, "only", nil, "run only these phases (comma-separated)")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip these phases (comma-separated)")
	return c
}

func (a *app) runWeekly(ctx context.Context, in *install.Installation, f weeklyFlags) (*runbook.Run, error) {
	proc := a.procedure(in)
	a.weekly = proc
	pr := a.newProgress()
	sender := a.sender(in)
	run, err := proc.Execute(ctx, weekly.Options{
		DryRun: f.dryRun, Only: f.only, Skip: f.skip, ForceWindow: f.forceWindow,
		ToolVersion: Version, Progress: pr.event, Notify: sender,
		Notifier: weekly.Notifiers(weekly.PrintNotifier(a.stderr), sender),
	})
	if errors.Is(err, weekly.ErrPhaseSelection) {
		return nil, withCode(ExitUsage, err)
	}
	return run, err
}

// finishWeekly writes the three reports (a dry run's only to stdout),
// prints the summary and maps the run to an exit code.
func (a *app) finishWeekly(ctx context.Context, in *install.Installation, run *runbook.Run, asJSON bool, runErr error) error {
	a.afterRun(ctx, in, run) // week over week; the metrics textfile
	opts := report.Options{Secrets: a.secrets(in.Config)}
	var where string
	if run.DryRun {
		if err := a.showDryRun(run, asJSON, opts); err != nil {
			return err
		}
		where = "not written (a dry run writes nothing; without --dry-run it goes to " + in.ReportsDir + ")"
	} else {
		paths, err := report.Write(context.WithoutCancel(ctx), in.ReportsDir, run, opts)
		if err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		where = paths.Markdown
		a.notifyEnd(ctx, in, run, where)
		a.syncAfterRun(ctx, in)  // history.url: within history.timeout, a warning at worst
		defer a.rebootIfDue(ctx) // updates.reboot: now, after the summary too
		if asJSON {
			if err := report.Render(a.stdout, "json", run, opts); err != nil {
				return err
			}
		} else {
			// As before, a failing stdout does not change the exit code
			// of a run whose report was written.
			_ = report.Summary(a.stdout, run, opts)
		}
	}
	if asJSON {
		fmt.Fprintf(a.stderr, "report: %s\n", where)
	} else {
		fmt.Fprintf(a.stdout, "report: %s\n", where)
	}
	if runErr != nil {
		if weekly.IsInterrupted(runErr) {
			return withCode(ExitInterrupted, runErr)
		}
		return runErr
	}
	return exitSilently(runExit(run))
}

// showDryRun prints a dry run's report: every step with what it would do,
// then the summary (the JSON report with asJSON). The files a run writes
// are rendered too, in memory only, so that a dry run fails where the run
// would fail to render them.
func (a *app) showDryRun(run *runbook.Run, asJSON bool, opts report.Options) error {
	for _, f := range report.Formats {
		if err := report.Render(io.Discard, f, run, opts); err != nil {
			return fmt.Errorf("rendering the report: %w", err)
		}
	}
	if asJSON {
		return report.Render(a.stdout, "json", run, opts)
	}
	// As for a real run, a failing stdout does not change the exit code.
	_ = report.Steps(a.stdout, run, opts)
	_ = report.Summary(a.stdout, run, opts)
	return nil
}

// dryRunWindow is the --force-window a run gets: a dry run changes
// nothing, so it needs no window; outside one it says first that a real
// run now would be refused (exit 3) and when the window opens, on stdout
// (stderr with --json, whose stdout is the report).
func (a *app) dryRunWindow(win runbook.Window, f weeklyFlags) bool {
	now := a.now()
	if f.forceWindow || !f.dryRun {
		return f.forceWindow
	}
	if _, inside := win.Current(now); inside {
		return false
	}
	w := a.stdout
	if f.asJSON {
		w = a.stderr
	}
	fmt.Fprintf(w, "note: %s: a real run now (%s) would be refused (exit 3); the next window opens %s. This dry run goes ahead: it changes nothing.\n",
		closedWhy(win, now), now.In(win.Location).Format("Mon 2006-01-02 15:04 MST"), win.Next(now).Start.In(win.Location).Format("Mon 2006-01-02 15:04 MST"))
	return true
}

// closedWhy is why no window is open at now: "outside the maintenance
// window", or the blackout entry that closed it.
func closedWhy(win runbook.Window, now time.Time) string {
	if b := win.Refusal(now).Blackout; b != "" {
		return fmt.Sprintf("a blackout date (window.blackout %q)", b)
	}
	return "outside the maintenance window"
}
