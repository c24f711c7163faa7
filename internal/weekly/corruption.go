package weekly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// dbCorruption is the corruption procedure. The seed "restores" the
// backup it has just taken of the corrupt file; we keep the damaged file
// for forensics, pick the newest backup that verifies and predates the
// first failed check, and either tell the operator exactly what to run
// (on_corruption: stop, the default) or restore it (on_corruption: restore).
// Either way the report states the data-loss window.
func (ph *databasePhase) dbCorruption(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	v := ph.verdict.get()
	msgs, seen := v.corrupt, v.since
	if msgs == nil {
		if err := v.checkErr; err != nil {
			r := runbook.Skipped("the integrity check could not run, so corruption cannot be ruled out")
			r.Finding(runbook.Warning, err.Error(), "the integrity check could not run: the database was not verified this week")
			r.Recommend("Fix what kept the check from running (the evidence says what), then run `fossamaint db check --full`.")
			return r, nil
		}
		return runbook.NotNeeded("the integrity check passed"), nil
	}
	var r runbook.Result
	dbPath := ph.db.Path
	preDir := ph.preRecoveryDir
	ts := stamp(ph.localNow())
	kept := filepath.Join(preDir, ph.stem()+"_corrupt_"+ts+".db")
	if err := env.Do(ctx, "keep the damaged database for forensics as "+kept, func(ctx context.Context) error {
		return copyForensic(dbPath, kept)
	}); err != nil {
		return r, err
	}
	// Rollback point A is a page copy of the damaged file: it must not
	// pass for a good weekly backup.
	if pointA := ph.pointA.get(); pointA != "" {
		bad := filepath.Join(preDir, filepath.Base(pointA))
		if err := env.Do(ctx, "move this run's backup of the damaged file to "+bad, func(context.Context) error {
			return moveWithManifest(pointA, bad)
		}); err != nil {
			return r, err
		}
		ph.pointA.put("")
	}
	list, err := backup.List(ctx, ph.layout, ph.now())
	if err != nil {
		return r, err
	}
	good, _, err := backup.NewestVerified(ctx, list, seen)
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "the database is corrupt and no verified backup from before %s exists", seen.Format(time.RFC3339))
		r.Recommend("Escalate (P1): try `sqlite3 %s .recover` on a copy of %s.", dbPath, kept)
		return r, nil
	}
	since := ph.now().Sub(good.Time)
	r.Metric("data_loss_window_seconds", since.Seconds(), "s")
	if ph.db.OnCorruption != "restore" {
		cmd := fmt.Sprintf("fossamaint backup restore %s --config %s", good.Path, ph.configPath)
		r.Finding(runbook.Critical, strings.Join(first(msgs, 5), "\n"),
			"the database is corrupt; services were left running (on_corruption: stop). Restore with: %s; writes since %s (%s ago) would be lost",
			cmd, good.Time.Format(time.RFC3339), human.Duration(since))
		r.Recommend("Restore now: %s", cmd)
		return r, nil
	}
	return ph.restoreCorrupt(ctx, env, good, r)
}

func (ph *databasePhase) restoreCorrupt(ctx context.Context, env *runbook.Env, good backup.Backup, r runbook.Result) (runbook.Result, error) {
	return ph.restoreFromGood(ctx, env, good, r, "", "a killed process during a write) before the next window.")
}

// restoreFromGood restores good with the services stopped and reports the
// data-loss window. kept says where the damaged database went (empty when
// the restore says it elsewhere); cause ends the recommendation's list of
// causes.
func (ph *databasePhase) restoreFromGood(ctx context.Context, env *runbook.Env, good backup.Backup, r runbook.Result, kept, cause string) (runbook.Result, error) {
	stoppedAt, err := ph.rec.RestoreWithService(ctx, env, good.Path, ph.services.Managed())
	if err != nil {
		return r, err
	}
	// Nothing wrote after the services stopped: that is where the loss
	// window ends.
	lost := stoppedAt.Sub(good.Time)
	r.Metric("data_loss_window_seconds", lost.Seconds(), "s")
	r.Finding(runbook.Critical, good.Path, "the database was corrupt and has been restored from %s%s; writes between %s and %s (%s) were lost",
		good.Path, kept, good.Time.Format(time.RFC3339), stoppedAt.Format(time.RFC3339), human.Duration(lost))
	r.Recommend("Find the cause of the corruption (disk errors, %s", cause)
	return r, nil
}

// copyForensic copies a damaged database and its -wal byte for byte: the
// online backup API refuses damaged pages, and forensics wants them.
func copyForensic(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil && !(suffix != "" && os.IsNotExist(err)) {
			return fmt.Errorf("keeping %s aside: %w", src+suffix, err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := durable.CreateExclusive(dst, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(dst))
}

// moveWithManifest moves a backup and its manifest, durably (both
// directories fsynced).
func moveWithManifest(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if err := durable.Rename(src, dst); err != nil {
		return err
	}
	if err := durable.Rename(src+".manifest.json", dst+".manifest.json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
