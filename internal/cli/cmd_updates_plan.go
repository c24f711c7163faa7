package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/updates"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// policiesOf are the policies each manager takes (updates.*.apply).
var policiesOf = map[string][]string{
	"apt": {updates.PolicyNone, updates.PolicySecurity, updates.PolicyAll},
	"pip": {updates.PolicyNone, updates.PolicyPatch, updates.PolicyMinor, updates.PolicyAll},
	"npm": {updates.PolicyNone, updates.PolicyPatch, updates.PolicyMinor, updates.PolicyAll},
}

func (a *app) updatesPlanCmd() *cobra.Command {
	var asJSON bool
	var policy []string
	c := &cobra.Command{
		Use:   "plan",
		Short: "Show what updates.*.apply would install: each package, selected or not and why, and the commands",
		Long: `Shows, for each package manager whose updates.<manager>.apply is not none,
every pending update (installed -> candidate), whether the policy selects it
and why (security origin, semver range, held, excluded), the commands that
would run, what else they pull in (apt's simulation), and why a plan is
refused (it would remove a package). --policy shows the plan another policy
would make, without changing the config. Nothing is installed: this is what
` + "`updates apply`" + ` and the weekly run would do now.

Exit codes: 0 the plans were made (even when nothing is selected); 1 a plan
is refused or a manager's plan could not be made (the output says why);
64 a bad --policy or config.`,
		Example: `  fossamaint updates plan
  fossamaint updates plan --policy pip=minor --policy npm=patch
  fossamaint updates plan --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			override, err := parsePolicies("--policy", policy)
			if err != nil {
				return err
			}
			in, err := a.installation()
			if err != nil {
				return err
			}
			plans := a.procedure(in).UpdatePlans(cmd.Context(), override)
			if asJSON {
				err = a.encodeList("plans", plans)
			} else {
				err = printPlans(a.stdout, plans)
			}
			if err != nil {
				return err
			}
			for _, p := range plans {
				if p.Error != "" || p.Plan.Refused != "" {
					return exitSilently(ExitWarn)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the plans as JSON")
	c.Flags().StringArrayVar(&policy, "policy", nil, "plan MANAGER with POLICY instead of its configured one (MANAGER=POLICY, repeatable)")
	return c
}

// parsePolicies reads MANAGER=POLICY values of flag (--policy, demo's
// --apply).
func parsePolicies(flag string, values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range values {
		m, p, ok := strings.Cut(f, "=")
		valid, known := policiesOf[m]
		switch {
		case !ok:
			return nil, usageErr("%s %q: give MANAGER=POLICY, e.g. %s pip=minor", flag, f, flag)
		case !known:
			return nil, usageErr("%s %q: unknown manager %q (managers: %s)", flag, f, m, strings.Join(slices.Sorted(maps.Keys(policiesOf)), ", "))
		case !slices.Contains(valid, p):
			return nil, usageErr("%s %q: %s takes %s", flag, f, m, strings.Join(valid, ", "))
		}
		out[m] = p
	}
	return out, nil
}

// printPlans prints each manager's plan: its packages as a table, then
// the commands, what else they change and a refusal.
func printPlans(w io.Writer, plans []weekly.ManagerPlan) error {
	if len(plans) == 0 {
		_, err := fmt.Fprintln(w, "No package manager applies updates (updates.apt/pip/npm.apply are none): nothing would be installed.\nSee a policy's plan with --policy, e.g. --policy pip=minor.")
		return err
	}
	for i, mp := range plans {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (policy %s)\n", mp.Manager, mp.Policy)
		if mp.Error != "" {
			fmt.Fprintf(w, "  no plan: %s\n", mp.Error)
			continue
		}
		printPlan(w, *mp.Plan)
	}
	return nil
}

func printPlan(w io.Writer, p updates.Plan) {
	if len(p.Items) == 0 {
		fmt.Fprintln(w, "  nothing pending")
	} else {
		var rows [][]string
		for _, it := range p.Items {
			sel := "no"
			if it.Selected {
				sel = "selected"
			}
			rows = append(rows, []string{"  " + it.Name, it.From + " -> " + it.To, sel, it.Why})
		}
		_ = writeTable(w, []string{"  PACKAGE", "INSTALLED -> CANDIDATE", "SELECTED", "WHY"}, rows)
	}
	if len(p.Commands) > 0 {
		fmt.Fprintln(w, "  Commands:")
		for _, c := range p.Commands {
			fmt.Fprintf(w, "    %s\n", strings.Join(c, " "))
		}
	}
	if len(p.Also) > 0 {
		fmt.Fprintln(w, "  Also:")
		for _, a := range p.Also {
			fmt.Fprintf(w, "    %s\n", a)
		}
	}
	if p.Refused != "" {
		fmt.Fprintf(w, "  Refused: %s (nothing of this plan is applied)\n", p.Refused)
	}
}
