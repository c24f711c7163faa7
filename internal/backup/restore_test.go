package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

var restoreNow = time.Date(2025, 1, 12, 9, 30, 0, 0, est)

// restoreFixture returns an installation whose live database has moved on
// since a weekly backup, and has stale -wal/-shm files beside it as after
// a crash.
func restoreFixture(t *testing.T) (*install, Created, [32]byte) {
	t.Helper()
	in := newInstall(t)
	c, err := Create(context.Background(), in.opts(KindWeekly, createNow))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.writer.Exec(`INSERT INTO dispensers VALUES ('after-backup', 'wo-000003')`); err != nil {
		t.Fatal(err)
	}
	if err := in.writer.Close(); err != nil {
		t.Fatal(err)
	}
	touch(t, in.db+"-wal", "stale wal")
	touch(t, in.db+"-shm", "stale shm")
	return in, c, sha256.Sum256(mustRead(t, in.db))
}

func (in *install) restoreOpts(backupPath string) RestoreOptions {
	return RestoreOptions{BackupPath: backupPath, DBPath: in.db, PreRecoveryDir: filepath.Join(in.root, "backups", "pre-recovery"), Now: restoreNow}
}

func TestRestoreRoundTrip(t *testing.T) {
	in, c, oldSum := restoreFixture(t)
	if err := os.Chmod(in.db, 0o640); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(context.Background(), in.restoreOpts(c.Path))
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	wantAside := filepath.Join(in.root, "backups", "pre-recovery", "fossawork_v2_pre_recovery_20250112_093000.db")
	if res.KeptAside != wantAside || res.Restored != in.db || res.From != c.Path || !res.Check.OK || res.ManifestPath != c.ManifestPath {
		t.Fatalf("result %+v", res)
	}
	if sha256.Sum256(mustRead(t, wantAside)) != oldSum {
		t.Error("the replaced database was not kept aside unchanged")
	}
	for _, s := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(in.db + s); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s still beside the restored database: %v", s, err)
		}
	}
	if res.Rows["dispensers"] != walRows || testkit.CountRows(t, in.db, "dispensers") != walRows || testkit.CountRows(t, in.db, "work_orders") != baseRows {
		t.Errorf("restored rows %v, want the backup's", res.Rows)
	}
	if !walHeader(in.db) {
		t.Error("the restored database lost WAL mode")
	}
	wantMode(t, in.db, 0o640)
	if ents := dirNames(t, filepath.Dir(in.db)); slices.ContainsFunc(ents, func(n string) bool { return strings.Contains(n, ".restore-") }) {
		t.Errorf("temp file left beside the database: %v", ents)
	}
	// The backup itself is untouched and grew no sidecars.
	if err := VerifyAgainstManifest(context.Background(), c.Path, c.Manifest); err != nil {
		t.Error(err)
	}
	if ents := dirNames(t, filepath.Dir(c.Path)); len(ents) != 2 {
		t.Errorf("backup dir after restore: %v", ents)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestRestoreRefuses: a damaged backup, or one that no longer matches its
// manifest, is refused and the live database is left exactly as it was.
func TestRestoreRefuses(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, c Created)
		want   string
	}{
		{"flipped bit", func(t *testing.T, c Created) { flipBit(t, c.Path) }, "manifest says"},
		{"garbage page, no manifest", func(t *testing.T, c Created) {
			overwritePage(t, c.Path, 2)
			os.Remove(c.ManifestPath)
		}, "quick_check failed"},
		{"malformed manifest", func(t *testing.T, c Created) { touch(t, c.ManifestPath, "{") }, "malformed manifest"},
		{"not a database", func(t *testing.T, c Created) { touch(t, c.Path, strings.Repeat("junk", 2000)) }, "not an SQLite database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, c, oldSum := restoreFixture(t)
			tc.damage(t, c)
			before := dirNames(t, filepath.Dir(in.db))
			_, err := Restore(context.Background(), in.restoreOpts(c.Path))
			if !errors.Is(err, ErrVerificationFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore: %v, want ErrVerificationFailed mentioning %q", err, tc.want)
			}
			if sha256.Sum256(mustRead(t, in.db)) != oldSum || !slices.Equal(before, dirNames(t, filepath.Dir(in.db))) {
				t.Fatal("a refused restore changed the database or its directory")
			}
			if _, err := os.Stat(filepath.Join(in.root, "backups", "pre-recovery")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pre-recovery dir created by a refused restore: %v", err)
			}
		})
	}
}

func TestRestoreDryRun(t *testing.T) {
	in, c, oldSum := restoreFixture(t)
	before := dirNames(t, filepath.Dir(in.db))
	o := in.restoreOpts(c.Path)
	o.DryRun = true
	res, err := Restore(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || !strings.HasSuffix(res.KeptAside, "fossawork_v2_pre_recovery_20250112_093000.db") || !res.Backup.OK {
		t.Fatalf("dry run result %+v", res)
	}
	if sha256.Sum256(mustRead(t, in.db)) != oldSum || !slices.Equal(before, dirNames(t, filepath.Dir(in.db))) {
		t.Fatal("dry run changed the database")
	}
	if _, err := os.Stat(filepath.Dir(res.KeptAside)); !errors.Is(err, os.ErrNotExist) {
		t.Error("dry run created the pre-recovery dir")
	}
}

// TestRestoreSandboxDailyWithoutManifest: a backup without a manifest is
// restored on quick_check alone, and the result says so.
func TestRestoreWithoutManifest(t *testing.T) {
	in, c, _ := restoreFixture(t)
	os.Remove(c.ManifestPath)
	res, err := Restore(context.Background(), in.restoreOpts(c.Path))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "no manifest") }) {
		t.Fatalf("notes %q do not say the backup had no manifest", res.Notes)
	}
}

func TestRestoreErrors(t *testing.T) {
	in, c, _ := restoreFixture(t)
	o := in.restoreOpts(c.Path)
	o.PreRecoveryDir = ""
	if _, err := Restore(context.Background(), o); err == nil {
		t.Error("no pre-recovery dir: no error")
	}
	o = in.restoreOpts(filepath.Join(in.root, "missing.db"))
	if _, err := Restore(context.Background(), o); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing backup: %v", err)
	}
}

// TestRestoreMissingDatabase: with the database gone (deleted, or moved
// away by hand) the backup is installed and nothing is kept aside.
func TestRestoreMissingDatabase(t *testing.T) {
	in, c, _ := restoreFixture(t)
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(in.db + s)
	}
	res, err := Restore(context.Background(), in.restoreOpts(c.Path))
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptAside != "" || testkit.CountRows(t, in.db, "work_orders") != baseRows {
		t.Fatalf("restore over a missing database: %+v", res)
	}
}
