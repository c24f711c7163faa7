package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// app carries what every command shares; no globals.
type app struct {
	// stdout and stderr redact everything written to them (outputs).
	stdout, stderr io.Writer
	outputs        []*redact.Writer
	// secretsOf is the .env file whose secrets the outputs know ("" until
	// a config was loaded), and secretList those secrets.
	secretsOf  string
	secretList []string
	configPath string
	now        func() time.Time
}

// Main runs the CLI with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Every byte printed goes through the redaction layer: labelled
	// secrets from the start, the installation's own once the config is
	// read.
	out, errOut := redact.NewWriter(stdout, nil), redact.NewWriter(stderr, nil)
	a := &app{stdout: out, stderr: errOut, outputs: []*redact.Writer{out, errOut}, now: time.Now}
	stdout, stderr = out, errOut
	defer func() {
		// Partial last lines; there is no one left to tell of a failure.
		_ = out.Flush()
		_ = errOut.Flush()
	}()
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
	root.PersistentFlags().Var(&nowFlag{a: a}, "now", "act as if the time were this RFC 3339 instant (re-analysis, tests); the clock still runs")
	root.AddCommand(
		a.configCmd(),
		a.weeklyCmd(),
		a.reportCmd(),
		a.healthCmd(),
		a.demoCmd(),
		a.demoBackendCmd(),
		a.rollbackCmd(),
		a.recoverCmd(),
	)
	for _, c := range a.phaseCmds() {
		root.AddCommand(c)
	}
	var decorate func(c *cobra.Command)
	decorate = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			sub.SetFlagErrorFunc(root.FlagErrorFunc())
			if sub.Long == "" {
				sub.Long = sub.Short
			}
			sub.Long += "\n\n" + exitCodesHelp()
			decorate(sub)
		}
	}
	decorate(root)
	return root
}

// nowFlag shifts the clock to a given instant; time keeps passing from
// there, so durations and budgets stay real.
type nowFlag struct {
	a   *app
	set string
}

func (f *nowFlag) String() string { return f.set }
func (f *nowFlag) Type() string   { return "time" }
func (f *nowFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("want RFC 3339, e.g. 2026-11-28T02:00:00Z: %w", err)
	}
	f.set = s
	offset := time.Until(t)
	f.a.now = func() time.Time { return time.Now().Add(offset) }
	return nil
}
