package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// RestoreOptions say which backup replaces which database. The caller
// stops the services before and starts them after.
type RestoreOptions struct {
	BackupPath string
	DBPath     string
	// PreRecoveryDir receives the replaced database
	// (<stem>_pre_recovery_<YYYYMMDD_HHMMSS>.db); created 0700 if missing.
	PreRecoveryDir string
	// Now names the kept-aside file.
	Now time.Time
	// DryRun verifies the backup and says what would happen, changing
	// nothing.
	DryRun bool
	// Postgres, when set, is the database a .dump replaces (restored into
	// a new database and switched in by rename; DBPath is unused).
	Postgres *PostgresSource
}

// RestoreResult says what was (or, for a dry run, would be) done.
type RestoreResult struct {
	From     string `json:"from"`
	Restored string `json:"restored"`
	// KeptAside is where the replaced database is (or would be) kept;
	// empty when there was no database to replace.
	KeptAside string `json:"kept_aside,omitempty"`
	// KeptDatabase is the PostgreSQL database the replaced one is (or
	// would be) kept as, on the same server, until it is dropped.
	KeptDatabase string `json:"kept_database,omitempty"`
	DryRun       bool   `json:"dry_run"`
	// Backup is the verification of the backup before anything changed.
	Backup       VerifyResult `json:"backup"`
	ManifestPath string       `json:"manifest_path,omitempty"`
	// Check is the quick_check of the installed database.
	Check    sqlitedb.CheckResult `json:"check"`
	Rows     map[string]int64     `json:"rows,omitempty"`
	Notes    []string             `json:"notes,omitempty"`
	Duration human.Seconds        `json:"duration_seconds"`
}

// Restore replaces o.DBPath with the backup at o.BackupPath: it verifies
// the backup (sha256 against its manifest when there is one, and
// quick_check), copies it beside the database with the online backup API,
// installs the copy by rename keeping the current database in
// o.PreRecoveryDir (stale -wal/-shm removed, owner and mode preserved),
// and quick_checks the result. A backup that fails verification is
// refused with ErrVerificationFailed and the database is not touched.
func Restore(ctx context.Context, o RestoreOptions) (res RestoreResult, err error) {
	start := time.Now()
	defer func() { res.Duration = human.Seconds(time.Since(start)) }()
	if o.Postgres != nil {
		return res, restorePostgres(ctx, o, &res)
	}
	if o.BackupPath == "" || o.DBPath == "" || o.PreRecoveryDir == "" || o.Now.IsZero() {
		return res, errors.New("restoring: backup path, database path, pre-recovery directory and time are all required")
	}
	res.From, res.Restored, res.DryRun = o.BackupPath, o.DBPath, o.DryRun
	if err := verifyForRestore(ctx, o.BackupPath, nil, &res); err != nil {
		return res, err
	}
	stem, _ := dbStem(o.DBPath)
	asideName := stem + "_pre_recovery_" + o.Now.Format("20060102_150405") + ".db"
	if _, err := os.Stat(o.DBPath); err == nil {
		res.KeptAside = filepath.Join(o.PreRecoveryDir, asideName)
	} else if errors.Is(err, os.ErrNotExist) {
		res.Notes = append(res.Notes, fmt.Sprintf("%s does not exist: nothing to keep aside", o.DBPath))
	} else {
		return res, fmt.Errorf("restoring %s: %w", o.DBPath, err)
	}
	if o.DryRun {
		res.Notes = append(res.Notes, fmt.Sprintf("dry run: would copy %s to %s", o.BackupPath, o.DBPath))
		return res, nil
	}
	if err := os.MkdirAll(o.PreRecoveryDir, 0o700); err != nil {
		return res, fmt.Errorf("restoring: creating pre-recovery directory: %w", err)
	}
	tmp := durable.Path(filepath.Dir(o.DBPath), "restore")
	if _, err := sqlitedb.Backup(ctx, o.BackupPath, tmp, sqlitedb.BackupOptions{}); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("restoring: copying %s beside %s: %w", o.BackupPath, o.DBPath, err)
	}
	if err := keepJournalMode(ctx, o.DBPath, tmp, &res); err != nil {
		os.Remove(tmp)
		return res, err
	}
	aside, err := sqlitedb.InstallFile(ctx, tmp, o.DBPath, o.PreRecoveryDir, asideName)
	res.KeptAside = aside
	if err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("restoring %s: %w", o.DBPath, err)
	}
	return res, checkInstalled(ctx, o.DBPath, &res)
}

// verifyForRestore refuses a backup that fails quick_check or differs
// from its manifest: restoring garbage over a database is the one thing a
// restore must never do.
func verifyForRestore(ctx context.Context, path string, src *PostgresSource, res *RestoreResult) error {
	vr, err := verifyAny(ctx, path, false, src)
	res.Backup = vr
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	var problems []string
	if !vr.OK {
		problems = append(problems, strings.Join(vr.Messages, "; "))
	}
	mp, err := FindManifest(path)
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	res.ManifestPath = mp
	if mp == "" {
		res.Notes = append(res.Notes, fmt.Sprintf("%s has no manifest: verified by %s only", path, vr.CheckName))
	} else if m, err := ReadManifest(mp); err != nil {
		problems = append(problems, err.Error())
	} else if m.Database != "" && m.Database != filepath.Base(path) {
		problems = append(problems, fmt.Sprintf("manifest %s describes %s", mp, m.Database))
	} else if err := compareManifest(path, m, vr.SHA256, vr.Size); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: refusing to restore %s: %s", ErrVerificationFailed, path, strings.Join(problems, "; "))
	}
	return nil
}

// checkInstalled quick_checks the database now in place and counts the
// restore-test tables. It opens immutable: the services are stopped, and
// a read-only open would leave -wal/-shm files owned by fossamaint's user
// for the application to trip over.
func checkInstalled(ctx context.Context, dbPath string, res *RestoreResult) error {
	opts := sqlitedb.MaintenanceOptions(true)
	opts.Immutable = true
	db, err := sqlitedb.Open(ctx, dbPath, opts)
	if err != nil {
		return fmt.Errorf("restored %s but cannot open it (the replaced file is %s): %w", dbPath, res.KeptAside, err)
	}
	defer db.Close()
	if res.Check, err = db.QuickCheck(ctx); err != nil {
		return fmt.Errorf("checking restored %s: %w", dbPath, err)
	}
	if !res.Check.OK {
		return fmt.Errorf("%w: restored %s fails quick_check (the replaced file is %s): %s",
			ErrVerificationFailed, dbPath, res.KeptAside, strings.Join(res.Check.Messages, "; "))
	}
	st, err := db.Stats(ctx, RestoreTestTables)
	if err != nil {
		return fmt.Errorf("counting rows of restored %s: %w", dbPath, err)
	}
	res.Rows = map[string]int64{}
	for _, tr := range st.Rows {
		if !tr.Missing {
			res.Rows[tr.Table] = tr.Rows
		}
	}
	return nil
}

// keepJournalMode puts the restored copy back in WAL mode when the
// database it replaces was in WAL mode: backups are written self-contained
// in rollback-journal mode, and the application must not silently lose
// WAL. Closing the copy checkpoints and removes its own -wal and -shm.
func keepJournalMode(ctx context.Context, current, tmp string, res *RestoreResult) error {
	if !walHeader(current) {
		return nil
	}
	db, err := sqlitedb.Open(ctx, tmp, sqlitedb.Options{})
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	defer db.Close()
	var mode string
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("restoring: setting WAL mode on %s: %w", tmp, err)
	}
	if mode != "wal" {
		return fmt.Errorf("restoring: setting WAL mode on %s: journal_mode is %q", tmp, mode)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	res.Notes = append(res.Notes, "journal_mode set to WAL, as the replaced database had it")
	return nil
}

// walHeader reads the file format version bytes (offsets 18 and 19 of the
// SQLite header), which are 2 for a WAL database. A missing or unreadable
// file is not WAL.
func walHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [20]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return false
	}
	return string(h[:16]) == "SQLite format 3\x00" && h[18] == 2 && h[19] == 2
}
