package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// logs holds the read-only part of the seed's "Log Analysis and Cleanup":
// the week's errors, counted by each entry's own timestamp (the seed counts
// lines of files modified in the last 7 days). Compression, archival and
// expiry are not done by this release.
func (p *Procedure) logs() runbook.Phase {
	return runbook.Phase{Name: "logs", Title: "Log analysis and cleanup", Steps: []runbook.Step{
		{Name: "errors-last-week", Kind: runbook.ReadOnly, Budget: 15 * time.Minute, Run: p.errorsLastWeek},
	}}
}

func (p *Procedure) errorsLastWeek(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	sum, err := p.weekLogs(ctx)
	if err != nil {
		return runbook.Result{}, fmt.Errorf("reading logs under %s: %w", p.path(p.d.Config.Logs.Dir), err)
	}
	var r runbook.Result
	n := errorCount(sum)
	r.Metric("errors_last_week", float64(n), "count")
	r.Metric("entries_last_week", float64(sum.InWindow), "count")
	r.Metric("files_read", float64(sum.FilesRead), "count")
	r.Metric("bytes_read", float64(sum.BytesRead), "bytes")
	r.Metric("malformed_lines", float64(sum.MalformedLines), "count")
	if limit := p.thresholds().ErrorsPerWeek; n > limit {
		r.Finding(runbook.Warning, topPatterns(sum, 5), "%d errors this week (investigate above %d)", n, limit)
		r.Recommend("Investigate the most frequent error patterns: %s.", strings.TrimSpace(firstLine(topPatterns(sum, 1))))
	}
	if sum.MalformedLines > 0 {
		var ev []string
		for _, m := range sum.Malformed {
			ev = append(ev, fmt.Sprintf("%s: %d (lines %v)", m.Path, m.Count, m.Lines))
		}
		r.Finding(runbook.Info, strings.Join(first(ev, 10), "\n"), "%d malformed log lines were counted and skipped", sum.MalformedLines)
	}
	for _, fe := range sum.FileErrors {
		r.Finding(runbook.Warning, fe.Err.Error(), "could not read %s", fe.Path)
	}
	return r, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
