package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
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
not-gzip .gz) is listed with the reason and the rest is analysed.
Read-only: nothing is written, rotated or deleted.

Exit 1 (warnings, as in the weekly report) when the errors are above the
investigate threshold, when error patterns are new since the previous
analysis, or when something could not be read.`,
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
	if err == nil && analysisWarns(res) {
		return exitSilently(ExitWarn)
	}
	return err
}

// analysisWarns is true when the analysis holds a finding the weekly
// report ranks as a warning: errors above the investigate threshold,
// patterns new since a previous analysis, or files that could not be read
// (what they hold is missing from the counts).
func analysisWarns(r *analysis.Analysis) bool {
	return r.Investigate || len(r.NewPatterns) > 0 || len(r.FileErrors) > 0
}

// logsErrorsCmd is the read-only look at the week's errors. It once ran
// the whole logs phase, rotation included, which a name like this must
// not do: that is `logs tidy` now.
func (a *app) logsErrorsCmd() *cobra.Command {
	f := logsAnalyzeFlags{since: "7d"}
	c := &cobra.Command{
		Use:   "errors",
		Short: "The week's errors: counts, error patterns, the investigate verdict (read-only)",
		Long: `Reports the errors of the last 7 days (or --since): errors_total against the
investigate threshold (thresholds.errors_per_week) and the error patterns
with their category and the count of new ones. It is ` + "`logs analyze`" + ` with
its defaults, and like it reads only: nothing is written, rotated or
deleted. The logs phase (the analysis kept in the reports directory, then
rotation), which ` + "`logs errors`" + ` used to run, is ` + "`fossamaint logs tidy`" + `.

Exit 1 when the errors are above the threshold, patterns are new, or a
file could not be read.`,
		Example: `  fossamaint logs errors
  fossamaint logs errors --since 24h --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runLogsAnalyze(cmd, &f)
		},
	}
	c.Flags().StringVar(&f.dir, "logs-dir", "", "log directory (default: logs.dir of the config)")
	c.Flags().StringVar(&f.since, "since", f.since, "window start: a duration before now (7d, 24h) or an RFC 3339 time")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	return c
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
	fmt.Fprintf(w, "window %s: %s, %s, %s, %s\n", windowText(r.From, r.To),
		human.Count(r.FilesRead, "file", "files"), human.Bytes(r.BytesRead),
		countText(r.Entries, "entry", "entries"), countText(r.MalformedLines, "malformed line", "malformed lines"))
	var levels []string
	for l, n := range r.ByLevel {
		levels = append(levels, fmt.Sprintf("%s %s", l, humanize.Comma(int64(n))))
	}
	sort.Strings(levels)
	fmt.Fprintf(w, "levels: %s\n", strings.Join(levels, ", "))
	verdict := "below the threshold"
	if r.Investigate {
		verdict = "INVESTIGATE"
	}
	fmt.Fprintf(w, "errors: %s (threshold %s: %s), %s, %d new\n\n", humanize.Comma(int64(r.ErrorsTotal)),
		humanize.Comma(int64(r.Threshold)), verdict, countText(len(r.Patterns), "pattern", "patterns"), len(r.NewPatterns))
	fmt.Fprintf(w, "%6s  %-8s  %-14s  %s\n", "COUNT", "LEVEL", "CATEGORY", "TEMPLATE")
	for i, p := range r.Patterns {
		if i == 25 {
			fmt.Fprintf(w, "  ... %d more (use --json)\n", len(r.Patterns)-25)
			break
		}
		fmt.Fprintf(w, "%6s  %-8s  %-14s  %s\n", humanize.Comma(int64(p.Count)), p.Level, p.Category, p.Template)
	}
	if len(r.FileErrors) > 0 {
		fmt.Fprintf(w, "\n%d log files or directories could not be read (what they hold is missing above;\ncheck their permissions, or whether a .gz is truncated or not gzip):\n", len(r.FileErrors))
		for _, e := range r.FileErrors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// windowText is a time window as people read it: "2026-11-26 03:56 –
// 2026-12-03 03:56 UTC" (in the end's zone, named once).
func windowText(from, to time.Time) string {
	return from.In(to.Location()).Format("2006-01-02 15:04") + " – " + to.Format("2006-01-02 15:04 MST")
}

// countText is n with thousands separators and its noun: "1,057 entries".
func countText(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return humanize.Comma(int64(n)) + " " + plural
}
