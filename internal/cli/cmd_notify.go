package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// sender is the installation's notification sender: notify.urls, with
// every secret the outputs know kept out of the messages.
func (a *app) sender(in *install.Installation) *notify.Sender {
	return notify.New(in.Config.Notify, a.secrets(in.Config))
}

func (a *app) notifyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "notify",
		Short: "Notifications (notify.urls): send a test message",
		Example: `  fossamaint notify test
  fossamaint notify test --json`,
	}
	c.AddCommand(a.notifyTestCmd())
	return c
}

func (a *app) notifyTestCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "test",
		Short: "Send a test message to every notify.urls destination and report each result",
		Long: `Sends one test message to every URL of notify.urls, whatever
notify.events says, each retried with backoff within notify.timeout, and
reports each destination (its URL with secrets redacted), whether it took
the message, the attempts and the time. Exit 0 when every destination took
it, 1 when one did not, 64 when notify.urls is empty.`,
		Example: `  fossamaint notify test
  fossamaint notify test --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			s := a.sender(in)
			if !s.Wants(notify.Test) {
				return withCode(ExitUsage, errors.New("notify.urls is empty: add a shoutrrr URL (e.g. generic+https://host/hook or smtp://user:password@host:587/?from=a@b&to=c@d) to the config"))
			}
			host, _ := os.Hostname()
			rs := s.Send(cmd.Context(), notify.Message{Event: notify.Test, Title: "fossamaint test message",
				Body: fmt.Sprintf("Test message from fossamaint on %s at %s: notifications of %s reach this destination.",
					host, a.now().In(in.Window.Location).Format("Mon 2006-01-02 15:04 MST"), in.Root)})
			if err := a.writeSendResults(rs, asJSON); err != nil {
				return err
			}
			if len(notify.Failures(rs)) > 0 {
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// writeSendResults prints one line per destination.
func (a *app) writeSendResults(rs []notify.Result, asJSON bool) error {
	if asJSON {
		return a.encodeList("results", rs)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DESTINATION\tATTEMPTS\tTIME\tRESULT")
	for _, r := range rs {
		res := "ok"
		if !r.OK {
			res = "error: " + r.Error
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.URL, r.Attempts, r.Elapsed, res)
	}
	return tw.Flush()
}

// notifyEnd sends the end of a real run (finished, failed or rolled_back)
// once its report is written; a destination that did not take it, or a
// history that could not record it, is said on stderr (the report is
// already written, the exit code stays the run's).
func (a *app) notifyEnd(ctx context.Context, in *install.Installation, run *runbook.Run, reportPath string) {
	rs, err := weekly.NotifyEnd(context.WithoutCancel(ctx), in, a.sender(in), run, reportPath, a.now)
	for _, f := range notify.Failures(rs) {
		fmt.Fprintf(a.stderr, "fossamaint: warning: the %s notification did not reach %s: %s (check it with `fossamaint notify test`)\n", weekly.EndEvent(run), f.URL, f.Error)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "fossamaint: warning: the %s notification was not recorded in the history: %v\n", weekly.EndEvent(run), err)
	}
}
