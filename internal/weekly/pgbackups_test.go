package weekly

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A dump whose restore test the database user is refused a privilege
// for (an extension only a superuser may create, in a database owned by
// a role that is not one) is a warning that names the refusal, not a
// critical "failed its restore test".
func TestPGBackupsRefusedPrivilegeIsAWarning(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	pgExec(t, c.URL("postgres"), `CREATE ROLE app LOGIN CREATEDB`)
	pgExec(t, c.URL("postgres"), `CREATE DATABASE appdb OWNER app`)
	pgExec(t, c.URL("appdb"), `CREATE EXTENSION amcheck; CREATE EXTENSION pg_buffercache`)
	url := strings.Replace(c.URL("appdb"), "postgres@", "app@", 1)
	pgExec(t, url, `CREATE TABLE work_orders (id int PRIMARY KEY); INSERT INTO work_orders SELECT generate_series(1, 10)`)
	root := t.TempDir()
	layout := backup.Layout{DailyDir: filepath.Join(root, "daily"), WeeklyDir: filepath.Join(root, "weekly"),
		MaintenanceDir: filepath.Join(root, "maintenance")}
	src := backup.PostgresSource{URL: url}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	if _, err := backup.Create(ctx, backup.CreateOptions{Kind: backup.KindWeekly, Layout: layout, Now: now, ToolVersion: "test", Postgres: &src}); err != nil {
		t.Fatal(err)
	}
	list, err := backup.List(ctx, layout, now)
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v (%v)", list, err)
	}
	var r runbook.Result
	if err := (&pgBackups{src: src}).verify(ctx, &r, backup.KindWeekly, list[0]); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Severity != runbook.Warning ||
		!strings.Contains(r.Findings[0].Evidence, `permission denied to create extension "pg_buffercache"`) {
		t.Errorf("findings %+v, want one warning naming the refused privilege", r.Findings)
	}
}

// The backups/retention step lists what killed runs left, with sizes and
// ages: stale scratch databases are a warning without backups.prune and
// dropped with it; a younger one is left to the restore test that may be
// using it; a killed restore's copy is reported for recover, never
// dropped.
func TestPGBackupsRetentionSweepsLeftovers(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	url := testkit.PostgresDB(t, c, "fw")
	stale, young, cp := "fossamaint_verify_20261128_010000_0123456789abcdef", "fossamaint_verify_20261128_043000_0123456789abcdef", "fw_restore_20261127_020000"
	for _, n := range []string{stale, young, cp} {
		pgExec(t, c.URL("postgres"), "CREATE DATABASE "+n)
	}
	now := time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)
	p := &pgBackups{src: backup.PostgresSource{URL: url}}
	exists := func(name string) bool {
		return pgInt(t, url, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'") == 1
	}
	for _, prune := range []bool{false, true} {
		var r runbook.Result
		if err := p.retainReplaced(ctx, runbook.NewEnv(false, func() time.Time { return now }), &r, now, 0, prune); err != nil {
			t.Fatal(err)
		}
		var ev []string
		for _, f := range r.Findings {
			ev = append(ev, f.Message+"\n"+f.Evidence)
		}
		all := strings.Join(ev, "\n")
		if !strings.Contains(all, cp+": a restore's copy") || !strings.Contains(all, "recover") || strings.Contains(all, young) {
			t.Errorf("prune %v: findings\n%s", prune, all)
		}
		if prune == strings.Contains(all, stale+": a restore test's scratch database") {
			t.Errorf("prune %v: the stale scratch database reported %v, want only without prune:\n%s", prune, !prune, all)
		}
		if exists(stale) == prune || !exists(young) || !exists(cp) {
			t.Errorf("prune %v: stale %v young %v copy %v", prune, exists(stale), exists(young), exists(cp))
		}
	}
}

// A dump that restores with fewer rows than its manifest counted is a
// critical finding, not "restore test ok".
func TestPGBackupsFailedRestoreTestIsCritical(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	url := testkit.PostgresDB(t, c, "fw_short")
	pgExec(t, url, `CREATE TABLE work_orders (id int PRIMARY KEY); INSERT INTO work_orders SELECT generate_series(1, 10)`)
	src := backup.PostgresSource{URL: url}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	created, err := backup.Create(ctx, backup.CreateOptions{Kind: backup.KindWeekly, Layout: backup.Layout{WeeklyDir: t.TempDir()},
		Now: now, ToolVersion: "test", Postgres: &src})
	if err != nil {
		t.Fatal(err)
	}
	m := created.Manifest
	m.Tables["public.work_orders"] = 11
	if err := backup.WriteManifest(created.ManifestPath, m); err != nil {
		t.Fatal(err)
	}
	var r runbook.Result
	b := backup.Backup{Path: created.Path, Kind: backup.KindWeekly}
	if err := (&pgBackups{src: src}).verify(ctx, &r, backup.KindWeekly, b); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Severity != runbook.Critical || !strings.Contains(r.Findings[0].Message, "failed its restore test") {
		t.Errorf("findings %+v, want one critical failed restore test", r.Findings)
	}
}
