package cli

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/logs/analysis"
	"github.com/fossawork/fossamaint/internal/security"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// The standalone commands read like the report: paths relative to the
// installation root, human sizes and durations, counts with thousands
// separators, headed tables without trailing blanks, no raw booleans.
func TestStandaloneOutputs(t *testing.T) {
	for _, tc := range standaloneCases() {
		t.Run(tc.golden, func(t *testing.T) {
			var out bytes.Buffer
			if err := tc.write(&out); err != nil {
				t.Fatal(err)
			}
			for line := range strings.Lines(out.String()) {
				if strings.TrimRight(line, "\n") != strings.TrimRight(line, " \n") {
					t.Errorf("trailing blanks: %q", line)
				}
			}
			if strings.Contains(out.String(), "true") || strings.Contains(out.String(), "false") {
				t.Errorf("a raw boolean:\n%s", out.String())
			}
			checkGolden(t, tc.golden, out.Bytes())
		})
	}
}

type outputCase struct {
	golden string
	write  func(w io.Writer) error
}

func standaloneCases() []outputCase {
	const root = "/srv/fw"
	at := time.Date(2026, 12, 3, 3, 56, 0, 0, time.UTC)
	return []outputCase{
		{"backup_verify.txt", func(w io.Writer) error {
			ok := backup.DeepResult{ManifestPath: "x.manifest.json", ManifestOK: true,
				RestoreTest: backup.RestoreTest{OK: true, Tables: 7}}
			ok.OK, ok.Check.OK, ok.CheckName = true, true, backup.CheckQuick
			bad := backup.DeepResult{ManifestPath: "y.manifest.json", ManifestErr: "sha256 differs",
				RestoreTest: backup.RestoreTest{Error: "no such table: work_orders"}}
			bad.CheckName, bad.Messages = backup.CheckFull, []string{"integrity_check: row 12 missing from index"}
			none := backup.DeepResult{RestoreTest: backup.RestoreTest{OK: true, Tables: 1}}
			none.OK, none.Check.OK = true, true
			printVerify(w, root, backup.Backup{Path: root + "/backups/daily/20261203/fossawork_v2.db"}, ok)
			printVerify(w, root, backup.Backup{Path: root + "/backups/weekly/fossawork_v2_full_20261128_020512.db"}, bad)
			printVerify(w, root, backup.Backup{Path: "/elsewhere/old.db"}, none)
			return nil
		}},
		{"health.txt", func(w io.Writer) error {
			return writeProbes(w, []health.Result{
				{Name: "health", URL: "http://127.0.0.1:8000/api/health", Status: 200, Healthy: true, Latency: 5864 * time.Microsecond, Critical: true},
				{Name: "frontend", URL: "http://127.0.0.1:8000/", Latency: 300 * time.Microsecond,
					Err: "GET http://127.0.0.1:8000/: connection refused"},
			})
		}},
		{"health_comprehensive.txt", func(w io.Writer) error {
			return writeComprehensive(w, root, health.Report{Items: []health.Item{
				{Area: "endpoint", Name: "health", Severity: finding.OK, Value: new(0.005864), Unit: "s",
					Detail: "http://127.0.0.1:8000/api/health answered 200 in 5.9 ms"},
				{Area: "database", Name: root + "/backend/fossawork_v2.db", Severity: finding.OK, Value: new(0.005864), Unit: "s",
					Detail: "opened read-only, 27 schema objects, in 5.9 ms"},
				{Area: "disk", Name: "/", Severity: finding.OK, Detail: "27% used, 66.7 GiB free of 252.0 GiB (ext4)"},
				{Area: "memory", Name: "memory", Severity: finding.OK, Detail: "3.7% used"},
				{Area: "load", Name: "load", Severity: finding.Warning, Detail: health.LoadText(health.SystemSnapshot{Load1: 3.67, Load5: 5.14, Load15: 5.15, CPUs: 2, LoadPercent: 183.5})},
				{Area: "permissions", Name: root + "/backend/.env", Severity: finding.Warning,
					Detail: root + "/backend/.env is mode 0644, allowed at most 0600: world-readable, group-readable"},
			}})
		}},
		{"security_perms.txt", func(w io.Writer) error {
			var b strings.Builder
			writePermFindings(&b, root, []security.PermFinding{
				{Path: root + "/backend/fossawork_v2.db", Mode: 0o600, Max: 0o600, OK: true, Severity: finding.OK},
				{Path: root + "/backend/.env", Mode: 0o644, Max: 0o600, Severity: finding.Warning,
					Problems:       []string{"world-readable", "group-readable"},
					Recommendation: "Run: chmod 0600 " + root + "/backend/.env (or fossamaint security perms --fix)."},
				{Path: root + "/backups", Mode: os.ModeDir | 0o700, Max: 0o700, OK: true, Severity: finding.OK, FilesChecked: 56},
				{Path: root + "/backend/data", Max: 0o700, Missing: true, Severity: finding.Warning},
			})
			_, err := io.WriteString(w, b.String())
			return err
		}},
		{"logs_analyze.txt", func(w io.Writer) error {
			a := &app{stdout: w}
			a.printAnalysis(&analysis.Analysis{From: at.Add(-7 * 24 * time.Hour), To: at, FilesRead: 36, BytesRead: 394977,
				Entries: 10570, MalformedLines: 1, ByLevel: map[string]int{"ERROR": 1185, "INFO": 9000},
				ErrorsTotal: 1185, Threshold: 100, Investigate: true,
				Patterns: []analysis.Pattern{{Template: "Database locked while updating work order <*>", Level: "ERROR", Count: 1185, Category: "database"}}})
			return nil
		}},
		{"db_stats.txt", func(w io.Writer) error {
			printStats(w, root, sqlitedb.Stats{Path: root + "/backend/fossawork_v2.db", FileSize: 52_953_088, PageSize: 4096,
				PageCount: 12_934, FreelistCount: 1_200, FreelistRatio: 0.0928, JournalMode: "wal", SQLiteVersion: "3.54.1",
				Tables: 7, Indexes: 1, Rows: []sqlitedb.TableRows{{Table: "dispensers", Rows: 51_117}, {Table: "users", Rows: 50}}},
				sqlitedb.Fragmentation{})
			return nil
		}},
	}
}

// A binary in go's temporary build directory is go run's (or go test's):
// the demo warns that a kept config pointing at it will break.
func TestGoRunBuild(t *testing.T) {
	for _, tc := range []struct {
		exe  string
		tmps []string
		want bool
	}{
		{"/tmp/go-build3120948/b001/exe/fossamaint", []string{"/tmp"}, true},
		{"/var/tmp/gobuild/go-build12/b001/exe/fossamaint", []string{"/tmp", "/var/tmp/gobuild"}, true},
		{"/usr/local/bin/fossamaint", []string{"/tmp", ""}, false},
		{"/tmp/fossamaint", []string{"/tmp"}, false},
		{"/home/op/go-build/fossamaint", []string{"/tmp"}, false},
	} {
		if got := goRunBuild(tc.exe, tc.tmps...); got != tc.want {
			t.Errorf("goRunBuild(%q, %q) = %v, want %v", tc.exe, tc.tmps, got, tc.want)
		}
	}
}
