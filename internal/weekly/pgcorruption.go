package weekly

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// corruption is database/corruption on PostgreSQL: as on SQLite, the
// newest verified dump from before the first failed check is named
// (on_corruption: stop, services left running) or restored
// (on_corruption: restore, through recovery.RestoreWithService). The
// damaged database is its own forensic copy: a restore goes into a new
// database and keeps the damaged one under a dated name (pgdb.Restore).
func (e *pgEngine) corruption(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	ph := e.ph
	v := ph.verdict.get()
	if v.corrupt == nil {
		if errors.Is(v.checkErr, pgdb.ErrNoAmcheck) {
			return runbook.Skipped("amcheck is not installed, so corruption cannot be ruled out (the integrity step says how to allow it)"), nil
		}
		// Not corrupt, or the check could not run: the same as SQLite.
		return ph.dbCorruption(ctx, env)
	}
	var r runbook.Result
	// Rollback point A is a dump of the damaged database: it must not
	// pass for a good weekly backup.
	if pointA := ph.pointA.get(); pointA != "" {
		bad := filepath.Join(ph.preRecoveryDir, filepath.Base(pointA))
		if err := env.Do(ctx, "move this run's dump of the damaged database to "+bad, func(context.Context) error {
			return moveWithManifest(pointA, bad)
		}); err != nil {
			return r, err
		}
		ph.pointA.put("")
	}
	good, err := e.newestVerifiedDump(ctx, v.since)
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "the database is corrupt and no verified dump from before %s exists", v.since.Format(time.RFC3339))
		r.Recommend("Escalate (P1): the damaged database %s is still in place; REINDEX INDEX a damaged index, and copy what reads from a damaged table before anything else.", e.name())
		return r, nil
	}
	since := ph.now().Sub(good.Time)
	r.Metric("data_loss_window_seconds", since.Seconds(), "s")
	if ph.db.OnCorruption != "restore" {
		cmd := fmt.Sprintf("fossamaint backup restore %s --config %s", good.Path, ph.configPath)
		r.Finding(runbook.Critical, strings.Join(first(v.corrupt, 5), "\n"),
			"the database is corrupt; services were left running (on_corruption: stop). Restore with: %s; writes since %s (%s ago) would be lost",
			cmd, good.Time.Format(time.RFC3339), human.Duration(since))
		r.Recommend("Restore now: %s", cmd)
		return r, nil
	}
	return ph.restoreFromGood(ctx, env, good, r, " (the damaged one is kept under a dated name)",
		"a crash without fsync) before the next window; drop the kept database once it is not needed.")
}

// newestVerifiedDump is the newest dump taken before since that verifies
// (backup.NewestVerified over the dumps only: a SQLite file from before
// the move to PostgreSQL is no backup of this database).
func (e *pgEngine) newestVerifiedDump(ctx context.Context, since time.Time) (backup.Backup, error) {
	list, err := backup.List(ctx, e.ph.layout, e.ph.now())
	if err != nil {
		return backup.Backup{}, fmt.Errorf("listing backups: %w", err)
	}
	good, _, err := backup.NewestVerified(ctx, dumpsOf(list), since)
	return good, err
}

// dumpsOf are the PostgreSQL dumps in list.
func dumpsOf(list []backup.Backup) []backup.Backup {
	var out []backup.Backup
	for _, b := range list {
		if backup.IsDump(b.Path) {
			out = append(out, b)
		}
	}
	return out
}
