package sqlitedb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

const appSchema = `
CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE);
CREATE TABLE work_orders (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, site_name TEXT NOT NULL,
	scheduled_date DATETIME, status TEXT, created_at DATETIME);
CREATE TABLE dispensers (id TEXT PRIMARY KEY, work_order_id TEXT NOT NULL, dispenser_number TEXT);
CREATE INDEX ix_work_orders_user_id ON work_orders (user_id);
CREATE INDEX ix_dispensers_work_order_id ON dispensers (work_order_id);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3)
INSERT INTO users SELECT 'u'||i, 'tech'||i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 600)
INSERT INTO work_orders SELECT 'wo'||i, CASE WHEN i % 3 = 0 THEN 'u1' ELSE 'u2' END, 'Site '||i,
	datetime('2026-11-28', '-'||(i % 90)||' days'), CASE i % 4 WHEN 0 THEN 'completed' ELSE 'pending' END,
	datetime('2026-11-28', '-'||i||' hours') FROM n;
INSERT INTO dispensers SELECT 'd'||id||'-'||k, id, k||'/'||(k+1) FROM work_orders, (SELECT 1 AS k UNION SELECT 3);
`

// The application's reads are timed on the real data: parameters come
// from the database (the busiest user, a real work order, the last 30
// days), every row is read, and the row counts are what the application
// would get.
func TestBenchQueries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fw.db")
	testkit.Exec(t, path, appSchema)
	db, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.BenchQueries(context.Background(), AppQueries, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	// u2 has 400 work orders over 90 days; the last 30 days of its dates
	// (days 0..30 before 2026-11-28, both ends) hold 400*31/90 or so.
	want := map[string]struct{ lo, hi int }{
		"work_orders_by_date":      {120, 150},
		"dispensers_of_work_order": {2, 2},
		"user_lookup":              {1, 1},
		"work_orders_by_status":    {2, 2},
		"newest_work_orders":       {50, 50},
	}
	if len(got) != len(AppQueries) {
		t.Fatalf("%d timings for %d queries", len(got), len(AppQueries))
	}
	for _, q := range got {
		w := want[q.Name]
		if q.Skipped != "" || q.Runs != 7 || q.Rows < w.lo || q.Rows > w.hi {
			t.Errorf("%s: %+v, want 7 runs of %d–%d rows", q.Name, q, w.lo, w.hi)
		}
		if q.Median <= 0 || q.Median > q.P95 || q.P95 > q.Max {
			t.Errorf("%s: median %v, p95 %v, max %v out of order", q.Name, q.Median, q.P95, q.Max)
		}
	}
}

// A database without the application's tables (another release, another
// application) skips each query with the reason; an empty table skips the
// queries that take parameters from it. Never an error.
func TestBenchQueriesSkipWhatCannotRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	testkit.Exec(t, path, `CREATE TABLE work_orders (id TEXT PRIMARY KEY, user_id TEXT, site_name TEXT,
		scheduled_date DATETIME, status TEXT, created_at DATETIME); CREATE TABLE users (id TEXT, username TEXT)`)
	db, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.BenchQueries(context.Background(), AppQueries, 3, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, q := range got {
		skipped[q.Name] = q.Skipped
	}
	for name, want := range map[string]string{
		"work_orders_by_date":      "no rows to take its parameters from",
		"dispensers_of_work_order": "cannot run on this database: ",
		"user_lookup":              "no rows to take its parameters from",
		"work_orders_by_status":    "",
		"newest_work_orders":       "",
	} {
		if got := skipped[name]; (want == "") != (got == "") || len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("%s: skipped %q, want %q", name, got, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.BenchQueries(ctx, AppQueries, 3, 0); err == nil {
		t.Error("a cancelled context ran the queries")
	}
}

func TestSummarize(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	for _, tc := range []struct {
		name                 string
		took                 []time.Duration
		median, p95, wantMax time.Duration
	}{
		{"one run", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"even count: lower middle", ms(4, 1, 3, 2), 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond},
		{"twenty runs: p95 is the 19th", ms(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
			10 * time.Millisecond, 19 * time.Millisecond, 20 * time.Millisecond},
		{"a hundred: p95 is the 95th", ms(hundred...), 50 * time.Millisecond, 95 * time.Millisecond, 100 * time.Millisecond},
	} {
		med, p95, mx := summarize(tc.took)
		if med.D() != tc.median || p95.D() != tc.p95 || mx.D() != tc.wantMax {
			t.Errorf("%s: median %v p95 %v max %v, want %v %v %v", tc.name, med.D(), p95.D(), mx.D(), tc.median, tc.p95, tc.wantMax)
		}
	}
}
