package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/report"
)

func (a *app) reportCmd() *cobra.Command {
	var format string
	var list, asJSON bool
	c := &cobra.Command{
		Use:   "report [RUN_ID|latest]",
		Short: "Re-render a past run's report from the history",
		Example: `  fossamaint report                       # the latest run as Markdown
  fossamaint report --format html latest > report.html
  fossamaint report --list`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			store, err := history.Open(cmd.Context(), in.StateDir, a.now)
			if err != nil {
				return err
			}
			defer store.Close()
			if list {
				runs, err := store.List(cmd.Context(), 50)
				if err != nil {
					return err
				}
				if asJSON {
					return a.encodeList("runs", runs)
				}
				for _, r := range runs {
					fmt.Fprintf(a.stdout, "%s  %s  %s\n", r.ID, r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Status)
				}
				return nil
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
			if err := report.Render(a.stdout, format, run, report.Options{Secrets: a.secrets(in.Config)}); err != nil {
				return withCode(ExitUsage, err)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "md", "md, json or html")
	c.Flags().BoolVar(&list, "list", false, "list the runs in the history")
	c.Flags().BoolVar(&asJSON, "json", false, "same as --format json (with --list: the list as JSON)")
	return c
}
