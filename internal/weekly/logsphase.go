package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/logs/analysis"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// logsPhase is the seed's "Log Analysis and Cleanup".
type logsPhase struct {
	clock
	logs          *logSource
	secrets       *secretSource
	reportsDir    string
	errorsPerWeek int
	rotation      install.Logs
}

func (ph *logsPhase) analyzeLogs(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	now := ph.now()
	reports := ph.reportsDir
	files, unreadable, err := ph.logs.files(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	prev, err := analysis.Previous(reports, now)
	if err != nil {
		r.Finding(runbook.Warning, err.Error(), "the previous log analysis could not be read: new patterns are not reported")
	}
	secrets := ph.secrets.get(ctx)
	a, err := analysis.Analyze(ctx, files, analysis.Options{From: now.Add(-7 * 24 * time.Hour), To: now,
		Location: ph.zone, Threshold: ph.errorsPerWeek, Previous: prev, Redactor: redact.New(secrets), Unreadable: unreadable})
	if err != nil {
		return r, err
	}
	if err := env.Do(ctx, "write "+analysis.FileName(now)+" to "+reports, func(context.Context) error {
		_, err := analysis.Write(reports, a, now)
		return err
	}); err != nil {
		return r, err
	}
	if !env.DryRun {
		r.Tally(runbook.Tally{Verb: "written", Object: "weekly log analysis", Count: 1}) // the summary's words
	}
	r.Headline(runbook.HeadlineErrorsLastWeek, float64(a.ErrorsTotal), "count")
	r.Metric("entries_last_week", float64(a.Entries), "count")
	r.Metric("patterns", float64(len(a.Patterns)), "count")
	r.Metric("new_patterns", float64(len(a.NewPatterns)), "count")
	r.Metric("files_read", float64(a.FilesRead), "count")
	r.Metric("bytes_read", float64(a.BytesRead), "bytes")
	r.Metric("malformed_lines", float64(a.MalformedLines), "count")
	if a.Investigate {
		r.Finding(runbook.Warning, patternLines(a.Patterns, 5), "%s this week (investigate above %d)", human.Count(a.ErrorsTotal, "error", "errors"), a.Threshold)
		if len(a.Patterns) > 0 {
			// The template in backticks: reports show it as code.
			r.Recommend("Investigate the most frequent error pattern (%s, %d times): `%s`", a.Patterns[0].Category, a.Patterns[0].Count, a.Patterns[0].Template)
		}
	}
	if len(a.NewPatterns) > 0 && prev != nil {
		r.Finding(runbook.Warning, patternLines(a.NewPatterns, 10), "%d error patterns are new since the analysis of %s", len(a.NewPatterns), prev.To.Format(time.DateOnly))
	}
	if a.MalformedLines > 0 {
		var ev []string
		for _, m := range a.Malformed {
			ev = append(ev, m.Path+": "+m.LinesText())
		}
		r.Finding(runbook.Info, strings.Join(first(ev, 10), "\n"), "%d malformed log lines were counted and skipped", a.MalformedLines)
	}
	for _, fe := range a.FileErrors {
		r.Finding(runbook.Warning, fe, "a log file could not be read")
	}
	return r, nil
}

func patternLines(ps []analysis.Pattern, n int) string {
	var b strings.Builder
	for i, pt := range ps {
		if i == n {
			break
		}
		fmt.Fprintf(&b, "%d× [%s] %s\n", pt.Count, pt.Category, pt.Template)
	}
	return b.String()
}

func (ph *logsPhase) rotateLogs(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	lg := ph.rotation
	res, err := logs.Rotate(ctx, logs.RotateOptions{
		LogsDir: lg.Dir, ArchiveDir: lg.ArchiveDir, Files: lg.Files, Now: ph.localNow(),
		CompressAfter: lg.CompressAfter, ArchiveAfter: lg.ArchiveAfter, DeleteAfter: lg.DeleteAfter,
		DryRun: env.DryRun,
	})
	var r runbook.Result
	// Rotate words its own actions ("would ..." in a dry run). A real tree
	// rotates hundreds of files: every action is kept (the JSON report
	// lists them), and the tallies are what the report shows.
	for _, a := range res.Actions {
		env.Record("%s", a)
	}
	r.Tally(runbook.Tally{Verb: "compressed", Object: "log files", Count: res.Compressed, BytesBefore: res.BytesBefore, BytesAfter: res.BytesAfter})
	r.Tally(runbook.Tally{Verb: "archived", Object: "log files", Count: res.Archived})
	r.Tally(runbook.Tally{Verb: "deleted", Object: "old archives", Count: res.Deleted})
	r.Metric("compressed", float64(res.Compressed), "files")
	r.Metric("archived", float64(res.Archived), "files")
	r.Metric("deleted", float64(res.Deleted), "files")
	if res.Finished > 0 {
		r.Metric("finished_interrupted", float64(res.Finished), "files")
	}
	r.Metric("bytes_before", float64(res.BytesBefore), "bytes")
	r.Metric("bytes_after", float64(res.BytesAfter), "bytes")
	if res.LogsBytes >= 0 {
		r.Metric("logs_bytes", float64(res.LogsBytes), "bytes")
	}
	if res.ArchiveBytes >= 0 {
		r.Metric("archive_bytes", float64(res.ArchiveBytes), "bytes")
	}
	if len(res.Skipped) > 0 {
		var ev []string
		for _, s := range res.Skipped {
			ev = append(ev, s.Path+": "+s.Reason)
		}
		r.Finding(runbook.Info, strings.Join(first(ev, 20), "\n"), "%d log files were left alone", len(res.Skipped))
	}
	if err != nil {
		r.Finding(runbook.Warning, err.Error(), "some log files could not be rotated; the originals are kept")
	}
	return r, nil
}
