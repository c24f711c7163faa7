package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/updates"
	"github.com/fossawork/fossamaint/internal/weekly"
)

func (a *app) updatesApplyCmd() *cobra.Command {
	var asJSON, dryRun bool
	c := &cobra.Command{
		Use:   "apply",
		Short: "Install the updates updates.*.apply allows, recording every change",
		Long: `Runs the plans ` + "`updates plan`" + ` shows: for each package manager whose
updates.<manager>.apply is not none, the selected packages are upgraded
(apt non-interactively with pinned versions, pip inside the venv after a pip
freeze snapshot, npm after a snapshot of package.json and its lockfile, then
npm ci and updates.npm.build). A refused plan is skipped with the reason.
Every change is listed and recorded in the history; the snapshots are kept
under state_dir/updates/<run>/. This is the weekly run's updates/apply step
alone, at any time (the window is not enforced); unlike the weekly run it
has no postflight, so nothing is undone or rebooted automatically.

Exit codes: 0 applied (or nothing to apply); 1 a plan was refused, could
not be made, or a reboot is required; 2 applying failed (the application
updates applied so far were undone); 75 another run holds the lock.`,
		Example: `  fossamaint updates apply --dry-run    # the plan, changing nothing
  fossamaint updates apply
  fossamaint updates apply --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			return a.runPhaseCommand(cmd, in, "updates", weeklyFlags{dryRun: dryRun, forceWindow: true,
				skipSteps: []string{"updates/apt", "updates/pip", "updates/npm"}}, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing: show the plan as the actions it would take")
	return c
}

// testReboot are the tests' reboot commands (a harmless program given
// the real argv); zero: the real ones.
var testReboot weekly.RebootCommands

// rebootIfDue reboots the host after `weekly` wrote its report and sent
// the notification, when updates.reboot is now and an applied update
// asked for it.
func (a *app) rebootIfDue(ctx context.Context) {
	if a.weekly == nil {
		return
	}
	ran, err := a.weekly.RebootIfDue(context.WithoutCancel(ctx))
	switch {
	case err != nil:
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	case ran:
		fmt.Fprintln(a.stderr, "rebooting: an applied update asked for it (updates.reboot: now)")
	}
}

// appliers makes the Applier of each package manager: one line each.
func appliers(in *install.Installation, r updates.Runner) weekly.ApplierFactory {
	return func(manager, policy string) (updates.Applier, error) {
		switch manager {
		case "apt":
			if in.Updates.Apt.ListFile != "" {
				// The package state is a file (the demo's): apt's answer
				// is not this installation's, so nothing is applied.
				return nil, fmt.Errorf("apt: updates.apt.list_file is set, so apt's updates are only reported: %w", weekly.ErrNoApplier)
			}
			return updates.NewAptApplier(r, policy, in.UpdatePolicies.Apt.Exclude, updates.AptOptions{}), nil
		case "pip": // as root, pip and npm run as the owner of the venv, the frontend
			return updates.NewPipApplier(updates.AsOwnerOf(r, in.Updates.Pip.Venv), in.Updates.Pip.Venv, policy, in.UpdatePolicies.Pip.Exclude), nil
		case "npm":
			return updates.NewNpmApplier(updates.AsOwnerOf(r, in.Updates.Npm.Dir), in.Updates.Npm.Dir, policy, in.UpdatePolicies.Npm.Exclude, in.UpdatePolicies.Build,
				updates.NpmInstallScripts(in.Updates.Npm.InstallScripts)), nil
		}
		return nil, fmt.Errorf("%s: %w", manager, weekly.ErrNoApplier)
	}
}
