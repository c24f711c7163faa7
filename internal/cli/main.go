package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// app carries what every command shares; no globals.
type app struct {
	stdout, stderr io.Writer
	configPath     string
	now            func() time.Time
}

// Main runs the CLI with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := codeFor(err)
	var silent *silentError
	if !errors.As(err, &silent) {
		fmt.Fprintln(stderr, "fossamaint:", err)
	}
	return code
}

// silentError carries an exit code whose explanation was already printed
// (a run that finished with warnings is not an error message).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitSilently(code int) error {
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: &silentError{code: code}}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fossamaint",
		Short: "Weekly maintenance of a FossaWork V2 installation, safely and measurably",
		Long: `fossamaint performs the weekly maintenance of a FossaWork V2 installation:
pre-flight checks, update checks, database verification, log analysis,
performance trends, security review, backup verification and post-flight
health, inside the maintenance window, ending with a report.

` + exitCodesHelp(),
		Example: `  fossamaint demo                      # the whole procedure on a generated installation
  fossamaint weekly --config /etc/fossamaint/fossamaint.yaml
  fossamaint weekly --dry-run --only preflight,database`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see `%s --help`)", err, c.CommandPath())
	})
	def := os.Getenv("FOSSAMAINT_CONFIG")
	if def == "" {
		def = "/etc/fossamaint/fossamaint.yaml"
	}
	root.PersistentFlags().StringVarP(&a.configPath, "config", "c", def, "config file (env FOSSAMAINT_CONFIG)")
	root.AddCommand(
		a.configCmd(),
		a.weeklyCmd(),
		a.reportCmd(),
		a.healthCmd(),
		a.demoCmd(),
		a.demoBackendCmd(),
	)
	for _, c := range a.phaseCmds() {
		root.AddCommand(c)
	}
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(root.FlagErrorFunc())
		if c.Long == "" {
			c.Long = c.Short
		}
		c.Long += "\n\n" + exitCodesHelp()
	}
	return root
}
