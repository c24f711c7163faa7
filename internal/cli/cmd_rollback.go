package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
)

func (a *app) rollbackCmd() *cobra.Command {
	var runID string
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "rollback",
		Short: "Restore the rollback point a run recorded (the seed's emergency rollback)",
		Long: `Stops every managed service (backend and frontend), restores exactly the
rollback point the run recorded (its pre-maintenance file) and the
configuration it snapshotted (.env), keeps what it replaces in
backups/pre-recovery, starts the services, waits until they are ready and
probes the endpoints. The rollback is journalled like a weekly run: if it is
killed, ` + "`fossamaint recover`" + ` finishes it.
A run already rolled back is left alone, so running this twice cannot throw
away writes made since. A run that changed no database file has no rollback
point: the command refuses and says how to restore a backup instead.
With PostgreSQL the rollback point is the run's dump: it is restored into
a new database, switched in by rename, and the replaced database is kept
under <db>_replaced_<stamp> (the output names it).`,
		Example: `  fossamaint rollback                 # the latest weekly run (report --list marks it)
  fossamaint rollback --run 20261128-020001-ab12cd --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			res, err := a.recovery(in).Rollback(cmd.Context(), runID, dryRun)
			switch {
			case errors.Is(err, recovery.ErrNoRollbackPoint):
				return withCode(ExitUsage, err)
			case errors.Is(err, history.ErrNoRuns) && runID != "latest" && runID != "":
				return usageErr("no run %s in the history (`fossamaint report --list` shows them)", runID)
			}
			if err != nil {
				return err
			}
			if asJSON {
				if err := a.encodeRollback(res, in.Config); err != nil {
					return err
				}
			} else if res.Already {
				fmt.Fprintf(a.stdout, "run %s was already rolled back to %s: nothing to do\n", res.RunID, res.Point)
			}
			if res.Run == nil {
				return nil
			}
			if !asJSON {
				a.printRestoreRun(res.Run)
				if res.Run.Status != runbook.RunFail && !res.Run.DryRun {
					fmt.Fprintf(a.stdout, "run %s rolled back to %s\n", res.RunID, res.Point)
				}
			}
			return restoreRunError(res.Run)
		},
	}
	c.Flags().StringVar(&runID, "run", "latest", "the run whose rollback point to restore (latest: the newest real weekly run)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be done, change nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) recoverCmd() *cobra.Command {
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "recover",
		Short: "Finish or undo what a run that died left behind",
		Long: `Finds runs in the history that never finished (killed, OOM, reboot): weekly
runs, rollbacks and restores. If one died inside a step that changes files,
the database in place is checked and the run's rollback point is restored
when the file is missing or damaged. Then every managed service that is down
is started, and the temporary files of fossamaint processes that are gone
are removed. The next weekly run does the same before anything else.
A dry run opens the history read-only and changes nothing, so the real
recover afterwards still finds the dead run.

Exit 0 when nothing had died, 1 when a dead run was found and dealt with,
2 when it could not be dealt with.`,
		Example: "  fossamaint recover --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			res, err := a.recovery(in).Recover(cmd.Context(), dryRun)
			if asJSON {
				if jerr := a.encodeJSON(res); jerr != nil {
					return jerr
				}
			} else {
				if res.Note != "" {
					fmt.Fprintln(a.stdout, res.Note)
				}
				for _, f := range res.Findings {
					fmt.Fprintf(a.stdout, "%s: %s\n", f.Severity, f.Message)
				}
				for _, act := range res.Actions {
					fmt.Fprintf(a.stdout, "  %s\n", act)
				}
			}
			if err != nil {
				return err
			}
			// Something died and was dealt with: a warning for timers.
			return exitSilently(runCode(runbook.Overall([]runbook.PhaseResult{{Status: res.Status}})))
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be done, change nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// encodeRollback writes a rollback's result with its run in the report's
// JSON (redacted, empty lists as []), like every other run.
func (a *app) encodeRollback(res recovery.RollbackResult, cfg config.Config) error {
	out := struct {
		RunID   string          `json:"run_id"`
		Point   string          `json:"rollback_point"`
		Already bool            `json:"already_rolled_back"`
		Run     json.RawMessage `json:"run,omitempty"`
	}{RunID: res.RunID, Point: res.Point, Already: res.Already}
	if res.Run != nil {
		var b bytes.Buffer
		if err := report.Render(&b, report.FormatJSON, res.Run, report.Options{Secrets: a.secrets(cfg)}); err != nil {
			return err
		}
		out.Run = b.Bytes()
	}
	return a.encodeJSON(out)
}

// printRestoreRun prints what a rollback or restore did (report.Restore).
// As before, a failing stdout does not change the exit code of a restore
// that was made.
func (a *app) printRestoreRun(run *runbook.Run) {
	_ = report.Restore(a.stdout, run, report.Options{Secrets: a.secretList})
}

// restoreRunError is a failed rollback or restore's error for stderr (the
// first critical finding, which says what went wrong), or the exit code of
// one that finished.
func restoreRunError(run *runbook.Run) error {
	if run.Status != runbook.RunFail {
		return exitSilently(runExit(run))
	}
	for _, f := range run.Findings() {
		if f.Severity == runbook.Critical {
			return withCode(ExitFail, fmt.Errorf("%s %s failed: %s", run.Command, run.RunID, f.Message))
		}
	}
	return withCode(ExitFail, fmt.Errorf("%s %s failed", run.Command, run.RunID))
}
