package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/history"
)

func (a *app) updatesHistoryCmd() *cobra.Command {
	var asJSON bool
	var f history.ChangeFilter
	c := &cobra.Command{
		Use:   "history",
		Short: "List the packages the weekly runs upgraded (and put back), newest first",
		Long: `Lists, newest run first, every package change the runs recorded in the
history: when, which run, the manager, the package and its versions before
and after. A run that undid its application updates (postflight health
failed) shows the upgrade and then the change back. Reading the history
changes nothing.`,
		Example: `  fossamaint updates history
  fossamaint updates history --package uvicorn --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Limit < 1 {
				return usageErr("--limit %d: give 1 or more", f.Limit)
			}
			in, store, err := a.historyReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			changes := []history.RecordedChange{}
			if store != nil {
				defer store.Close()
				if changes, err = store.RecentUpdateChanges(cmd.Context(), f); err != nil {
					return err
				}
			}
			if asJSON {
				return a.encodeList("changes", changes)
			}
			return printChanges(a.stdout, changes, in.Zone)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON")
	c.Flags().StringVar(&f.Package, "package", "", "only this package's changes")
	c.Flags().IntVar(&f.Limit, "limit", 100, "at most this many changes")
	return c
}

func printChanges(w io.Writer, changes []history.RecordedChange, loc *time.Location) error {
	if len(changes) == 0 {
		_, err := fmt.Fprintln(w, "No package change is recorded: updates.*.apply is none, or no run has applied one yet.")
		return err
	}
	var rows [][]string
	for _, c := range changes {
		when := "-"
		if !c.At.IsZero() {
			when = c.At.In(loc).Format("2006-01-02 15:04 MST")
		}
		rows = append(rows, []string{when, c.RunID, c.Manager, c.Package, c.From + " -> " + c.To})
	}
	return writeTable(w, []string{"WHEN", "RUN", "MANAGER", "PACKAGE", "CHANGE"}, rows)
}
