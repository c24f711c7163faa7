package cli

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/promexport"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// afterRun is what follows a weekly run before its report is written: the
// week-over-week comparison the report shows, and for a real run the
// Prometheus textfile (metrics.textfile).
func (a *app) afterRun(ctx context.Context, in *install.Installation, run *runbook.Run) {
	ctx = context.WithoutCancel(ctx)
	a.compareWithLastWeek(ctx, in.StateDir, nil, run)
	if run.DryRun {
		return
	}
	if path := in.Config.Metrics.TextfilePath(in.StateDir); run.Partial && path != "" {
		// Some phases only: its gauges would be missing the others'
		// measures; the last whole run's stay.
		fmt.Fprintf(a.stderr, "metrics: %s not rewritten (a run of some phases only)\n", path)
		return
	}
	if err := a.writeMetrics(ctx, in, run); err != nil {
		// Monitoring sees a stale fossamaint_last_run_timestamp_seconds;
		// the run's own outcome stays what it was.
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	}
}

// writeMetrics writes the textfile of run with the newest backup of each
// kind as it is now; nothing when metrics.textfile is "".
func (a *app) writeMetrics(ctx context.Context, in *install.Installation, run *runbook.Run) error {
	path := in.Config.Metrics.TextfilePath(in.StateDir)
	if path == "" {
		return nil
	}
	reg, err := a.metricsRegistry(ctx, in, run)
	if err != nil {
		return err
	}
	return promexport.WriteTextfile(path, reg)
}

// metricsRegistry is the Prometheus registry of run with the newest
// backup of each kind as it is now: the textfile's, and serve's /metrics.
func (a *app) metricsRegistry(ctx context.Context, in *install.Installation, run *runbook.Run) (*prometheus.Registry, error) {
	now := a.now()
	list, err := backup.List(ctx, in.Backups.Layout, now.In(in.Zone))
	if err != nil {
		return nil, fmt.Errorf("listing the backups for the metrics: %w", err)
	}
	var newest []promexport.Backup
	seen := map[backup.Kind]bool{}
	for _, b := range list { // newest first
		if b.Kind == backup.KindUnknown || seen[b.Kind] {
			continue
		}
		seen[b.Kind] = true
		newest = append(newest, promexport.Backup{Kind: string(b.Kind), Time: b.Time, Size: b.Size})
	}
	return promexport.NewRegistry(promexport.Input{Run: run, Backups: newest, Now: now})
}
