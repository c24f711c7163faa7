package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// pgRows are the work orders (and dispensers) of a test database.
const pgRows = 200

// pgInstall is an installation whose database is PostgreSQL: a database
// on the test's server with three tables, and the backup layout.
type pgInstall struct {
	src    PostgresSource
	root   string
	layout Layout
	env    string
}

func newPgInstall(t *testing.T, c *pgdb.Cluster, name string) *pgInstall {
	t.Helper()
	url := testkit.PostgresDB(t, c, name)
	pgExec(t, url, `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE work_orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), status text NOT NULL);
CREATE INDEX ix_work_orders_status ON work_orders (status);
CREATE TABLE dispensers (id serial PRIMARY KEY, work_order_id int NOT NULL REFERENCES work_orders(id));
INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 5) g;
INSERT INTO work_orders (user_id, status) SELECT 1 + g % 5, 'open' FROM generate_series(1, 200) g;
INSERT INTO dispensers (work_order_id) SELECT id FROM work_orders;`)
	root := t.TempDir()
	in := &pgInstall{src: PostgresSource{URL: url}, root: root, env: filepath.Join(root, "backend", ".env"),
		layout: Layout{DailyDir: filepath.Join(root, "backups", "daily"), WeeklyDir: filepath.Join(root, "backups", "weekly"),
			MaintenanceDir: filepath.Join(root, "backups", "maintenance")}}
	touch(t, in.env, "DATABASE_URL="+url+"\n")
	return in
}

func (in *pgInstall) opts(kind Kind, now time.Time) CreateOptions {
	src := in.src
	return CreateOptions{Kind: kind, EnvFile: in.env, Layout: in.layout, Now: now, ToolVersion: "test", Postgres: &src}
}

func pgExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Conn().Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

func pgCount(t *testing.T, url, query string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.Conn().QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgres runs on one real server (testkit.Postgres), a database
// per subtest.
func TestPostgres(t *testing.T) {
	c := testkit.Postgres(t)
	t.Run("create list verify", func(t *testing.T) { testPgCreate(t, c) })
	t.Run("flipped byte", func(t *testing.T) { testPgFlipped(t, c) })
	t.Run("restore", func(t *testing.T) { testPgRestore(t, c) })
	t.Run("prune", func(t *testing.T) { testPgPrune(t, c) })
	t.Run("no table", func(t *testing.T) { testPgNoTable(t, c) })
}

// testPgNoTable: a database with no table (a wrong database.url) gives a
// dump that restores nothing: create refuses it as a backup and verify
// calls such a dump failed.
func testPgNoTable(t *testing.T, c *pgdb.Cluster) {
	ctx := context.Background()
	src := PostgresSource{URL: testkit.PostgresDB(t, c, "fw_empty")}
	root := t.TempDir()
	o := CreateOptions{Kind: KindWeekly, Now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC), ToolVersion: "test", Postgres: &src,
		Layout: Layout{WeeklyDir: filepath.Join(root, "weekly")}}
	if _, err := Create(ctx, o); !errors.Is(err, ErrVerificationFailed) || !strings.Contains(err.Error(), "holds no table") {
		t.Errorf("create of a database with no table: %v, want refused", err)
	}
	db, tools, err := src.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(root, "empty.dump")
	if _, err := pgdb.Dump(ctx, tools, db, path); err != nil {
		t.Fatal(err)
	}
	res, err := verifyDump(ctx, path, "")
	if err != nil || res.OK || !res.Check.OK || !slices.Contains(res.Messages, "the dump holds no table") {
		t.Errorf("verify of a dump with no table: %+v (%v), want failed", res, err)
	}
}

func testPgCreate(t *testing.T, c *pgdb.Cluster) {
	ctx := context.Background()
	in := newPgInstall(t, c, "fw_create")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	cases := []struct {
		kind     Kind
		path     string
		manifest string
		verify   string
		check    string
	}{
		{KindWeekly, "weekly/fw_create_full_20261128_030000.dump", "weekly/fw_create_full_20261128_030000.dump.manifest.json", "quick", CheckTOC},
		{KindMaintenance, "maintenance/fw_create_pre_maintenance_20261128_030000.dump", "maintenance/fw_create_pre_maintenance_20261128_030000.dump.manifest.json", "full", CheckRestore},
		{KindDaily, "daily/20261128/fw_create.dump", "daily/20261128/manifest.json", "", CheckTOC},
	}
	for _, tc := range cases {
		o := in.opts(tc.kind, now)
		o.Verify = tc.verify
		created, err := Create(ctx, o)
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		want := filepath.Join(in.root, "backups", tc.path)
		if created.Path != want || created.ManifestPath != filepath.Join(in.root, "backups", tc.manifest) {
			t.Errorf("%s: path %s manifest %s, want %s", tc.kind, created.Path, created.ManifestPath, want)
		}
		wantMode(t, created.Path, 0o600)
		m, err := ReadManifest(created.ManifestPath)
		if err != nil {
			t.Fatal(err)
		}
		if m.Engine != EnginePostgres || m.Method != "pg_dump" || m.ServerVersion == "" || m.DumpVersion == "" ||
			m.Check != tc.check || m.CheckResult != "ok" || m.TOC["TABLE"] != 3 || m.Tables["public.work_orders"] != pgRows ||
			m.Database != filepath.Base(want) || strings.Contains(m.Source, "password") {
			t.Errorf("%s: manifest %+v", tc.kind, m)
		}
		if err := VerifyAgainstManifest(ctx, created.Path, m); err != nil {
			t.Error(err)
		}
		if _, err := Create(ctx, o); tc.kind != KindDaily && (err == nil || !strings.Contains(err.Error(), "never overwritten")) {
			t.Errorf("%s: a second create at the same time: %v, want refused", tc.kind, err)
		}
	}
	// The daily set holds the dump and the .env.
	m, err := ReadManifest(filepath.Join(in.layout.DailyDir, "20261128", DailyManifestName))
	if err != nil || len(m.Files) != 1 || m.Files[0].Name != ".env" {
		t.Errorf("daily set files %+v (%v)", m.Files, err)
	}
	noTemps(t, in.layout.WeeklyDir, in.layout.MaintenanceDir, in.layout.DailyDir)

	list, err := List(ctx, in.layout, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]int{}
	for _, b := range list {
		kinds[b.Kind]++
		if b.Kind == KindUnknown || !b.HasManifest || b.TimeSource == TimeFromMtime {
			t.Errorf("listed %+v", b)
		}
	}
	if kinds[KindWeekly] != 1 || kinds[KindMaintenance] != 1 || kinds[KindDaily] != 1 {
		t.Errorf("kinds %v", kinds)
	}
	for _, b := range list {
		quick, err := VerifyDeep(ctx, b, VerifyOptions{})
		if err != nil || quick.Verdict() != VerdictVerified || quick.RestoreTest.Skipped == "" || quick.CheckName != CheckTOC {
			t.Errorf("quick verify of %s: %+v (%v)", b.Path, quick, err)
		}
		full, err := VerifyDeep(ctx, b, VerifyOptions{Full: true, Postgres: &in.src})
		if err != nil || full.Verdict() != VerdictVerified || full.RestoreTest.Skipped != "" ||
			full.RestoreTest.Rows["public.dispensers"] != pgRows || full.CheckName != CheckRestore {
			t.Errorf("full verify of %s: %+v (%v)", b.Path, full, err)
		}
	}
}

// noTemps fails when a temporary name is left in any directory below
// dirs.
func noTemps(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(e.Name(), ".") && e.Name() != ".env" {
				t.Errorf("temporary %s left", p)
			}
			return nil
		})
	}
}

func testPgFlipped(t *testing.T, c *pgdb.Cluster) {
	ctx := context.Background()
	in := newPgInstall(t, c, "fw_flip")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	created, err := Create(ctx, in.opts(KindWeekly, now))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(created.Path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(created.Path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	list, _ := List(ctx, in.layout, now)
	res, err := VerifyDeep(ctx, list[0], VerifyOptions{Full: true, Postgres: &in.src})
	if err != nil || res.Verdict() != VerdictFailed || !strings.Contains(res.ManifestErr, "sha256") {
		t.Errorf("verify of a flipped byte: %s %q (%v)", res.Verdict(), res.ManifestErr, err)
	}
	if vr, err := VerifyDeep(ctx, Backup{Path: created.Path, Kind: KindWeekly}, VerifyOptions{Postgres: &in.src}); err != nil || vr.Verdict() != VerdictFailed {
		t.Errorf("quick verify of a flipped byte: %s (%v)", vr.Verdict(), err)
	}
	pgExec(t, in.src.URL, "DELETE FROM dispensers WHERE id > 150")
	rr, err := Restore(ctx, RestoreOptions{BackupPath: created.Path, Now: now.Add(time.Hour), Postgres: &in.src})
	if !errors.Is(err, ErrVerificationFailed) || !strings.Contains(err.Error(), "sha256") || rr.KeptDatabase != "" {
		t.Errorf("restore of a flipped byte: %+v, %v; want refused on its sha256", rr, err)
	}
	if n := pgCount(t, in.src.URL, "SELECT count(*) FROM dispensers"); n != 150 {
		t.Errorf("the live database has %d dispensers after a refused restore, want 150 (untouched)", n)
	}
	maint, _ := pgdb.Sibling(in.src.URL, "postgres")
	if n := pgCount(t, maint, "SELECT count(*) FROM pg_database WHERE datname LIKE 'fw_flip_%'"); n != 0 {
		t.Errorf("%d databases made by a refused restore", n)
	}
}

func testPgRestore(t *testing.T, c *pgdb.Cluster) {
	ctx := context.Background()
	in := newPgInstall(t, c, "fw_restore")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	created, err := Create(ctx, in.opts(KindDaily, now))
	if err != nil {
		t.Fatal(err)
	}
	pgExec(t, in.src.URL, "DELETE FROM dispensers WHERE id > 50")
	later := now.Add(2 * time.Hour)
	dry, err := Restore(ctx, RestoreOptions{BackupPath: created.Path, Now: later, DryRun: true, Postgres: &in.src})
	if err != nil || dry.KeptDatabase != "fw_restore_replaced_20261128_050000" || !dry.DryRun {
		t.Errorf("dry run: %+v (%v)", dry, err)
	}
	if n := pgCount(t, in.src.URL, "SELECT count(*) FROM dispensers"); n != 50 {
		t.Errorf("a dry run changed the database: %d dispensers", n)
	}
	res, err := Restore(ctx, RestoreOptions{BackupPath: created.Path, Now: later, Postgres: &in.src})
	if err != nil || res.KeptDatabase != "fw_restore_replaced_20261128_050000" || res.Rows["public.dispensers"] != pgRows {
		t.Fatalf("restore: %+v (%v)", res, err)
	}
	if n := pgCount(t, in.src.URL, "SELECT count(*) FROM dispensers"); n != pgRows {
		t.Errorf("restored database has %d dispensers, want %d", n, pgRows)
	}
	kept, _ := pgdb.Sibling(in.src.URL, res.KeptDatabase)
	if n := pgCount(t, kept, "SELECT count(*) FROM dispensers"); n != 50 {
		t.Errorf("kept database has %d dispensers, want the replaced 50", n)
	}
	// A dump is not restored over a SQLite file, nor a .db into PostgreSQL.
	if _, err := Restore(ctx, RestoreOptions{BackupPath: filepath.Join(in.root, "x.db"), Now: later, Postgres: &in.src}); err == nil {
		t.Error("a .db restored into PostgreSQL")
	}
}

func testPgPrune(t *testing.T, c *pgdb.Cluster) {
	ctx := context.Background()
	in := newPgInstall(t, c, "fw_prune")
	var paths []string
	for _, day := range []int{7, 14, 21, 28} {
		created, err := Create(ctx, in.opts(KindWeekly, time.Date(2026, 11, day, 3, 0, 0, 0, time.UTC)))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, created.Path)
	}
	touch(t, filepath.Join(in.layout.WeeklyDir, "notes.txt"), "keep me")
	list, err := List(ctx, in.layout, time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanPrune(list, PrunePolicy{KeepWeekly: 2})
	if len(plan.Remove) != 2 || plan.Remove[0].Path != paths[1] && plan.Remove[0].Path != paths[0] {
		t.Fatalf("plan removes %+v", plan.Remove)
	}
	for _, b := range plan.Remove {
		if err := Remove(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range paths {
		_, err := os.Stat(p)
		_, merr := os.Stat(ManifestPathFor(p))
		if gone := i < 2; gone != errors.Is(err, os.ErrNotExist) || gone != errors.Is(merr, os.ErrNotExist) {
			t.Errorf("%s: stat %v, manifest %v; removed want %v", p, err, merr, gone)
		}
	}
	if _, err := os.Stat(filepath.Join(in.layout.WeeklyDir, "notes.txt")); err != nil {
		t.Error("an unknown file was removed")
	}
}
