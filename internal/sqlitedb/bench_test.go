package sqlitedb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// benchRows work orders (plus two dispensers each) make a database of
// about 50 MB.
const benchRows = 160_000

// BenchmarkQuickCheck measures quick_check with the maintenance options on
// a generated ~50 MB database:
//
//	go test -run '^$' -bench BenchmarkQuickCheck -benchtime 10x ./internal/sqlitedb
func BenchmarkQuickCheck(b *testing.B) {
	path := testkit.MakeDBIn(b, b.TempDir(), benchRows)
	ctx := context.Background()
	db, err := Open(ctx, path, MaintenanceOptions(true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.FileSize)
	b.ResetTimer()
	for b.Loop() {
		res, err := db.QuickCheck(ctx)
		if err != nil || !res.OK {
			b.Fatalf("quick_check: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(st.FileSize)/1e6, "db-MB")
}

// backupBenchRows work orders make a database of about 100 MB.
const backupBenchRows = 2 * benchRows

// benchDB builds the ~100 MB database in WAL mode, as the application
// runs it, and returns its path and size.
func benchDB(b *testing.B) (string, int64) {
	b.Helper()
	path := testkit.MakeDBIn(b, b.TempDir(), backupBenchRows)
	db := testkit.OpenDB(b, path, "journal_mode(WAL)")
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		b.Fatalf("journal mode %q, %v", mode, err)
	}
	db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

// BenchmarkBackup measures Backup (online backup API, fsync, rename, the
// switch to rollback-journal mode) of a ~100 MB database; MB/s is the
// database size over the time:
//
//	go test -run '^$' -bench 'BenchmarkBackup$' -benchtime 5x ./internal/sqlitedb
func BenchmarkBackup(b *testing.B) {
	src, size := benchDB(b)
	dst := filepath.Join(b.TempDir(), "backup.db")
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Backup(ctx, src, dst, BackupOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/1e6, "db-MB")
}

// BenchmarkVacuumInto measures VacuumInto of the same ~100 MB database:
//
//	go test -run '^$' -bench 'BenchmarkVacuumInto$' -benchtime 5x ./internal/sqlitedb
func BenchmarkVacuumInto(b *testing.B) {
	src, size := benchDB(b)
	dst := filepath.Join(b.TempDir(), "vacuumed.db")
	ctx := context.Background()
	db, err := Open(ctx, src, MaintenanceOptions(true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.VacuumInto(ctx, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/1e6, "db-MB")
}

// BenchmarkFragmentation measures the dbstat scan that Fragmentation (and
// so Stats.AddSpace) costs, on the ~50 MB database of BenchmarkQuickCheck:
//
//	go test -run '^$' -bench 'BenchmarkFragmentation$' -benchtime 10x ./internal/sqlitedb
func BenchmarkFragmentation(b *testing.B) {
	path := testkit.MakeDBIn(b, b.TempDir(), benchRows)
	ctx := context.Background()
	db, err := Open(ctx, path, MaintenanceOptions(true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		f, err := db.Fragmentation(ctx)
		if err != nil || !f.DBStatAvailable {
			b.Fatalf("fragmentation: %+v, %v", f, err)
		}
	}
	b.ReportMetric(float64(fi.Size())/1e6, "db-MB")
}
