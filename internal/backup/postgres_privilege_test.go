package backup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A database owned by a role that is not a superuser, with amcheck
// installed by a superuser: a full backup's restore test passes (the
// tool's extensions left out, noted). Once it also holds an extension
// only a superuser may create, the restore test is refused: the backup
// is still made, checked by its table of contents and saying why, and
// verify --full (VerifyDeep) is "could not verify" (pgdb.ErrNoPrivilege), never a
// failed dump.
func TestPostgresNonSuperuserRestoreTest(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	pgExec(t, c.URL("postgres"), `CREATE ROLE app LOGIN CREATEDB`)
	pgExec(t, c.URL("postgres"), `CREATE DATABASE appdb OWNER app`)
	pgExec(t, c.URL("appdb"), `CREATE EXTENSION amcheck`)
	url := strings.Replace(c.URL("appdb"), "postgres@", "app@", 1)
	pgExec(t, url, `CREATE TABLE work_orders (id int PRIMARY KEY); INSERT INTO work_orders SELECT generate_series(1, 10)`)
	root := t.TempDir()
	src := PostgresSource{URL: url}
	o := CreateOptions{Kind: KindWeekly, Now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC), ToolVersion: "test", Verify: "full", Postgres: &src,
		Layout: Layout{DailyDir: filepath.Join(root, "daily"), WeeklyDir: filepath.Join(root, "weekly"), MaintenanceDir: filepath.Join(root, "maintenance")}}

	created, err := Create(ctx, o)
	if err != nil || created.Manifest.Check != CheckRestore || !strings.Contains(strings.Join(created.Notes, "\n"), "left out the extensions fossamaint installs (amcheck)") {
		t.Fatalf("full backup with amcheck: check %q notes %v (%v)", created.Manifest.Check, created.Notes, err)
	}
	if res, err := VerifyDeep(ctx, Backup{Path: created.Path, Kind: KindWeekly}, VerifyOptions{Full: true, Postgres: &src}); err != nil || !res.Verified() {
		t.Errorf("VerifyDeep: %+v (%v)", res, err)
	}

	pgExec(t, c.URL("appdb"), `CREATE EXTENSION pg_buffercache`)
	o.Now = o.Now.Add(time.Hour)
	created, err = Create(ctx, o)
	if err != nil || created.Manifest.Check != CheckTOC || !strings.Contains(strings.Join(created.Notes, "\n"), `permission denied to create extension "pg_buffercache"`) {
		t.Fatalf("full backup with pg_buffercache: check %q notes %v (%v)", created.Manifest.Check, created.Notes, err)
	}
	_, err = VerifyDeep(ctx, Backup{Path: created.Path, Kind: KindWeekly}, VerifyOptions{Full: true, Postgres: &src})
	if !errors.Is(err, pgdb.ErrNoPrivilege) || errors.Is(err, pgdb.ErrBadDump) {
		t.Errorf("VerifyDeep: %v, want pgdb.ErrNoPrivilege", err)
	}
}
