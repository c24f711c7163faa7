package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
)

func init() {
	// Other test files of this package may define -update too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/golden")
	}
}

// checkGolden compares got with testdata/golden/name, or rewrites it
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it):\n--- got\n%s--- want\n%s", path, t.Name(), got, want)
	}
}

// backup list: a header, human sizes and ages, aligned columns, then the
// notes of odd backups and of the layout.
func TestBackupListTable(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	b := func(kind backup.Kind, path string, age time.Duration, size int64, manifest bool, note string) backup.Backup {
		return backup.Backup{Path: path, Kind: kind, Time: now.Add(-age), Age: human.Seconds(age), Size: size,
			HasManifest: manifest, Note: note}
	}
	lst := backup.Listing{Backups: []backup.Backup{
		b(backup.KindMaintenance, "/srv/fw/backups/maintenance/fossawork_v2_pre_maintenance_20261128_025959.db", time.Minute, 73_400_320, true, ""),
		b(backup.KindDaily, "/srv/fw/backups/daily/20261128/fossawork_v2.db", 3*time.Hour, 69_925_512, true, ""),
		b(backup.KindWeekly, "/srv/fw/backups/weekly/fossawork_v2_full_20261121_020512.db", 7*24*time.Hour, 68_157_440, false, ""),
		b(backup.KindDaily, "/srv/fw/backups/daily/20261101", 27*24*time.Hour, 512, false, "no database in this daily directory"),
	}, Notes: []string{"maintenance backup directory /srv/fw/backups/old does not exist"}}
	var out bytes.Buffer
	if err := printBackupList(&out, lst, "/srv/fw"); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "backup_list.txt", out.Bytes())

	out.Reset()
	if err := printBackupList(&out, backup.Listing{Backups: []backup.Backup{}}, "/srv/fw"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "no backups found\n" {
		t.Errorf("empty listing: %q", out.String())
	}
}

// report --list: a header and a COMMAND column; the latest run, dry runs,
// single commands and runs dated after now are marked.
func TestRunListTable(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	runs := []history.Summary{
		{ID: "20270101-020000-aa11bb", Command: "weekly", Run: true, StartedAt: at("2027-01-01T02:00:00Z"), Status: "ok", Future: true},
		{ID: "20261128-050000-cc22dd", Command: "db optimize", StartedAt: at("2026-11-28T05:00:00Z"), Status: "ok"},
		{ID: "20261128-040000-ee33ff", Command: "rollback", StartedAt: at("2026-11-28T04:00:00Z"), Status: "ok"},
		{ID: "20261128-020001-ab12cd", Command: "weekly", Run: true, StartedAt: at("2026-11-28T02:00:01Z"), Status: "rolled_back", Latest: true},
		{ID: "20261121-030000-0099aa", Command: "weekly", StartedAt: at("2026-11-21T03:00:00Z"), Status: "ok", DryRun: true},
		{ID: "20261121-020000-1234ef", Command: "weekly", Run: true, StartedAt: at("2026-11-21T02:00:00Z"), Status: "warn"},
	}
	var out bytes.Buffer
	if err := printRunList(&out, runs, time.UTC, true); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "run_list_all.txt", out.Bytes())

	out.Reset()
	var weekly []history.Summary
	for _, r := range runs {
		if r.Run {
			weekly = append(weekly, r)
		}
	}
	if err := printRunList(&out, weekly, time.UTC, false); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "run_list.txt", out.Bytes())
}
