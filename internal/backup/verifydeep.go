package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// ErrNoVerifiedBackup is wrapped when no backup qualifies for a restore.
var ErrNoVerifiedBackup = errors.New("no verified backup")

// RestoreTestTables are the tables whose rows a restore test counts when
// they exist: the ones an operator checks first after a restore.
var RestoreTestTables = []string{"work_orders", "dispensers"}

// VerifyOptions tune VerifyDeep.
type VerifyOptions struct {
	// Full runs integrity_check instead of quick_check; for a dump, the
	// restore test into a scratch database on Postgres's server.
	Full bool
	// Postgres is the server a dump's full restore test runs on.
	Postgres *PostgresSource
}

// RestoreTest is the seed's section 6 done in a private temp dir: the
// backup copied, opened as the application would, its tables counted.
type RestoreTest struct {
	OK     bool             `json:"ok"`
	Tables int              `json:"tables"`
	Rows   map[string]int64 `json:"rows,omitempty"`
	Error  string           `json:"error,omitempty"`
	// Skipped says why a dump was not restored (only its table of
	// contents was read): no --full, or no server to restore on.
	Skipped  string        `json:"skipped,omitempty"`
	Duration human.Seconds `json:"duration_seconds"`
}

// DeepResult is VerifyResult plus the manifest comparison and the restore
// test.
type DeepResult struct {
	VerifyResult
	ManifestPath string      `json:"manifest_path,omitempty"`
	Manifest     *Manifest   `json:"manifest,omitempty"`
	ManifestOK   bool        `json:"manifest_ok"`
	ManifestErr  string      `json:"manifest_error,omitempty"`
	RestoreTest  RestoreTest `json:"restore_test"`
}

// Verified says whether the backup is one to restore from: it matches a
// manifest that records a passed check, passes its own check now, and
// survived the restore test.
func (r DeepResult) Verified() bool {
	return r.OK && r.ManifestOK && r.RestoreTest.OK
}

// Sound reports whether the backup can be restored: the check and the
// restore test passed, and a manifest, when there is one, matches. A
// backup without a manifest (an older or foreign one) can be sound but
// never Verified.
func (r DeepResult) Sound() bool {
	return r.OK && r.RestoreTest.OK && (r.ManifestPath == "" || r.ManifestOK)
}

// Verdicts of a deep verification, worst last.
const (
	VerdictVerified   = "verified"
	VerdictUnverified = "unverified"
	VerdictFailed     = "failed"
)

// Verdict is what an operator needs to know: verified (restore from it),
// unverified (it opens and passes its check, but with no manifest nothing
// proves it unchanged since it was written: a flipped bit in a row would
// pass), or failed.
func (r DeepResult) Verdict() string {
	switch {
	case r.Verified():
		return VerdictVerified
	case r.Sound():
		return VerdictUnverified
	}
	return VerdictFailed
}

// MarshalJSON adds the verdict to the result's fields.
func (r DeepResult) MarshalJSON() ([]byte, error) {
	type plain DeepResult
	return json.Marshal(struct {
		plain
		Verdict string `json:"verdict"`
	}{plain(r), r.Verdict()})
}

// Problems lists why Verified is false, for reports.
func (r DeepResult) Problems() []string {
	var p []string
	if !r.ManifestOK {
		p = append(p, "manifest: "+r.ManifestErr)
	}
	if !r.OK {
		msgs := r.Messages
		if len(msgs) == 0 {
			msgs = []string{"check failed"}
		}
		p = append(p, r.CheckName+": "+strings.Join(msgs, "; "))
	}
	if !r.RestoreTest.OK {
		p = append(p, "restore test: "+r.RestoreTest.Error)
	}
	return p
}

// VerifyDeep verifies a database backup: sha256 and check (concurrently),
// comparison with its manifest (and, for a daily set, the set's files),
// and a restore test. Problems with the backup are in the result; errors
// mean it could not be examined (missing file, cancelled ctx).
func VerifyDeep(ctx context.Context, b Backup, opts VerifyOptions) (DeepResult, error) {
	var r DeepResult
	if b.Kind == KindUnknown {
		return r, fmt.Errorf("verifying %s: not a database backup", b.Path)
	}
	vr, err := verifyAny(ctx, b.Path, opts.Full, opts.Postgres)
	r.VerifyResult = vr
	if err != nil {
		return r, err
	}
	r.ManifestPath = b.ManifestPath
	if !b.HasManifest || b.ManifestPath == "" {
		r.ManifestPath, err = FindManifest(b.Path)
		if err != nil {
			return r, err
		}
	}
	if err := r.compareManifest(ctx, b.Path); err != nil {
		return r, err
	}
	if r.OK && IsDump(b.Path) {
		return r, r.restoreTestDump(ctx, b.Path, opts)
	}
	if r.OK {
		r.RestoreTest = restoreTest(ctx, b.Path)
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("verifying %s: %w", b.Path, err)
		}
	} else {
		r.RestoreTest.Error = "skipped: the backup failed its check"
	}
	return r, nil
}

// restoreTestDump is a dump's restore test: with opts.Full, into a
// scratch database on the server (the manifest's counts compared,
// pg_amcheck on the copy); without, only the table of contents read
// (Skipped says so).
func (r *DeepResult) restoreTestDump(ctx context.Context, path string, opts VerifyOptions) error {
	switch {
	case !opts.Full:
		r.RestoreTest = RestoreTest{OK: true, Tables: r.Tables, Skipped: "table of contents read; --full restores it into a scratch database"}
		return nil
	case opts.Postgres == nil:
		r.RestoreTest = RestoreTest{OK: true, Tables: r.Tables, Skipped: "no PostgreSQL server configured (database.url) to restore it on"}
		return nil
	case r.ManifestPath != "" && !r.ManifestOK:
		// It already failed: a restore would only take the time.
		r.RestoreTest = RestoreTest{Error: "skipped: the dump does not match its manifest"}
		return nil
	}
	var tables map[string]int64
	if r.Manifest != nil {
		tables = r.Manifest.Tables
	}
	rt, vr, err := restoreTestDump(ctx, path, *opts.Postgres, tables)
	r.RestoreTest = rt
	if err != nil {
		return err
	}
	r.Messages = append(r.Messages, restoreNotes(vr)...)
	if vr.Check != nil {
		r.CheckName, r.Check = CheckRestore, checkResultOf(vr.Check)
		if !r.Check.OK {
			r.OK = false
			r.Messages = append(r.Messages, "pg_amcheck of the restored copy failed:")
			r.Messages = append(r.Messages, r.Check.Messages...)
		}
	}
	return nil
}

// compareManifest sets ManifestOK/ManifestErr; only ctx errors escape.
func (r *DeepResult) compareManifest(ctx context.Context, dbPath string) error {
	if r.ManifestPath == "" {
		r.ManifestErr = "no manifest: the backup's content cannot be proven unchanged since it was written"
		return nil
	}
	m, err := ReadManifest(r.ManifestPath)
	if err != nil {
		r.ManifestErr = err.Error()
		return nil
	}
	r.Manifest = &m
	var problems []string
	if m.Database != "" && m.Database != filepath.Base(dbPath) {
		problems = append(problems, fmt.Sprintf("manifest %s describes %s, not %s", r.ManifestPath, m.Database, filepath.Base(dbPath)))
	} else if err := compareManifest(dbPath, m, r.SHA256, r.Size); err != nil {
		problems = append(problems, err.Error())
	}
	if !m.CheckOK() {
		problems = append(problems, fmt.Sprintf("manifest records no passed check (%q: %q)", m.Check, m.CheckResult))
	}
	if err := VerifyFiles(ctx, filepath.Dir(r.ManifestPath), m); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("verifying %s: %w", dbPath, ctx.Err())
		}
		problems = append(problems, err.Error())
	}
	r.ManifestOK = len(problems) == 0
	r.ManifestErr = strings.Join(problems, "; ")
	return nil
}

// restoreTest copies the backup into a private temp dir, opens the copy
// read-write as the application would (a WAL-mode backup gets its -wal
// and -shm there, never beside the backup), and counts tables and rows.
func restoreTest(ctx context.Context, path string) (rt RestoreTest) {
	start := time.Now()
	defer func() { rt.Duration = human.Seconds(time.Since(start)) }()
	dir, err := durable.MkdirTemp(os.TempDir(), "restore-test")
	if err != nil {
		rt.Error = fmt.Sprintf("creating temp dir: %v", err)
		return rt
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, filepath.Base(path))
	if _, _, err := copyFileHashed(ctx, path, cp); err != nil {
		rt.Error = err.Error()
		return rt
	}
	db, err := sqlitedb.Open(ctx, cp, sqlitedb.MaintenanceOptions(false))
	if err != nil {
		rt.Error = err.Error()
		return rt
	}
	defer db.Close()
	st, err := db.Stats(ctx, RestoreTestTables)
	if err != nil {
		rt.Error = err.Error()
		return rt
	}
	rt.Tables = st.Tables
	rt.Rows = map[string]int64{}
	for _, tr := range st.Rows {
		if !tr.Missing {
			rt.Rows[tr.Table] = tr.Rows
		}
	}
	if rt.Tables == 0 {
		rt.Error = "the restored copy has no tables"
		return rt
	}
	rt.OK = true
	return rt
}

// NewestVerified returns the newest database backup taken strictly before
// before (when corruption was first seen) that VerifyDeep finds verified.
// Candidates are tried newest first and verification stops at the first
// that passes. When none does, the error wraps ErrNoVerifiedBackup and
// says why each was rejected.
func NewestVerified(ctx context.Context, backups []Backup, before time.Time) (Backup, DeepResult, error) {
	cands := slices.Clone(backups)
	slices.SortStableFunc(cands, func(a, b Backup) int { return b.Time.Compare(a.Time) })
	var why []string
	for _, b := range cands {
		switch {
		case b.Kind == KindUnknown:
			continue
		case !b.Time.Before(before):
			why = append(why, fmt.Sprintf("%s: taken %s, not before the corruption was first seen (%s)",
				b.Path, b.Time.Format(time.RFC3339), before.Format(time.RFC3339)))
			continue
		}
		r, err := VerifyDeep(ctx, b, VerifyOptions{})
		if ctx.Err() != nil {
			return Backup{}, r, fmt.Errorf("looking for a verified backup: %w", ctx.Err())
		}
		if err != nil {
			why = append(why, fmt.Sprintf("%s: %v", b.Path, err))
			continue
		}
		if r.Verified() {
			return b, r, nil
		}
		why = append(why, fmt.Sprintf("%s: %s", b.Path, strings.Join(r.Problems(), "; ")))
	}
	if len(why) == 0 {
		return Backup{}, DeepResult{}, fmt.Errorf("%w: there are no database backups", ErrNoVerifiedBackup)
	}
	return Backup{}, DeepResult{}, fmt.Errorf("%w before %s; rejected:\n  %s",
		ErrNoVerifiedBackup, before.Format(time.RFC3339), strings.Join(why, "\n  "))
}
