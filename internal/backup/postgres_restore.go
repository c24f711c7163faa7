package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

// restorePostgres is Restore of a dump: the dump verified first (sha256
// against its manifest before any PostgreSQL program reads it, then its
// table of contents), then pgdb.Restore: a new database, its counts
// compared with the manifest's, switched in by rename, the replaced
// database kept under a dated name. A dry run verifies, checks that the
// server answers and says what would be done.
func restorePostgres(ctx context.Context, o RestoreOptions, res *RestoreResult) error {
	src := *o.Postgres
	if o.BackupPath == "" || o.Now.IsZero() || src.Name() == "" {
		return errors.New("restoring: the dump, the time and a database URL naming the database are all required")
	}
	if !IsDump(o.BackupPath) {
		return fmt.Errorf("restoring %s into PostgreSQL: not a %s file (a PostgreSQL backup is a pg_dump custom-format dump)", o.BackupPath, DumpExt)
	}
	name := src.Name()
	res.From, res.Restored, res.DryRun = o.BackupPath, name, o.DryRun
	if err := verifyForRestore(ctx, o.BackupPath, &src, res); err != nil {
		return err
	}
	var tables map[string]int64
	if m, err := dumpManifest(o.BackupPath); err == nil {
		tables = m.Tables
	}
	tools, exists, err := serverTools(ctx, src)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", o.BackupPath, err)
	}
	if o.DryRun {
		if exists {
			res.KeptDatabase = pgdb.DatedName(name, pgdb.KindReplaced, o.Now)
		}
		res.Notes = append(res.Notes, fmt.Sprintf("dry run: would restore %s into a new database on %s and switch it in as %s", o.BackupPath, pgdb.Redact(src.URL), name))
		return nil
	}
	rr, err := pgdb.Restore(ctx, tools, src.URL, o.BackupPath, pgdb.RestoreOptions{Now: o.Now, Tables: tables})
	res.KeptDatabase, res.Rows = rr.Replaced, rr.Tables
	if err != nil {
		if errors.Is(err, pgdb.ErrBadDump) {
			return fmt.Errorf("%w: restoring %s: %w", ErrVerificationFailed, o.BackupPath, err)
		}
		return fmt.Errorf("restoring %s into %s: %w", o.BackupPath, name, err)
	}
	res.Check.OK = true
	if tables != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the restored copy's row counts of %d tables match the manifest's", len(tables)))
	}
	if rr.Replaced != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("the replaced database is kept as %s (DROP DATABASE %s when it is no longer needed)", rr.Replaced, pgdb.QuoteIdent(rr.Replaced)))
	}
	return nil
}

// serverTools connects to src's server, to its database or, when that is
// missing (a restore must be able to bring it back), to the maintenance
// database "postgres", and finds programs not older than the server.
func serverTools(ctx context.Context, src PostgresSource) (pgdb.Tools, bool, error) {
	db, tools, err := src.open(ctx)
	if err == nil {
		db.Close()
		return tools, true, nil
	}
	if errors.Is(err, pgdb.ErrNoTools) {
		return tools, true, err
	}
	maint, serr := pgdb.Sibling(src.URL, "postgres")
	if serr != nil {
		return pgdb.Tools{}, false, err
	}
	db2, tools, err2 := PostgresSource{URL: maint, BinDir: src.BinDir}.open(ctx)
	if err2 != nil {
		return pgdb.Tools{}, false, errors.Join(err, err2)
	}
	db2.Close()
	return tools, false, nil
}

// ReplacedToDrop lists the databases a PostgreSQL restore kept aside
// (<name>_replaced_<stamp>) that retention removes: those kept longer
// than within (backups.keep_maintenance_within, the rollback window of a
// maintenance backup) at now. within 0 keeps them all.
func ReplacedToDrop(ctx context.Context, src PostgresSource, within time.Duration, now time.Time) ([]pgdb.Replaced, error) {
	if within <= 0 {
		return nil, nil
	}
	db, err := pgdb.Open(ctx, src.URL)
	if err != nil {
		return nil, fmt.Errorf("listing the databases restores kept: %w", err)
	}
	defer db.Close()
	kept, err := pgdb.ReplacedDatabases(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []pgdb.Replaced
	for _, r := range kept {
		if !r.At.IsZero() && now.Sub(r.At) > within {
			out = append(out, r)
		}
	}
	return out, nil
}

// DropReplaced drops one database ReplacedToDrop listed.
func DropReplaced(ctx context.Context, src PostgresSource, name string) error {
	db, err := pgdb.Open(ctx, src.URL)
	if err != nil {
		return fmt.Errorf("dropping %s: %w", name, err)
	}
	defer db.Close()
	return pgdb.DropReplaced(ctx, db, name)
}
