package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// noticeOutput is `notice --json`: the notice, and how it went out.
type noticeOutput struct {
	Notice *weekly.Notice `json:"notice"`
	// Sent is one result per destination (empty: none, or a dry run).
	Sent   []notify.Result `json:"sent"`
	DryRun bool            `json:"dry_run"`
	// Recorded says the history holds that it went out.
	Recorded bool `json:"recorded"`
}

func (a *app) noticeCmd() *cobra.Command {
	var asJSON, dryRun bool
	c := &cobra.Command{
		Use:   "notice",
		Short: "Send the stakeholder notice of the next maintenance window",
		Long: `Writes the seed's Friday notice for the next window: when it opens
and closes (in the window's zone), what will run and what the
configuration leaves out, the expected downtime (median and worst of the
last runs' measured downtime), whether a VACUUM is expected from the
database's fragmentation today, the updates the window applies (updates.*.apply; none by default) and
the rollback plan. It prints it, sends it to notify.urls (event notice)
and records in the history that it went out: the next weekly report says
whether and when. With --dry-run it only prints it. Exit 1 when a
destination did not take it.`,
		Example: `  fossamaint notice --dry-run
  fossamaint notice --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			proc := a.procedure(in)
			n, err := proc.Notice(ctx)
			if err != nil {
				return fmt.Errorf("writing the notice: %w", err)
			}
			out := noticeOutput{Notice: n, Sent: []notify.Result{}, DryRun: dryRun}
			var recErr error
			if !dryRun {
				rs, err := proc.SendNotice(ctx, n, a.sender(in))
				out.Sent = append(out.Sent, rs...)
				out.Recorded, recErr = err == nil, err
			}
			if err := a.writeNotice(out, asJSON); err != nil {
				return err
			}
			if recErr != nil {
				return fmt.Errorf("recording the notice in the history: %w (the next report will say it did not go out)", recErr)
			}
			if len(notify.Failures(out.Sent)) > 0 {
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the notice only: send nothing, record nothing")
	return c
}

func (a *app) writeNotice(out noticeOutput, asJSON bool) error {
	if asJSON {
		return a.encodeJSON(out)
	}
	fmt.Fprint(a.stdout, out.Notice.Text())
	switch {
	case out.DryRun:
		fmt.Fprintln(a.stdout, "\nnot sent (--dry-run): nothing sent, nothing recorded")
		return nil
	case len(out.Sent) == 0:
		fmt.Fprintln(a.stdout, "\nsent to no destination (notify.urls is empty or notify.events leaves out notice); recorded as printed")
		return nil
	}
	fmt.Fprintln(a.stdout)
	return a.writeSendResults(out.Sent, false)
}
