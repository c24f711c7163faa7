package recovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// sweepDirs are where fossamaint writes temporaries: beside the database
// (VACUUM INTO, restore), in the backup tree, the reports and log trees,
// the state dir and the system temp dir (restore tests, command output).
func (k *Kit) sweepDirs() []durable.Dir {
	in := k.in
	db := in.Database.Path
	base := filepath.Base(db)
	legacyDB := func(name string) bool {
		for _, purpose := range []string{"vacuum", "backup", "copy", "restore"} {
			if strings.HasPrefix(name, "."+base+"."+purpose+"-") {
				return true
			}
		}
		return false
	}
	dirs := []durable.Dir{
		{Path: filepath.Dir(db), Legacy: legacyDB},
		{Path: in.Backups.Dir, Recursive: true, Legacy: backup.LegacyTemp},
	}
	for _, d := range []string{in.Backups.Layout.DailyDir, in.Backups.Layout.WeeklyDir, in.Backups.Layout.MaintenanceDir, in.Backups.PreRecoveryDir} {
		dirs = append(dirs, durable.Dir{Path: d, Recursive: true, Legacy: backup.LegacyTemp})
	}
	for _, d := range []string{in.ReportsDir, in.Logs.Dir, in.Logs.ArchiveDir} {
		dirs = append(dirs, durable.Dir{Path: d, Recursive: true})
	}
	return append(dirs, durable.Dir{Path: in.StateDir}, durable.Dir{Path: os.TempDir()})
}

// sweepTemps puts back daily sets a crash left half-replaced, then removes
// the temporaries of fossamaint processes that are gone. It runs under the
// state-dir lock, at the start of every run and in recover; a dry run only
// lists.
func (k *Kit) sweepTemps(ctx context.Context, dryRun bool, r *runbook.Result) error {
	verb := map[bool]string{true: "would ", false: ""}[dryRun]
	restored, err := backup.RecoverSets(ctx, k.in.Backups.Layout.DailyDir, dryRun)
	for _, s := range restored {
		r.Action("%sput back the backup set %s, which a crash left moved aside", verb, s)
	}
	swept, serr := durable.Sweep(ctx, k.sweepDirs(), durable.SweepOptions{DryRun: dryRun})
	if n := len(swept.Removed); n > 0 {
		r.Action("%sremove %d leftover temporary files of crashed runs (%s): %s", verb, n,
			humanize.IBytes(uint64(swept.Bytes)), strings.Join(first(swept.Removed, 5), ", "))
		r.Metric("swept_temp_files", float64(n), "count")
		r.Metric("swept_temp_bytes", float64(swept.Bytes), "bytes")
	}
	if err = errors.Join(err, serr); err != nil {
		r.Finding(runbook.Warning, err.Error(), "leftover temporary files could not all be removed")
		r.Recommend("Remove the files named in the evidence by hand once no fossamaint process runs.")
	}
	return ctx.Err()
}
