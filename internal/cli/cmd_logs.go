package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	var f logsAnalyzeFlags
	c := &cobra.Command{
		Use:   "analyze",
		Short: "Weekly log analysis: totals by level, logger, day and hour; error patterns with categories",
		Long: `Reads every log file under the logs directory (both upstream line shapes,
tracebacks, .gz) in parallel and analyses the entries whose own timestamp is
in the window: totals by level, logger, day and hour, errors_total (ERROR and
CRITICAL), error messages grouped into templates with a category, patterns
new since the previous analysis in the reports directory, and whether the
error count calls for an investigation (thresholds.errors_per_week).

A file or subdirectory that cannot be read (permissions, a truncated or
not-gzip .gz) is listed with the reason, the rest is analysed, and the
exit code is 1.`,
		Example: `  fossamaint logs analyze --since 7d
  fossamaint logs analyze --logs-dir /opt/fossawork/logs --since 2026-11-21T00:00:00Z --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runLogsAnalyze(cmd, &f)
		},
	}
	c.Flags().StringVar(&f.dir, "logs-dir", "", "log directory (default: logs.dir of the config)")
	c.Flags().StringVar(&f.since, "since", "7d", "window start: a duration before now (7d, 24h) or an RFC 3339 time")
	c.Flags().StringVar(&f.until, "until", "", "window end (default: now)")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	f.globs.register(c.Flags())
	return c
}

// logsAnalyzeFlags are the flags of `logs analyze`.
type logsAnalyzeFlags struct {
	dir, since, until string
	globs             logGlobs
	asJSON            bool
}

func (a *app) runLogsAnalyze(cmd *cobra.Command, f *logsAnalyzeFlags) error {
	now := a.now()
	from, err := parseSince(f.since, now)
	if err != nil {
		return usageErr("--since: %v", err)
	}
	to := now
	if f.until != "" {
		if to, err = parseSince(f.until, now); err != nil {
			return usageErr("--until: %v", err)
		}
	}
	reports := ""
	in, err := a.installation()
	switch {
	case err == nil:
		reports = in.ReportsDir
		if f.dir == "" {
			f.dir = in.Logs.Dir
		}
	case f.dir == "":
		return err
	default:
		// --logs-dir and no usable config: the defaults (the
		// local zone) and no previous analysis to compare with.
		if in, err = defaultInstallation(); err != nil {
			return err
		}
	}
	set, err := f.globs.fileSet(in)
	if err != nil {
		return err
	}
	files, unreadable, err := discoverLogs(cmd.Context(), f.dir, set)
	if err != nil {
		return err
	}
	var prev *analysis.Analysis
	if reports != "" {
		if prev, err = analysis.Previous(reports, now); err != nil {
			return err
		}
	}
	res, err := analysis.Analyze(cmd.Context(), files, analysis.Options{From: from, To: to, Location: in.Zone,
		Threshold: in.Thresholds.ErrorsPerWeek, Previous: prev, Redactor: redact.New(a.secretList), Unreadable: unreadable})
	if err != nil {
		return err
	}
	if f.asJSON {
		err = a.encodeJSON(res)
	} else {
		a.printAnalysis(res)
	}
	if err == nil && (len(res.FileErrors) > 0 || res.Investigate) {
		// What could not be read is missing from the counts; above the
		// investigate threshold is a finding.
		return exitSilently(ExitWarn)
	}
	return err
}

// discoverLogs lists the log files under dir for the commands that read
// what they can (logs analyze, security scan): the directories and files
// that could not be read come back to be reported. A logs dir that does
// not exist is a usage error; one that cannot be listed fails.
func discoverLogs(ctx context.Context, dir string, set *logs.FileSet) ([]logs.File, []logs.FileError, error) {
	files, unreadable, err := logs.DiscoverReadable(ctx, dir, set)
	switch {
	case err == nil:
		return files, unreadable, nil
	case ctx.Err() != nil:
		return nil, nil, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, withCode(ExitUsage, fmt.Errorf("%w: set logs.dir in the config or name the logs with --logs-dir", err))
	}
	return nil, nil, fmt.Errorf("%w: check the permissions of the logs directory", err)
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
	if len(r.FileErrors) > 0 {
		fmt.Fprintf(w, "\n%d log files or directories could not be read (what they hold is missing above;\ncheck their permissions, or whether a .gz is truncated or not gzip):\n", len(r.FileErrors))
		for _, e := range r.FileErrors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
