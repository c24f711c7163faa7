package backup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// EnginePostgres is Manifest.Engine of a PostgreSQL dump.
const EnginePostgres = "postgresql"

// DumpExt is the extension of a PostgreSQL backup (custom format).
const DumpExt = ".dump"

// Check names of a PostgreSQL dump's manifest: the table of contents read
// back (quick) and a restore test into a scratch database (full).
const (
	CheckTOC     = "pg_restore_list"
	CheckRestore = "restore_test"
)

// PostgresSource is the PostgreSQL database a backup is taken from, or
// restored into, and the programs to use.
type PostgresSource struct {
	// URL is the application's database (libpq URL; may hold a password).
	URL string
	// BinDir is database.postgres.bin_dir ("" finds them).
	BinDir string
}

// Name is the database's name as the URL gives it (path, or a dbname
// query value), which names its backups; "" when the URL names none.
func (s PostgresSource) Name() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	if n := u.Query().Get("dbname"); n != "" {
		return n
	}
	return strings.TrimPrefix(u.Path, "/")
}

// open connects to the database and finds programs not older than its
// server.
func (s PostgresSource) open(ctx context.Context) (*pgdb.DB, pgdb.Tools, error) {
	db, err := pgdb.Open(ctx, s.URL)
	if err != nil {
		return nil, pgdb.Tools{}, err
	}
	tools, err := pgdb.FindTools(ctx, s.BinDir, db.Major)
	if err != nil {
		db.Close()
		return nil, pgdb.Tools{}, err
	}
	return db, tools, nil
}

// IsDump says whether name is a PostgreSQL backup (a custom-format dump).
func IsDump(name string) bool { return strings.EqualFold(filepath.Ext(name), DumpExt) }

// dumpAndVerify is backupAndVerify for PostgreSQL: pg_dump into dst, the
// table of contents read back (or, with o.Verify full, a restore test
// into a scratch database with the counts compared and pg_amcheck on the
// copy), the file hashed again, and its manifest.
func dumpAndVerify(ctx context.Context, o CreateOptions, dst string, c *Created) (Manifest, error) {
	src := *o.Postgres
	db, tools, err := src.open(ctx)
	if err != nil {
		return Manifest{}, fmt.Errorf("creating %s backup of %s: %w", o.Kind, pgdb.Redact(src.URL), err)
	}
	defer db.Close()
	dr, err := pgdb.Dump(ctx, tools, db, dst)
	c.BackupDuration = human.Seconds(dr.Duration)
	if err != nil {
		return Manifest{}, fmt.Errorf("creating %s backup of %s: %w", o.Kind, pgdb.Redact(src.URL), err)
	}
	start := time.Now()
	check, problems, err := checkNewDump(ctx, tools, db, dst, dr, o.Verify == "full", c)
	c.VerifyDuration = human.Seconds(time.Since(start))
	if err != nil {
		return Manifest{}, fmt.Errorf("creating %s backup: %w", o.Kind, err)
	}
	if len(problems) > 0 {
		return Manifest{}, fmt.Errorf("%w: new %s backup of %s: %s", ErrVerificationFailed, o.Kind, pgdb.Redact(src.URL), strings.Join(problems, "; "))
	}
	m := baseManifest(o, c)
	m.Method, m.Engine = "pg_dump", EnginePostgres
	m.Source = pgdb.Redact(src.URL)
	m.ServerVersion, m.DumpVersion = dr.ServerVersion, dr.DumpVersion
	m.TOC, m.Tables = dr.TOC, dr.Tables
	m.Size, m.SHA256, m.Check, m.CheckResult = dr.Size, dr.SHA256, check, "ok"
	return m, nil
}

// checkNewDump reads a new dump back: its size and sha256 against what
// Dump reported, its table of contents against the one Dump read, and
// with full a restore test. It returns the check's name and what failed.
// A restore test refused a privilege leaves the dump checked by its table
// of contents only, which c's notes say (the dump is not shown bad).
func checkNewDump(ctx context.Context, tools pgdb.Tools, db *pgdb.DB, path string, dr pgdb.DumpResult, full bool, c *Created) (string, []string, error) {
	var problems []string
	sum, size, err := hashFileSize(ctx, path)
	if err != nil {
		return "", nil, err
	}
	if sum != dr.SHA256 || size != dr.Size {
		problems = append(problems, fmt.Sprintf("%s reads back as %d bytes with sha256 %s, pg_dump wrote %d bytes with sha256 %s", path, size, sum, dr.Size, dr.SHA256))
	}
	toc, err := pgdb.ReadTOC(ctx, tools, path)
	switch {
	case errors.Is(err, pgdb.ErrBadDump):
		return CheckTOC, append(problems, err.Error()), nil
	case err != nil:
		return "", nil, err
	case dr.TOC != nil && !maps.Equal(toc, dr.TOC):
		problems = append(problems, fmt.Sprintf("table of contents reads back as %v, pg_dump's was %v", toc, dr.TOC))
	case toc["TABLE"] == 0:
		problems = append(problems, "the dump holds no table: nothing to restore")
	}
	if !full || len(problems) > 0 {
		return CheckTOC, problems, nil
	}
	vr, err := pgdb.VerifyDump(ctx, tools, db, path, pgdb.VerifyOptions{Tables: dr.Tables, Check: true})
	if errors.Is(err, pgdb.ErrNoPrivilege) {
		c.Notes = append(c.Notes, "restore test not run, the table of contents checked instead: "+err.Error())
		return CheckTOC, problems, nil
	}
	if err != nil && !errors.Is(err, pgdb.ErrBadDump) {
		return "", nil, err
	}
	c.Notes = append(c.Notes, restoreNotes(vr)...)
	if !vr.OK {
		problems = append(problems, vr.Problems...)
		if len(vr.Problems) == 0 && err != nil {
			problems = append(problems, err.Error())
		}
	}
	return CheckRestore, problems, nil
}

// baseManifest is the part of a manifest both engines write alike.
func baseManifest(o CreateOptions, c *Created) Manifest {
	tags := kindTags(o.Kind)
	for _, t := range o.Tags {
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	kind := o.Kind
	if kind == KindEmergency {
		kind = KindDaily
	}
	return Manifest{Version: ManifestVersion, CreatedAt: o.Now.Format(time.RFC3339), Kind: string(kind),
		Tags: tags, Database: filepath.Base(c.Path), ToolVersion: o.ToolVersion}
}

// verifyAny is verifyFile, with a dump's programs found in src's BinDir
// (database.postgres.bin_dir) when there is a source.
func verifyAny(ctx context.Context, path string, full bool, src *PostgresSource) (VerifyResult, error) {
	if IsDump(path) {
		return verifyDump(ctx, path, src.binDir())
	}
	return verifyFile(ctx, path, full)
}

// binDir is s's BinDir; "" for no source.
func (s *PostgresSource) binDir() string {
	if s == nil {
		return ""
	}
	return s.BinDir
}

// verifyDump is Verify of a dump, with no server: size and sha256, and
// its table of contents read back (pg_restore --list; the programs in
// binDir, database.postgres.bin_dir, or when "" of any version, found as
// FindTools(ctx, "", 0) does). A file that is not a readable dump is a
// result with OK false; errors are "could not verify" (no file, no
// programs, cancelled).
func verifyDump(ctx context.Context, path, binDir string) (res VerifyResult, err error) {
	start := time.Now()
	res.Path, res.CheckName = path, CheckTOC
	defer func() { res.Duration = human.Seconds(time.Since(start)) }()
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("verifying backup %s: %w", path, err)
	}
	if fi.IsDir() {
		return res, fmt.Errorf("verifying backup %s: is a directory, not a dump file", path)
	}
	// The hash first: a restore refuses a changed file on it before a
	// PostgreSQL program reads a byte.
	if res.SHA256, res.Size, err = hashFileSize(ctx, path); err != nil {
		return res, fmt.Errorf("verifying backup: %w", err)
	}
	tools, err := pgdb.FindTools(ctx, binDir, 0)
	if err != nil {
		return res, fmt.Errorf("verifying backup %s: %w", path, err)
	}
	tocStart := time.Now()
	toc, err := pgdb.ReadTOC(ctx, tools, path)
	res.Check.Duration = human.Seconds(time.Since(tocStart))
	switch {
	case errors.Is(err, pgdb.ErrBadDump):
		res.Check.Messages = []string{err.Error()}
	case err != nil:
		return res, fmt.Errorf("verifying backup %s: %w", path, err)
	default:
		res.TOC, res.Tables = toc, toc["TABLE"]
		res.Check.OK = true
	}
	if !res.Check.OK {
		res.Messages = append(res.Messages, CheckTOC+" failed:")
		res.Messages = append(res.Messages, res.Check.Messages...)
	} else if res.Tables == 0 {
		res.Messages = append(res.Messages, "the dump holds no table")
	}
	res.OK = res.Check.OK && res.Tables > 0
	return res, nil
}

// dumpManifest reads the manifest describing a dump (beside it, or its
// daily set's).
func dumpManifest(path string) (Manifest, error) {
	mp, err := FindManifest(path)
	if err != nil {
		return Manifest{}, err
	}
	if mp == "" {
		return Manifest{}, fmt.Errorf("%s has no manifest: nothing proves it unchanged since it was written", path)
	}
	m, err := ReadManifest(mp)
	if err != nil {
		return m, err
	}
	if m.Database != "" && m.Database != filepath.Base(path) {
		return m, fmt.Errorf("%w: manifest %s describes %s, not %s", ErrManifestMismatch, mp, m.Database, filepath.Base(path))
	}
	return m, nil
}

// restoreTestDump restores path into a scratch database on src's server
// (pgdb.VerifyDump: the counts compared with tables, pg_amcheck on the
// copy, the scratch database dropped). A dump that fails is a RestoreTest
// with OK false; errors are "could not test" (server down, cancelled).
func restoreTestDump(ctx context.Context, path string, src PostgresSource, tables map[string]int64) (RestoreTest, pgdb.VerifyResult, error) {
	start := time.Now()
	var rt RestoreTest
	db, tools, err := src.open(ctx)
	if err != nil {
		return rt, pgdb.VerifyResult{}, fmt.Errorf("restore test of %s: %w", path, err)
	}
	defer db.Close()
	vr, err := pgdb.VerifyDump(ctx, tools, db, path, pgdb.VerifyOptions{Tables: tables, Check: true})
	rt.Duration = human.Seconds(time.Since(start))
	if err != nil && !errors.Is(err, pgdb.ErrBadDump) {
		return rt, vr, fmt.Errorf("restore test of %s: %w", path, err)
	}
	rt.Tables, rt.Rows, rt.OK = len(vr.Tables), vr.Tables, vr.OK
	if !vr.OK {
		msgs := vr.Problems
		if len(msgs) == 0 && err != nil {
			msgs = []string{err.Error()}
		}
		rt.Error = strings.Join(msgs, "; ")
	}
	return rt, vr, nil
}

// restoreNotes say what a restore test left out: the tool's own
// extensions, and the check of the copy when amcheck could not be
// installed in it.
func restoreNotes(vr pgdb.VerifyResult) []string {
	var out []string
	if len(vr.SkippedExtensions) > 0 {
		out = append(out, "restore test: left out the extensions fossamaint installs ("+strings.Join(vr.SkippedExtensions, ", ")+"): only a superuser may create them")
	}
	if vr.CheckSkipped != "" {
		out = append(out, "restore test: pg_amcheck of the restored copy skipped: "+vr.CheckSkipped)
	}
	return out
}

// checkResultOf turns pgdb's check of a restored copy into the result
// type reports already show.
func checkResultOf(c *pgdb.CheckResult) sqlitedb.CheckResult {
	if c == nil {
		return sqlitedb.CheckResult{}
	}
	out := sqlitedb.CheckResult{OK: c.OK, Duration: human.Seconds(c.Duration)}
	for _, f := range c.Findings {
		out.Messages = append(out.Messages, strings.TrimSpace(f.Relation+": "+f.Message))
	}
	return out
}
