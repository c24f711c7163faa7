package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/logs/analysis"
	"github.com/fossawork/fossamaint/internal/redact"
)

// parseSince reads "7d", "24h" (before now) or an RFC 3339 instant.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (7d, 24h) nor an RFC 3339 time", s)
	}
	return now.Add(-d), nil
}

func (a *app) logsAnalyzeCmd() *cobra.Command {
	var dir, since, until string
	var globs logGlobs
	var asJSON bool
	c := &cobra.Command{
		Use:   "analyze",
		Short: "Weekly log analysis: totals by level, logger, day and hour; error patterns with categories",
		Long: `Reads every log file under the logs directory (both upstream line shapes,
tracebacks, .gz) in parallel and analyses the entries whose own timestamp is
in the window: totals by level, logger, day and hour, errors_total (ERROR and
CRITICAL), error messages grouped into templates with a category, patterns
new since the previous analysis in the reports directory, and whether the
error count calls for an investigation (thresholds.errors_per_week).`,
		Example: `  fossamaint logs analyze --since 7d
  fossamaint logs analyze --logs-dir /opt/fossawork/logs --since 2026-11-21T00:00:00Z --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := a.now()
			from, err := parseSince(since, now)
			if err != nil {
				return usageErr("--since: %v", err)
			}
			to := now
			if until != "" {
				if to, err = parseSince(until, now); err != nil {
					return usageErr("--until: %v", err)
				}
			}
			threshold, reports, loc := 100, "", time.Local
			cfg, err := a.loadConfig()
			if err == nil {
				threshold, reports = cfg.Thresholds.ErrorsPerWeek, cfg.Path(cfg.ReportsDir)
				if dir == "" {
					dir = cfg.Path(cfg.Logs.Dir)
				}
				if spec, err := cfg.Window.Spec(); err == nil {
					loc = spec.Location
				}
			} else if dir == "" {
				return err
			} else {
				cfg = config.Default()
			}
			set, err := globs.fileSet(cfg)
			if err != nil {
				return err
			}
			files, err := logs.Discover(cmd.Context(), dir, set)
			if err != nil {
				return fmt.Errorf("reading logs under %s: %w", dir, err)
			}
			var prev *analysis.Analysis
			if reports != "" {
				if prev, err = analysis.Previous(reports, now); err != nil {
					return err
				}
			}
			res, err := analysis.Analyze(cmd.Context(), files, analysis.Options{From: from, To: to, Location: loc,
				Threshold: threshold, Previous: prev, Redactor: redact.New(a.secretList)})
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeJSON(res)
			}
			a.printAnalysis(res)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "logs-dir", "", "log directory (default: logs.dir of the config)")
	c.Flags().StringVar(&since, "since", "7d", "window start: a duration before now (7d, 24h) or an RFC 3339 time")
	c.Flags().StringVar(&until, "until", "", "window end (default: now)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	globs.register(c.Flags())
	return c
}

func (a *app) printAnalysis(r *analysis.Analysis) {
	w := a.stdout
	fmt.Fprintf(w, "window %s – %s: %d files, %d bytes, %d entries, %d malformed lines\n",
		r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.FilesRead, r.BytesRead, r.Entries, r.MalformedLines)
	var levels []string
	for l, n := range r.ByLevel {
		levels = append(levels, fmt.Sprintf("%s %d", l, n))
	}
	sort.Strings(levels)
	fmt.Fprintf(w, "levels: %s\n", strings.Join(levels, ", "))
	verdict := "below the threshold"
	if r.Investigate {
		verdict = "INVESTIGATE"
	}
	fmt.Fprintf(w, "errors: %d (threshold %d: %s), %d patterns, %d new\n\n", r.ErrorsTotal, r.Threshold, verdict, len(r.Patterns), len(r.NewPatterns))
	fmt.Fprintf(w, "%6s  %-8s  %-14s  %s\n", "COUNT", "LEVEL", "CATEGORY", "TEMPLATE")
	for i, p := range r.Patterns {
		if i == 25 {
			fmt.Fprintf(w, "  ... %d more (use --json)\n", len(r.Patterns)-25)
			break
		}
		fmt.Fprintf(w, "%6d  %-8s  %-14s  %s\n", p.Count, p.Level, p.Category, p.Template)
	}
}
