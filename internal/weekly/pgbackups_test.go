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
