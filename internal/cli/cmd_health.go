package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/health"
)

func (a *app) healthCmd() *cobra.Command {
	var comprehensive, asJSON bool
	c := &cobra.Command{
		Use:   "health",
		Short: "Probe the configured endpoints; --comprehensive adds database, services, system and file modes",
		Long: `Probes every configured endpoint and says whether it answered with an
accepted status. With --comprehensive it also checks the database with a
quick query, the services, disk, memory and load, and the file modes, as
upstream's health-check.py --comprehensive does. Exit 0 healthy, 1 warnings,
2 something critical.`,
		Example: `  fossamaint health
  fossamaint health --comprehensive --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			if !comprehensive {
				return a.probeEndpoints(cmd, in.Health.Checks, asJSON)
			}
			ctx := cmd.Context()
			checker := &health.Checker{}
			states := health.ServiceStates(ctx, in.Services.Manager, in.Services.UnitNames())
			rep := health.Comprehensive(ctx, in.ComprehensiveInput(checker.ProbeAll(ctx, in.Health.Checks), states))
			if asJSON {
				if err := a.encodeJSON(rep); err != nil {
					return err
				}
			} else {
				for _, it := range rep.Items {
					fmt.Fprintf(a.stdout, "%-8s %-10s %-28s %s\n", it.Severity, it.Area, it.Name, it.Detail)
				}
			}
			switch rep.Severity() {
			case finding.Critical:
				return exitSilently(ExitFail)
			case finding.Warning:
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&comprehensive, "comprehensive", false, "also check database, services, system resources and file modes")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// probeEndpoints is `fossamaint health` without --comprehensive.
func (a *app) probeEndpoints(cmd *cobra.Command, checks []health.Check, asJSON bool) error {
	results := (&health.Checker{}).ProbeAll(cmd.Context(), checks)
	code := ExitOK
	for _, r := range results {
		if !r.Healthy {
			code = max(code, map[bool]int{true: ExitFail, false: ExitWarn}[r.Critical])
		}
	}
	if asJSON {
		if err := a.encodeList("results", results); err != nil {
			return err
		}
		return exitSilently(code)
	}
	for _, r := range results {
		state := "healthy"
		if !r.Healthy {
			state = "UNHEALTHY"
		}
		fmt.Fprintf(a.stdout, "%-9s %-16s %-45s %3d %7.1f ms %s\n", state, r.Name, r.URL, r.Status,
			float64(r.Latency.Microseconds())/1000, r.Err)
	}
	return exitSilently(code)
}
