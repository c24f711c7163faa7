package cli

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/sandbox"
)

// demoBackendCmd is the demo's simulated FossaWork backend and the
// start/stop/status commands the exec service manager runs for it.
func (a *app) demoBackendCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:     "demo-backend",
		Short:   "The demo installation's simulated backend (used by `fossamaint demo`)",
		Hidden:  true,
		Example: "  fossamaint demo-backend serve --dir /tmp/fossamaint-demo-123",
	}
	c.PersistentFlags().StringVar(&dir, "dir", "", "the demo installation directory")
	_ = c.MarkPersistentFlagRequired("dir")
	c.AddCommand(
		&cobra.Command{Use: "serve", Short: "Serve in the foreground until interrupted", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return sandbox.RunBackend(cmd.Context(), dir) }},
		&cobra.Command{Use: "start", Short: "Start the backend detached", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				return sandbox.StartDaemon(cmd.Context(), dir, []string{exe, "demo-backend", "serve", "--dir", dir})
			}},
		&cobra.Command{Use: "stop", Short: "Stop the detached backend", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return sandbox.StopDaemon(cmd.Context(), dir, 10*time.Second)
			}},
		&cobra.Command{Use: "status", Short: "Exit 0 if the backend runs, 1 if not", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, running, err := sandbox.DaemonStatus(dir)
				if err != nil {
					return err
				}
				if !running {
					// Not LSB's 3, which is ExitOutside here: a status
					// check that found something, so a warning. The exec
					// manager reads any non-zero exit as "not active".
					return exitSilently(ExitWarn)
				}
				return nil
			}},
	)
	return c
}
