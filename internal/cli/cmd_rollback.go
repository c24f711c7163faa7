package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/weekly"
)

func (a *app) rollbackCmd() *cobra.Command {
	var runID string
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "rollback",
		Short: "Restore the rollback point a run recorded (the seed's emergency rollback)",
		Long: `Stops the database's service, restores exactly the rollback point the run
recorded (its pre-maintenance file), keeps the replaced database in
backups/pre-recovery, starts the service and waits until it is ready.
A run already rolled back is left alone, so running this twice cannot throw
away writes made since. A run that changed no database file has no rollback
point: the command refuses and says how to restore a backup instead.`,
		Example: `  fossamaint rollback                 # the latest run
  fossamaint rollback --run 20261128-020001-ab12cd --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, proc, err := a.loadProcedure()
			if err != nil {
				return err
			}
			res, err := proc.Rollback(cmd.Context(), runID, dryRun)
			if errors.Is(err, weekly.ErrNoRollbackPoint) {
				return withCode(ExitUsage, err)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeJSON(res)
			}
			if res.Already {
				fmt.Fprintf(a.stdout, "run %s was already rolled back to %s: nothing to do\n", res.RunID, res.Point)
				return nil
			}
			for _, act := range res.Actions {
				fmt.Fprintf(a.stdout, "  %s\n", act)
			}
			fmt.Fprintf(a.stdout, "run %s rolled back to %s\n", res.RunID, res.Point)
			return nil
		},
	}
	c.Flags().StringVar(&runID, "run", "latest", "the run whose rollback point to restore")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be done, change nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) recoverCmd() *cobra.Command {
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "recover",
		Short: "Finish or undo what a run that died left behind",
		Long: `Finds runs in the history that never finished (killed, OOM, reboot). If one
died during the database downtime, the database in place is checked and its
rollback point is restored when the file is missing or damaged. Then every
managed service that is down is started. The next weekly run does the same
before anything else.`,
		Example: "  fossamaint recover --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, proc, err := a.loadProcedure()
			if err != nil {
				return err
			}
			res, err := proc.Recover(cmd.Context(), dryRun)
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
			return err
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be done, change nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}
