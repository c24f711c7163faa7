package weekly

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
)

// dbCorruption is the corruption procedure. The seed "restores" the
// backup it has just taken of the corrupt file; we keep the damaged file
// for forensics, pick the newest backup that verifies and predates the
// first failed check, and either tell the operator exactly what to run
// (on_corruption: stop, the default) or restore it (on_corruption: restore).
// Either way the report states the data-loss window.
func (p *Procedure) dbCorruption(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	msgs, seen := p.s.corruption()
	if msgs == nil {
		return runbook.Skipped("the integrity check passed"), nil
	}
	var r runbook.Result
	cfg := p.d.Config
	dbPath := p.path(cfg.Database.Path)
	preDir := p.path(cfg.Backups.PreRecoveryDir)
	ts := stamp(p.d.Now())
	kept := filepath.Join(preDir, p.stem()+"_corrupt_"+ts+".db")
	if err := env.Do(ctx, "keep the damaged database for forensics as "+kept, func(ctx context.Context) error {
		return copyForensic(dbPath, kept)
	}); err != nil {
		return r, err
	}
	// Rollback point A is a page copy of the damaged file: it must not
	// pass for a good weekly backup.
	if p.s.pointA != "" {
		bad := filepath.Join(preDir, filepath.Base(p.s.pointA))
		if err := env.Do(ctx, "move this run's backup of the damaged file to "+bad, func(context.Context) error {
			return moveWithManifest(p.s.pointA, bad)
		}); err != nil {
			return r, err
		}
		p.s.pointA = ""
	}
	list, err := backup.List(ctx, p.backupLayout(), p.d.Now())
	if err != nil {
		return r, err
	}
	good, _, err := backup.NewestVerified(ctx, list, seen)
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "the database is corrupt and no verified backup from before %s exists", seen.Format(time.RFC3339))
		r.Recommend("Escalate (P1): try `sqlite3 %s .recover` on a copy of %s.", dbPath, kept)
		return r, nil
	}
	loss := fmt.Sprintf("writes between %s and now would be lost (%s)", good.Time.Format(time.RFC3339), p.d.Now().Sub(good.Time).Round(time.Minute))
	r.Metric("data_loss_window_seconds", p.d.Now().Sub(good.Time).Seconds(), "s")
	if cfg.Database.OnCorruption != "restore" {
		cmd := fmt.Sprintf("fossamaint backup restore %s --config %s", good.Path, p.d.ConfigPath)
		r.Finding(runbook.Critical, strings.Join(first(msgs, 5), "\n"),
			"the database is corrupt; services were left running (on_corruption: stop). Restore with: %s; %s", cmd, loss)
		r.Recommend("Restore now: %s", cmd)
		return r, nil
	}
	return p.restoreCorrupt(ctx, env, good, loss, r)
}

func (p *Procedure) restoreCorrupt(ctx context.Context, env *runbook.Env, good backup.Backup, loss string, r runbook.Result) (runbook.Result, error) {
	if err := p.restoreWithService(ctx, env, good.Path); err != nil {
		return r, err
	}
	r.Finding(runbook.Critical, good.Path, "the database was corrupt and has been restored from %s; %s", good.Path, loss)
	r.Recommend("Find the cause of the corruption (disk errors, a killed process during a write) before the next window.")
	return r, nil
}

// restoreWithService stops the database's service, restores path over the
// live database (the replaced file is kept in pre-recovery), and starts
// the service again, waiting until it is ready.
func (p *Procedure) restoreWithService(ctx context.Context, env *runbook.Env, path string) error {
	cfg := p.d.Config
	unit, managed := p.dbUnit()
	if managed {
		if err := env.Do(ctx, "stop "+unit.Name, func(ctx context.Context) error { return p.d.Services.Stop(ctx, unit.Name) }); err != nil {
			return err
		}
	}
	err := env.Do(ctx, "restore "+path, func(ctx context.Context) error {
		_, err := backup.Restore(ctx, backup.RestoreOptions{BackupPath: path, DBPath: p.path(cfg.Database.Path),
			PreRecoveryDir: p.path(cfg.Backups.PreRecoveryDir), Now: p.d.Now()})
		return err
	})
	if managed {
		serr := env.Do(ctx, "start "+unit.Name, func(ctx context.Context) error {
			_, err := service.StartAndWait(ctx, p.d.Services, unit.Name, p.readinessProbe(unit), cfg.Services.ReadyTimeout.D())
			return err
		})
		if err == nil {
			err = serr
		}
	}
	return err
}

// RestoreBackup is `fossamaint backup restore`: under the run lock, stop,
// restore path (verified first), start, wait until ready.
func (p *Procedure) RestoreBackup(ctx context.Context, path string, dryRun bool) ([]string, error) {
	lock, err := runbook.AcquireLock(p.path(p.d.Config.StateDir))
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if dryRun {
		if _, err := backup.Restore(ctx, backup.RestoreOptions{BackupPath: path, DBPath: p.path(p.d.Config.Database.Path),
			PreRecoveryDir: p.path(p.d.Config.Backups.PreRecoveryDir), Now: p.d.Now(), DryRun: true}); err != nil {
			return nil, err
		}
	}
	env := runbook.NewEnv(dryRun, p.d.Now)
	err = p.restoreWithService(ctx, env, path)
	return env.Actions(), err
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
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
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
	return out.Close()
}

func moveWithManifest(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	if err := os.Rename(src+".manifest.json", dst+".manifest.json"); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
