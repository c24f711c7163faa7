package recovery

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// configSnapshotDir is where run runID keeps the configuration it found
// (fossamaint's own state dir, not the backup tree: it is not a backup).
func (k *Kit) SnapshotDir(runID string) string {
	return filepath.Join(k.in.StateDir, "rollback", runID, "config")
}

// configFiles are the installation's configuration files a rollback
// restores.
func (k *Kit) configFiles() []string {
	return []string{k.in.Security.EnvFile}
}

// snapshotConfig is the preflight step that copies the configuration
// before anything changes, so `fossamaint rollback` can put it back with
// the database. Snapshots older than the pre-maintenance retention go, as
// their rollback points do.
func (k *Kit) SnapshotConfig(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	dir := k.SnapshotDir(env.RunID())
	err := env.Do(ctx, "snapshot the configuration ("+strings.Join(k.configFiles(), ", ")+") for a rollback", func(ctx context.Context) error {
		snap, err := backup.SnapshotFiles(ctx, dir, k.configFiles(), k.now())
		for _, f := range snap.Files {
			if f.Missing {
				r.Finding(runbook.Info, f.Path, "%s does not exist: nothing of it to roll back", f.Path)
			}
		}
		return err
	})
	if err != nil || env.DryRun {
		return r, err
	}
	r.Tally(runbook.Tally{Verb: "taken for a rollback", Object: "configuration snapshot", Count: 1}) // the summary's words
	k.pruneConfigSnapshots(env.RunID(), &r)
	return r, nil
}

func (k *Kit) pruneConfigSnapshots(keep string, r *runbook.Result) {
	root := filepath.Join(k.in.StateDir, "rollback")
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	cutoff := k.now().Add(-k.in.Backups.Retention.KeepMaintenanceWithin)
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || !e.IsDir() || e.Name() == keep || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			r.Finding(runbook.Warning, err.Error(), "could not remove an old configuration snapshot")
		}
	}
}

// restoreConfig puts back what changed since the snapshot in dir, if the
// run took one.
func (k *Kit) restoreConfig(ctx context.Context, env *runbook.Env, dir string, r *runbook.Result) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		r.Finding(runbook.Info, dir, "the run kept no configuration snapshot: only the database is restored")
		return nil
	}
	changed, err := backup.RestoreFiles(ctx, dir, k.in.Backups.PreRecoveryDir, k.now(), true)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		env.Record("configuration unchanged since the run's snapshot")
		return nil
	}
	return env.Do(ctx, "restore the configuration from "+dir+": "+strings.Join(changed, ", "), func(ctx context.Context) error {
		_, err := backup.RestoreFiles(ctx, dir, k.in.Backups.PreRecoveryDir, k.now(), false)
		return err
	})
}
