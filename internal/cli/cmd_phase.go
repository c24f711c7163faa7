package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// phaseCmd describes a command that runs one phase of the weekly
// procedure on its own, as the seed's /tools/operations scripts could.
type phaseCmd struct {
	parent, use, phase, short, example string
	// skipSteps are steps of the phase the command leaves out
	// ("phase/step").
	skipSteps []string
}

var phaseCommands = []phaseCmd{
	{"", "preflight", "preflight", "Pre-maintenance verification: today's backup, resources, recent errors, latency baseline",
		"  fossamaint preflight --config fossamaint.yaml --json", nil},
	{"updates", "check", "updates", "Report pending apt, pip and npm updates (nothing is installed)",
		"  fossamaint updates check --json", []string{"updates/apply"}},
	{"logs", "tidy", "logs", "The logs phase alone: the week's analysis (kept in the reports directory), then rotation: compress, archive, delete",
		"  fossamaint logs tidy --dry-run", nil},
	{"perf", "trends", "performance", "CPU, memory and disk trends of the last 7 days; top processes now (the weekly run's benchmark is `perf bench`)",
		"  fossamaint perf trends", []string{"performance/api-benchmark"}},
	{"security", "review", "security", "File modes, certificate expiry and the week's failed logins",
		"  fossamaint security review --json", nil},
	{"backup", "check", "backups", "Backup inventory, verification of the newest daily and weekly (with a restore test) and retention",
		"  fossamaint backup check --dry-run", nil},
	{"", "postflight", "postflight", "Post-maintenance verification: services up, endpoints healthy, latency",
		"  fossamaint postflight --dry-run", nil},
}

// phaseCmds returns the top-level commands: phases that stand alone and
// parents ("db", "logs", ...) holding their phase's subcommand and others.
func (a *app) phaseCmds() []*cobra.Command {
	parents := map[string]*cobra.Command{}
	var out []*cobra.Command
	for _, name := range []string{"updates", "db", "logs", "perf", "security", "backup"} {
		par := &cobra.Command{Use: name, Short: parentShort[name]}
		par.AddCommand(a.subcommands(name)...)
		parents[name] = par
		out = append(out, par)
	}
	for _, pc := range phaseCommands {
		c := a.onePhaseCmd(pc)
		if pc.parent == "" {
			out = append(out, c)
			continue
		}
		parents[pc.parent].AddCommand(c)
	}
	return out
}

// subcommands are a parent's commands beyond its phase command.
func (a *app) subcommands(parent string) []*cobra.Command {
	switch parent {
	case "updates":
		return []*cobra.Command{a.updatesPlanCmd(), a.updatesApplyCmd(), a.updatesHistoryCmd()}
	case "db":
		return a.dbCmds()
	case "backup":
		return a.backupCmds()
	case "logs":
		return []*cobra.Command{a.logsAnalyzeCmd(), a.logsErrorsCmd(), a.logsPatternsCmd(), a.logsRotateCmd()}
	case "perf":
		return []*cobra.Command{a.perfBenchCmd(), a.perfMonitorCmd(), a.perfCheckCmd()}
	case "security":
		return []*cobra.Command{a.securityScanCmd(), a.securityAuthlogCmd(), a.securityTLSCmd(), a.securityPermsCmd()}
	}
	return nil
}

var parentShort = map[string]string{
	"updates":  "OS and application dependency updates",
	"db":       "The application's SQLite database",
	"logs":     "The application's logs",
	"perf":     "Performance: trends, HTTP benchmark, resource sampler and its check",
	"security": "Security review",
	"backup":   "Backups",
}

func (a *app) onePhaseCmd(pc phaseCmd) *cobra.Command {
	var asJSON, dryRun bool
	c := &cobra.Command{
		Use:   pc.use,
		Short: pc.short,
		Long: pc.short + ".\n\nRuns the " + pc.phase + " phase of `fossamaint weekly` alone, at any time (the window is not enforced)." +
			"\nThe history records it as a single command, not a run: `report --list --all` shows it, and it never\nbecomes the latest run of `report` and `rollback`.",
		Example: pc.example,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			return a.runPhaseCommand(cmd, in, pc.phase, weeklyFlags{dryRun: dryRun, forceWindow: true, skipSteps: pc.skipSteps}, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing: say what would be done")
	return c
}

// runPhaseCommand runs one phase through the engine (lock, journal, dry
// run) and prints its result. The history records it under the command's
// own name ("preflight", "db optimize"): a single command, not a run.
func (a *app) runPhaseCommand(cmd *cobra.Command, in *install.Installation, phase string, f weeklyFlags, asJSON bool) error {
	pr := a.newProgress()
	run, err := a.procedure(in).Execute(cmd.Context(), weekly.Options{
		DryRun: f.dryRun, Only: []string{phase}, ForceWindow: f.forceWindow, SkipSteps: f.skipSteps,
		ToolVersion: Version, Progress: pr.event, Command: commandName(cmd), Notifier: weekly.PrintNotifier(a.stderr),
	})
	if run == nil {
		return err
	}
	opts := report.Options{Secrets: a.secrets(in.Config)}
	if asJSON {
		if rerr := report.Render(a.stdout, report.FormatJSON, run, opts); rerr != nil {
			return rerr
		}
	} else {
		// As before, a failing stdout does not change the exit code of
		// a phase that ran.
		_ = report.Steps(a.stdout, run, opts)
	}
	if err != nil {
		return err
	}
	return exitSilently(runExit(run))
}

// commandName is a command's path without the program's name: "preflight",
// "db optimize".
func commandName(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}
