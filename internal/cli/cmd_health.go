package cli

import (
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
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
			} else if err := writeComprehensive(a.stdout, in.Root, rep); err != nil {
				return err
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
	if err := writeProbes(a.stdout, results); err != nil {
		return err
	}
	return exitSilently(code)
}

// writeProbes is the endpoint table: the HTTP status, or "-" and the
// error when there was no answer.
func writeProbes(w io.Writer, results []health.Result) error {
	var rows [][]string
	for _, r := range results {
		state := "healthy"
		if !r.Healthy {
			state = "UNHEALTHY"
		}
		status := "-"
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		rows = append(rows, []string{r.Name, state, status, latency(r.Latency), r.URL, probeError(r)})
	}
	return writeTable(w, []string{"ENDPOINT", "STATE", "HTTP", "LATENCY", "URL", "ERROR"}, rows)
}

// probeError is a probe's error without the "GET URL: " the URL column
// already shows.
func probeError(r health.Result) string {
	return strings.TrimPrefix(r.Err, "GET "+r.URL+": ")
}

// latency is a probe's time as people read it ("< 1 ms" rather than 0).
func latency(d time.Duration) string {
	if d > 0 && d < time.Millisecond/2 {
		return "< 1 ms"
	}
	return human.Duration(d)
}

// goDuration matches the Go duration that ends some details ("in
// 5.864ms"): the table has a LATENCY column for it.
var goDuration = regexp.MustCompile(`,? in [0-9.]+ ?(ns|µs|us|ms|s)$`)

// writeComprehensive is `health --comprehensive` as a table: a name only
// where it says more than the check's area, paths relative to the
// installation root and not repeated in the detail, latencies in their
// own column.
func writeComprehensive(w io.Writer, root string, rep health.Report) error {
	var rows [][]string
	for _, it := range rep.Items {
		name, detail := it.Name, it.Detail
		if name == it.Area {
			name = ""
			detail = strings.TrimPrefix(detail, it.Area+" ")
		}
		if filepath.IsAbs(name) {
			detail = strings.TrimPrefix(strings.TrimPrefix(detail, name), " ")
			if it.Area != "disk" {
				name = underRoot(root, name)
			}
		}
		lat := ""
		if it.Unit == "s" && it.Value != nil {
			lat = latency(time.Duration(*it.Value * float64(time.Second)))
			detail = goDuration.ReplaceAllString(detail, "")
		}
		rows = append(rows, []string{it.Severity.String(), it.Area, name, lat, detail})
	}
	return writeTable(w, []string{"STATUS", "CHECK", "NAME", "LATENCY", "DETAIL"}, rows)
}
