package sqlitedb

import (
	"context"
	"testing"
)

// benchRows work orders (plus two dispensers each) make a database of
// about 50 MB.
const benchRows = 160_000

// BenchmarkQuickCheck measures quick_check with the maintenance options on
// a generated ~50 MB database:
//
//	go test -run '^$' -bench BenchmarkQuickCheck -benchtime 10x ./internal/sqlitedb
func BenchmarkQuickCheck(b *testing.B) {
	path := makeDB(b, b.TempDir(), benchRows)
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
