package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/web"
)

// dash is a planted dashboard: a history of weekly runs, a few backups,
// and the installation the pages read the window and the backups from.
type dash struct {
	dir string
	now time.Time
	in  *install.Installation
	// runs are the planted runs, newest first.
	runs []*runbook.Run
}

// plantDash plants n weekly runs a week apart, the newest an hour before
// now, through the journal as weekly runs write them (testkit.PlantRuns),
// in a history under dir ("": a temp dir); the dashboard opens it itself
// (Options.History nil), as serve does.
func plantDash(t testing.TB, dir string, n int, now time.Time) *dash {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	d := &dash{dir: dir, now: now, in: dashInstallation(dir)}
	start := now.Add(-time.Hour).AddDate(0, 0, -7*(n-1))
	ids := testkit.PlantRuns(t, d.in.StateDir, n, start)
	for i := n - 1; i >= 0; i-- {
		run := testkit.PlantedRun(i, start.AddDate(0, 0, 7*i), dir)
		if run.RunID != ids[i] {
			t.Fatalf("planted run %d is %s, PlantRuns wrote %s", i, run.RunID, ids[i])
		}
		d.runs = append(d.runs, run)
	}
	return d
}

// server is the dashboard over d, closed with the test.
func (d *dash) server(t testing.TB, o web.Options) *web.Server {
	t.Helper()
	o.Installation, o.Version = d.in, "test"
	o.Now = func() time.Time { return d.now }
	s, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// withStatus is the newest planted run of status st.
func (d *dash) withStatus(t testing.TB, st runbook.RunStatus) *runbook.Run {
	t.Helper()
	for _, r := range d.runs {
		if r.Status == st {
			return r
		}
	}
	t.Fatalf("no planted run is %s", st)
	return nil
}

// dashInstallation is what the pages read of an installation: the window
// (Saturday 02:00, four hours, Europe/Berlin), the state dir and the
// backup tree, all under dir.
func dashInstallation(dir string) *install.Installation {
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		zone = time.UTC
	}
	return &install.Installation{
		Root: dir, StateDir: filepath.Join(dir, "state"), ReportsDir: filepath.Join(dir, "reports"),
		Zone:   zone,
		Window: runbook.Window{Weekday: time.Saturday, Hour: 2, Duration: 4 * time.Hour, Location: zone},
		Backups: install.Backups{Dir: filepath.Join(dir, "backups"), Layout: backup.Layout{
			DailyDir: filepath.Join(dir, "backups", "daily"), WeeklyDir: filepath.Join(dir, "backups", "weekly"),
			MaintenanceDir: filepath.Join(dir, "backups", "maintenance")}},
		Database: install.Database{Path: filepath.Join(dir, "data", "fossawork_v2.db"), Verify: "quick"},
	}
}

// plantBackups writes real, verified backups of a small database: a daily
// set for each of the last two days, and the weekly files the three
// newest runs verified (testkit.PlantedBackup). It returns their paths.
func (d *dash) plantBackups(t testing.TB) []string {
	t.Helper()
	db := testkit.MakeDB(t, d.in.Database.Path, 200)
	var paths []string
	for _, ago := range []time.Duration{26 * time.Hour, 2 * time.Hour} {
		c, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindDaily, DBPath: db,
			Layout: d.in.Backups.Layout, Now: d.now.Add(-ago).In(d.in.Zone), ToolVersion: "test"})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, c.Path)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.runs[:3] {
		p := testkit.PlantedBackup(d.dir, r.StartedAt)
		testkit.WriteFile(t, p, raw, 0o600)
		paths = append(paths, p)
	}
	return paths
}
