package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// KindEmergency is an unscheduled daily set (preflight found no backup for
// today). It lives in the daily layout and carries the tags daily and
// emergency.
const KindEmergency Kind = "emergency"

// ErrVerificationFailed is wrapped when a backup (new, or about to be
// restored) fails its check or does not match its manifest.
var ErrVerificationFailed = errors.New("backup verification failed")

// Working directories of an interrupted create: hidden, and listed as
// unknown with a note rather than as a daily set. newSetPrefix begins every
// temporary name (durable.Prefix); oldSetPrefix is what releases before
// them used for a set being replaced. oldSetPurpose names the directory a
// set being replaced waits in (see RecoverSets).
const (
	newSetPrefix  = durable.Prefix
	oldSetPrefix  = ".fossamaint-old-"
	oldSetPurpose = "oldset-"
)

// ParseKind reads a kind as the CLI spells it ("pre-maintenance" is
// KindMaintenance).
func ParseKind(s string) (Kind, error) {
	switch s {
	case "daily":
		return KindDaily, nil
	case "weekly":
		return KindWeekly, nil
	case "maintenance", "pre-maintenance":
		return KindMaintenance, nil
	case "emergency":
		return KindEmergency, nil
	}
	return "", fmt.Errorf("unknown backup kind %q: want daily, weekly, pre-maintenance or emergency", s)
}

// kindTags are the retention tags a kind's manifest starts with.
func kindTags(k Kind) []string {
	switch k {
	case KindEmergency:
		return []string{"daily", "emergency"}
	case KindMaintenance:
		return []string{"pre-maintenance"}
	}
	return []string{string(k)}
}

// CreateOptions says what to back up and where.
type CreateOptions struct {
	Kind   Kind
	DBPath string
	// EnvFile, DataDir and ConfigFile are copied into a daily or
	// emergency set; empty means "not part of the set", a missing one is
	// a note, not an error (an emergency backup must not fail on them).
	EnvFile    string
	DataDir    string
	ConfigFile string
	Layout     Layout
	// Now names and dates the backup (in its location).
	Now  time.Time
	Tags []string
	// Verify is "quick" (default, quick_check) or "full" (integrity_check).
	Verify      string
	ToolVersion string
	// Progress, if set, receives the online backup's page progress.
	Progress func(done, total int)
	// Postgres, when set, is backed up with pg_dump instead of the SQLite
	// file (DBPath then only names the backups: the database's name).
	Postgres *PostgresSource
}

// Created describes a written and verified backup.
type Created struct {
	// Path is the backup database; Dir is its directory (the daily set).
	Path         string   `json:"path"`
	Dir          string   `json:"dir"`
	ManifestPath string   `json:"manifest_path"`
	Manifest     Manifest `json:"manifest"`
	// Replaced is true when an existing set for the same day was replaced
	// (only after the new one had been verified).
	Replaced       bool          `json:"replaced,omitempty"`
	Notes          []string      `json:"notes,omitempty"`
	Duration       human.Seconds `json:"duration_seconds"`
	BackupDuration human.Seconds `json:"backup_duration_seconds"`
	VerifyDuration human.Seconds `json:"verify_duration_seconds"`
}

// Create writes a backup of o.DBPath with the SQLite online backup API,
// verifies it, hashes it and writes its manifest. A backup that fails
// verification is removed and the error wraps ErrVerificationFailed; no
// partial file or set ever carries a final name.
func Create(ctx context.Context, o CreateOptions) (Created, error) {
	start := time.Now()
	if err := o.validate(); err != nil {
		return Created{}, err
	}
	var c Created
	var err error
	switch o.Kind {
	case KindDaily, KindEmergency:
		c, err = createDaily(ctx, o)
	case KindWeekly:
		c, err = createSingle(ctx, o, o.Layout.WeeklyDir, "_full_")
	case KindMaintenance:
		c, err = createSingle(ctx, o, o.Layout.MaintenanceDir, "_pre_maintenance_")
	}
	c.Duration = human.Seconds(time.Since(start))
	return c, err
}

func (o CreateOptions) validate() error {
	if _, err := ParseKind(string(o.Kind)); err != nil {
		return fmt.Errorf("creating backup: %w", err)
	}
	if o.Postgres != nil && o.Postgres.Name() == "" {
		return fmt.Errorf("creating backup: database URL %s names no database", pgdb.Redact(o.Postgres.URL))
	}
	if o.DBPath == "" && o.Postgres == nil {
		return errors.New("creating backup: no database path")
	}
	if o.Now.IsZero() {
		return errors.New("creating backup: no time given")
	}
	if o.Verify != "" && o.Verify != "quick" && o.Verify != "full" {
		return fmt.Errorf("creating backup: verify %q: want quick or full", o.Verify)
	}
	dir := map[Kind]string{KindDaily: o.Layout.DailyDir, KindEmergency: o.Layout.DailyDir,
		KindWeekly: o.Layout.WeeklyDir, KindMaintenance: o.Layout.MaintenanceDir}[o.Kind]
	if dir == "" {
		return fmt.Errorf("creating %s backup: no directory configured for it", o.Kind)
	}
	return nil
}

// dbStem is the database's name without extension ("fossawork_v2") and
// the extension its backups get.
func dbStem(dbPath string) (stem, ext string) {
	base := filepath.Base(dbPath)
	if isDatabaseName(base) {
		ext = filepath.Ext(base)
		return strings.TrimSuffix(base, ext), ext
	}
	return base, ".db"
}

// stemExt names the backups: the SQLite file's stem and extension, or
// the PostgreSQL database's name and DumpExt.
func (o CreateOptions) stemExt() (stem, ext string) {
	if o.Postgres != nil {
		return o.Postgres.Name(), DumpExt
	}
	return dbStem(o.DBPath)
}

// createSingle writes a weekly or pre-maintenance file:
// <dir>/<stem><infix><YYYYMMDD_HHMMSS>.db (.dump) plus <file>.manifest.json.
func createSingle(ctx context.Context, o CreateOptions, dir, infix string) (Created, error) {
	stem, ext := o.stemExt()
	final := filepath.Join(dir, stem+infix+o.Now.Format("20060102_150405")+ext)
	c := Created{Path: final, Dir: dir, ManifestPath: ManifestPathFor(final)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return c, fmt.Errorf("creating backup directory: %w", err)
	}
	for _, p := range []string{final, c.ManifestPath} {
		if _, err := os.Lstat(p); err == nil {
			return c, fmt.Errorf("creating %s backup: %s already exists; backups are never overwritten", o.Kind, p)
		}
	}
	tmp := durable.Path(dir, "backup")
	m, err := backupAndVerify(ctx, o, tmp, &c)
	if err == nil {
		err = fault.Hit(fault.BackupTemp)
	}
	if err != nil {
		os.Remove(tmp)
		return c, err
	}
	// SQLite's backup and the verification have synced the file.
	if err := durable.Rename(tmp, final); err != nil {
		os.Remove(tmp) // gone already if only the directory fsync failed
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	// The manifest comes last: a file without one is never "verified", so
	// a crash here costs a verification, never a wrong verdict.
	if err := WriteManifest(c.ManifestPath, m); err != nil {
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	c.Manifest = m
	return c, nil
}

// backupAndVerify takes the online backup into dst, checks and hashes it,
// and returns its manifest; a failed check is an ErrVerificationFailed.
func backupAndVerify(ctx context.Context, o CreateOptions, dst string, c *Created) (Manifest, error) {
	if o.Postgres != nil {
		return dumpAndVerify(ctx, o, dst, c)
	}
	br, err := sqlitedb.Backup(ctx, o.DBPath, dst, sqlitedb.BackupOptions{Progress: o.Progress})
	c.BackupDuration = br.Duration
	if err != nil {
		return Manifest{}, fmt.Errorf("creating %s backup of %s: %w", o.Kind, o.DBPath, err)
	}
	res, err := verifyFile(ctx, dst, o.Verify == "full")
	c.VerifyDuration = res.Duration
	if err != nil {
		return Manifest{}, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	if !res.OK {
		return Manifest{}, fmt.Errorf("%w: new %s backup of %s: %s", ErrVerificationFailed, o.Kind, o.DBPath, strings.Join(res.Messages, "; "))
	}
	src, err := filepath.Abs(o.DBPath)
	if err != nil {
		src = o.DBPath
	}
	m := baseManifest(o, c)
	m.Source, m.Method = src, "online_backup"
	m.SQLiteVersion, m.PageSize, m.PageCount = res.SQLiteVersion, res.PageSize, res.PageCount
	m.Size, m.SHA256, m.Check, m.CheckResult = res.Size, res.SHA256, res.CheckName, "ok"
	return m, nil
}

// createDaily builds the whole set in a private working directory beside
// the day directories and renames it into place, so a set is either
// complete under its date or not there. An existing set for the same day
// is swapped out only after the new one is verified and synced.
func createDaily(ctx context.Context, o CreateOptions) (c Created, err error) {
	root := o.Layout.DailyDir
	day := o.Now.Format("20060102")
	final := filepath.Join(root, day)
	dbName := filepath.Base(o.DBPath)
	if o.Postgres != nil {
		dbName = o.Postgres.Name() + DumpExt
	}
	c = Created{Dir: final, Path: filepath.Join(final, dbName), ManifestPath: filepath.Join(final, DailyManifestName)}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return c, fmt.Errorf("creating backup directory: %w", err)
	}
	work, err := durable.MkdirTemp(root, "newset-"+day)
	if err != nil {
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(work)
		}
	}()
	m, err := backupAndVerify(ctx, o, filepath.Join(work, dbName), &c)
	if err != nil {
		return c, err
	}
	files, notes, err := copyExtras(ctx, o, work, []string{dbName, DailyManifestName})
	c.Notes = append(c.Notes, notes...)
	if err != nil {
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	m.Files = files
	if err := WriteManifest(filepath.Join(work, DailyManifestName), m); err != nil {
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	if err := durable.SyncDir(work); err != nil {
		return c, err
	}
	if c.Replaced, err = installSet(ctx, work, final); err != nil {
		return c, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	if c.Replaced {
		c.Notes = append(c.Notes, fmt.Sprintf("replaced the earlier backup set %s", final))
	}
	c.Manifest = m
	return c, nil
}

// installSet renames work to final. If final exists it is first renamed
// aside, and removed only once the new set is in place; should the second
// rename fail, the old set is put back.
func installSet(ctx context.Context, work, final string) (replaced bool, err error) {
	root := filepath.Dir(final)
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if _, err := os.Lstat(final); errors.Is(err, os.ErrNotExist) {
		if err := durable.Rename(work, final); err != nil {
			return false, fmt.Errorf("installing backup set %s: %w", final, err)
		}
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("installing backup set %s: %w", final, err)
	}
	old, err := durable.MkdirTemp(root, oldSetPurpose+filepath.Base(final))
	if err != nil {
		return false, fmt.Errorf("installing backup set %s: %w", final, err)
	}
	aside := filepath.Join(old, filepath.Base(final))
	if err := os.Rename(final, aside); err != nil {
		os.Remove(old)
		return false, fmt.Errorf("moving the earlier set %s aside: %w", final, err)
	}
	err = fault.Hit(fault.SetAside)
	if err == nil {
		err = os.Rename(work, final)
	}
	if err != nil {
		if rerr := os.Rename(aside, final); rerr != nil {
			return false, fmt.Errorf("installing backup set %s: %w (and putting the earlier set back from %s failed: %v)", final, err, aside, rerr)
		}
		os.Remove(old)
		return false, fmt.Errorf("installing backup set %s: %w", final, err)
	}
	if err := durable.SyncDir(root); err != nil {
		return true, err
	}
	if err := os.RemoveAll(old); err != nil {
		return true, fmt.Errorf("removing the replaced set %s: %w", aside, err)
	}
	return true, nil
}
