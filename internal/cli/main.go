package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/weekly"
)

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
	// in is the installation once installation() has resolved it.
	in  *install.Installation
	now func() time.Time
	// noColor is --no-color (see progress.go for NO_COLOR and TERM=dumb).
	noColor bool
	// weekly is the procedure of the run `weekly` made, for its reboot
	// after the report (updates.reboot: now).
	weekly *weekly.Procedure
}

// Main runs the CLI with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Every byte printed goes through the redaction layer: labelled
	// secrets from the start, the installation's own once the config is
	// read.
	out, errOut := redact.NewWriter(stdout, nil), redact.NewWriter(stderr, nil)
	// written tells whether a command printed anything on stdout (the
	// JSON error object is for commands that did not).
	written := &ctxio.CountingWriter{W: out}
	a := &app{stdout: written, stderr: errOut, outputs: []*redact.Writer{out, errOut}, now: func() time.Time { return wallClock() }}
	stdout, stderr = written, errOut
	defer func() {
		// Partial last lines; there is no one left to tell of a failure.
		_ = out.Flush()
		_ = errOut.Flush()
	}()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := codeFor(err)
	var silent *silentError
	if !errors.As(err, &silent) {
		fmt.Fprintln(stderr, "fossamaint:", err)
		if written.N == 0 && wantsJSON(cmd, args) {
			// A script that asked for JSON gets JSON, refusals included.
			_ = writeJSON(stdout, jsonError{Error: err.Error(), ExitCode: code})
		}
	}
	return code
}

// jsonError is what a --json command that was refused or failed prints on
// stdout (the message is on stderr as well).
type jsonError struct {
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
}

// wantsJSON: --json was given, parsed by the command or, when parsing
// failed before it (an unknown flag, a bad value), in the arguments.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd != nil {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
			return f.Value.String() == "true"
		}
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "--json=true":
			return true
		}
	}
	return false
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

// rootLong is the root's description; the help adds the exit-code table,
// the man page an EXIT STATUS section.
const rootLong = `fossamaint performs the weekly maintenance of a FossaWork V2 installation:
pre-flight checks, update checks, database verification, log analysis,
performance trends, security review, backup verification and post-flight
health, inside the maintenance window, ending with a report.`

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fossamaint",
		Short: "Weekly maintenance of a FossaWork V2 installation, safely and measurably",
		Long:  rootLong + "\n\n" + exitCodesHelp(),
		Example: `  fossamaint demo                      # the whole procedure on a generated installation
  fossamaint weekly --config /etc/fossamaint/fossamaint.yaml
  fossamaint weekly --dry-run --only preflight,database`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       build.line(),
	}
	// --version without cobra's -v shorthand: ops people read -v as
	// verbose, so -v is an unknown flag that points at --version.
	root.Flags().Bool("version", false, "print the version line (as fossamaint version does) and exit")
	root.SetVersionTemplate("{{.Version}}\n")
	def := os.Getenv("FOSSAMAINT_CONFIG")
	if def == "" {
		def = "/etc/fossamaint/fossamaint.yaml"
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&a.configPath, "config", "c", def, "config file (env FOSSAMAINT_CONFIG)")
	pf.Var(&nowFlag{a: a}, "now", "act as if the time were this RFC 3339 instant (re-analysis, tests); the clock still runs")
	pf.BoolVar(&a.noColor, "no-color", false, "no colours or other escape sequences (also NO_COLOR=1 or TERM=dumb)")
	root.AddCommand(
		a.configCmd(),
		a.weeklyCmd(),
		a.reportCmd(),
		a.historyCmd(),
		a.healthCmd(),
		a.demoCmd(),
		a.demoBackendCmd(),
		a.rollbackCmd(),
		a.recoverCmd(),
		a.versionCmd(),
		a.manCmd(),
		a.scheduleCmd(),
		a.daemonCmd(),
		a.notifyCmd(),
		a.noticeCmd(),
		a.serveCmd(),
		a.fleetCmd(),
	)
	for _, c := range a.phaseCmds() {
		root.AddCommand(c)
	}
	enforceUsage(root)
	return root
}

// wallClock is the real clock. The CLI's script tests replace it with one
// that jumps at a fault point, to bring a run to the end of its window.
var wallClock = time.Now

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
		// Not Go's layout error, which shows the reference time.
		return errors.New("want an RFC 3339 time such as 2026-11-28T02:00:00Z")
	}
	f.set = s
	offset := t.Sub(wallClock())
	f.a.now = func() time.Time { return wallClock().Add(offset) }
	return nil
}
