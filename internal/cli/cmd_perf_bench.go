package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/perf"
)

// benchAuthEnv names the environment variable whose value is sent as the
// Authorization header of every benchmark request (never printed).
const benchAuthEnv = "FOSSAMAINT_BENCH_AUTH"

type benchFlags struct {
	rate, duration string
	requests       int
	maxInFlight    int
	timeout        time.Duration
	asJSON         bool
}

func (a *app) perfBenchCmd() *cobra.Command {
	var f benchFlags
	c := &cobra.Command{
		Use:   "bench [URL...]",
		Short: "Open-loop HTTP benchmark of the configured endpoints: p50 to p99.9 without coordinated omission",
		Long: `Sends GET requests at a constant rate (--rate) to the configured health
endpoints, or to the URLs given, for --duration or --requests, whichever
ends first. Each request's latency counts from the time it was due, not from
when it could be sent, so a server stall shows in the percentiles as users
would see it (closed-loop tools such as hey or ab hide it: coordinated
omission). A URL that is neither loopback nor configured is refused.

The value of ` + benchAuthEnv + `, when set, is sent as the Authorization
header; it is never printed. Ctrl-C prints what was measured. Exit 0 when
every request succeeded at the asked rate, 1 when some failed or the rate
was not sustained.`,
		Example: `  fossamaint perf bench --rate 50/s --duration 10s
  fossamaint perf bench --requests 200 --json http://127.0.0.1:8000/health`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("requests") && !cmd.Flags().Changed("duration") {
				f.duration = perf.MaxBenchDuration.String() // --requests alone: the count ends it
			}
			bc, err := a.benchConfig(f, args)
			if err != nil {
				return err
			}
			res, err := perf.Bench(cmd.Context(), bc)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if f.asJSON {
				err = a.encodeJSON(res)
			} else {
				err = writeBench(a.stdout, res)
			}
			if err != nil {
				return err
			}
			switch {
			case res.Interrupted:
				return exitSilently(ExitInterrupted)
			case res.Errors > 0 || !res.Sustained:
				return exitSilently(ExitWarn)
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.rate, "rate", "50/s", "requests per second over all endpoints (50, 50/s, 3000/m)")
	fl.StringVar(&f.duration, "duration", "10s", "how long to send requests (at most "+perf.MaxBenchDuration.String()+")")
	fl.IntVar(&f.requests, "requests", 0, "send this many requests (with --duration too, whichever ends first)")
	fl.IntVar(&f.maxInFlight, "max-in-flight", perf.DefaultMaxInFlight, "requests outstanding at once; beyond it the rate is not sustained")
	fl.DurationVar(&f.timeout, "timeout", perf.DefaultBenchTimeout, "timeout of one request")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON (latencies in seconds)")
	return c
}

// benchConfig turns the flags and arguments into a perf.BenchConfig:
// the URLs given (each checked) or the configured endpoints.
func (a *app) benchConfig(f benchFlags, args []string) (perf.BenchConfig, error) {
	rate, err := perf.ParseRate(f.rate)
	if err != nil {
		return perf.BenchConfig{}, withCode(ExitUsage, err)
	}
	var d time.Duration
	if f.duration != "" && f.duration != "0" {
		if d, err = time.ParseDuration(f.duration); err != nil || d < 0 {
			return perf.BenchConfig{}, usageErr("--duration %q: want a duration like 10s or 2m", f.duration)
		}
	}
	in, err := a.installation()
	if err != nil {
		return perf.BenchConfig{}, err
	}
	var targets []perf.BenchTarget
	if len(args) == 0 {
		targets = in.Health.BenchTargets()
	}
	var configured []string
	for _, ch := range in.Health.Checks {
		configured = append(configured, ch.URL)
	}
	for _, u := range args {
		if err := perf.CheckBenchURL(u, configured); err != nil {
			return perf.BenchConfig{}, withCode(ExitUsage, err)
		}
		targets = append(targets, perf.BenchTarget{Name: u, URL: u})
	}
	if len(targets) == 0 {
		return perf.BenchConfig{}, usageErr("no endpoint to benchmark: configure health.endpoints or pass URLs")
	}
	return perf.BenchConfig{Targets: targets, Rate: rate, Duration: d, Requests: f.requests,
		MaxInFlight: f.maxInFlight, Timeout: f.timeout, Auth: os.Getenv(benchAuthEnv)}, nil
}

// writeBench is the text output: one row per endpoint, then all of them
// together, then the notes.
func writeBench(w io.Writer, r *perf.BenchResult) error {
	row := func(name string, n, errs int, rate float64, byStatus map[string]int, l perf.Latency) []string {
		return []string{name, strconv.Itoa(n), perf.ErrorsText(errs, byStatus), fmt.Sprintf("%.1f/s", rate),
			human.Duration(l.P50.D()), human.Duration(l.P90.D()), human.Duration(l.P95.D()),
			human.Duration(l.P99.D()), human.Duration(l.P999.D()), human.Duration(l.Max.D())}
	}
	var rows [][]string
	total := map[string]int{}
	for _, e := range r.Endpoints {
		rows = append(rows, row(e.Name, e.Requests, e.Errors, e.Rate, e.ErrorsByStatus, e.Latency))
		for k, v := range e.ErrorsByStatus {
			total[k] += v
		}
	}
	if len(r.Endpoints) > 1 {
		rows = append(rows, row("(all)", r.Requests, r.Errors, r.Rate, total, r.Latency))
	}
	if err := writeTable(w, []string{"ENDPOINT", "REQUESTS", "ERRORS", "RATE", "P50", "P90", "P95", "P99", "P99.9", "MAX"}, rows); err != nil {
		return err
	}
	lines := []string{fmt.Sprintf("%s in %s at %.1f/s (asked %g/s), latency from each request's scheduled time.",
		human.Count(r.Requests, "request", "requests"), human.Duration(r.Elapsed.D()), r.Rate, r.TargetRate)}
	if r.Note != "" {
		lines = append(lines, r.Note+".")
	}
	if r.Interrupted {
		lines = append(lines, "Interrupted: these are the figures measured until then.")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}
