package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/report"
)

func (a *app) reportCmd() *cobra.Command {
	var format string
	var list, all, asJSON bool
	c := &cobra.Command{
		Use:   "report [RUN_ID|latest]",
		Short: "Re-render a past run's report from the history",
		Long: `Re-renders a run's report from the history: the latest run by default, the
newest weekly run that is not a dry run and did not start after the clock
(a run made with a --now ahead of it is kept but is never "latest").

--list shows the runs: the weekly runs, newest first, with the latest
marked. Single commands recorded on their own (preflight, db optimize,
logs tidy, rollback, restore, prune) are not runs; --all lists them too,
marked as such. A dry run writes nothing, so it is never in the history
(one recorded by an older version is listed by --all, marked "dry run").
Reading the history changes nothing.`,
		Example: `  fossamaint report                       # the latest run as Markdown
  fossamaint report --format html latest > report.html
  fossamaint report --list
  fossamaint report --list --all --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && !list {
				return usageErr("--all goes with --list")
			}
			in, store, err := a.historyReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			if store != nil {
				defer store.Close()
			}
			if list {
				runs := []history.Summary{}
				if store != nil {
					if runs, err = store.List(cmd.Context(), history.ListOptions{All: all}); err != nil {
						return err
					}
				}
				if asJSON {
					return a.encodeList("runs", runs)
				}
				return printRunList(a.stdout, runs, in.Zone, all)
			}
			if store == nil {
				return usageErr("%w in %s: run `fossamaint weekly` first", history.ErrNoRuns, in.StateDir)
			}
			id := "latest"
			if len(args) == 1 {
				id = args[0]
			}
			run, err := store.Get(cmd.Context(), id)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if asJSON {
				format = "json"
			}
			run = run.In(in.Zone)
			a.compareWithLastWeek(cmd.Context(), in.StateDir, store, run)
			if err := report.Render(a.stdout, format, run, report.Options{Secrets: a.secrets(in.Config)}); err != nil {
				return withCode(ExitUsage, err)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "md", "md, json or html")
	c.Flags().BoolVar(&list, "list", false, "list the runs in the history")
	c.Flags().BoolVar(&all, "all", false, "with --list: single commands too (preflight, db optimize, ...)")
	c.Flags().BoolVar(&asJSON, "json", false, "same as --format json (with --list: the list as JSON)")
	return c
}

// printRunList writes the run list as a table: a header, then one line a
// run, aligned, with the start in the installation's zone.
func printRunList(w io.Writer, runs []history.Summary, loc *time.Location, all bool) error {
	if len(runs) == 0 {
		what := "no weekly run in the history yet"
		if all {
			what = "nothing in the history yet"
		}
		_, err := fmt.Fprintln(w, what)
		return err
	}
	var rows [][]string
	for _, r := range runs {
		rows = append(rows, []string{r.ID, r.StartedAt.In(zoneOr(loc)).Format("2006-01-02 15:04 MST"),
			r.Command, r.Status, runNote(r)})
	}
	if err := writeTable(w, []string{"RUN ID", "STARTED", "COMMAND", "STATUS", "NOTE"}, rows); err != nil {
		return err
	}
	if !all {
		_, err := fmt.Fprintln(w, "(weekly runs only; --all adds single commands)")
		return err
	}
	return nil
}

// runNote says what a line of the run list is beyond its status.
func runNote(r history.Summary) string {
	var notes []string
	if r.Latest {
		notes = append(notes, "latest")
	}
	if r.DryRun {
		notes = append(notes, "dry run")
	}
	if !r.Run && !r.DryRun {
		notes = append(notes, "single command")
	}
	if r.Future {
		notes = append(notes, "starts after now (--now)")
	}
	return strings.Join(notes, ", ")
}

func zoneOr(loc *time.Location) *time.Location {
	if loc == nil {
		return time.Local
	}
	return loc
}
