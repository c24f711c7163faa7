package pgdb_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// openDB opens url and finds the client programs for its server.
func openDB(t testing.TB, url string) (*pgdb.DB, pgdb.Tools) {
	t.Helper()
	ctx := context.Background()
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	tools, err := pgdb.FindTools(ctx, "", db.Major)
	if err != nil {
		t.Fatal(err)
	}
	return db, tools
}

// exec runs statements, failing the test on an error.
func exec(t testing.TB, db *pgdb.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Conn().Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// workOrders makes public.wo with n rows and an index on status.
func workOrders(t testing.TB, db *pgdb.DB, n int) {
	t.Helper()
	exec(t, db,
		"CREATE TABLE wo (id int PRIMARY KEY, status text NOT NULL, note text) WITH (autovacuum_enabled = false)",
		"CREATE INDEX ix_wo_status ON wo (status)",
		"INSERT INTO wo SELECT i, 'st' || (i % 10), repeat('x', 50) FROM generate_series(1, "+strconv.Itoa(n)+") i",
		// The insert's counts reach the statistics before ANALYZE sets
		// n_live_tup, not after (they would count twice).
		"SELECT pg_stat_force_next_flush()",
		"ANALYZE wo")
}

func TestCheck(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	db, tools := openDB(t, testkit.PostgresDB(t, c, "app"))
	workOrders(t, db, 20000)

	bareDB, _ := openDB(t, testkit.PostgresDB(t, c, "bare"))
	_, err := pgdb.Check(ctx, tools, bareDB, pgdb.CheckOptions{})
	if !errors.Is(err, pgdb.ErrNoAmcheck) || !strings.Contains(err.Error(), "install_extensions: true") {
		t.Fatalf("without amcheck and without InstallExtension: %v, want ErrNoAmcheck saying how to allow it", err)
	}

	res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{InstallExtension: true, HeapAllIndexed: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || len(res.Findings) != 0 || res.Relations < 5 {
		t.Fatalf("healthy database: %+v", res)
	}
	if res.Tool != "pg_amcheck --heapallindexed app" {
		t.Errorf("Tool %q", res.Tool)
	}

	index, err := c.RelationFile(ctx, "app", "public.ix_wo_status")
	if err != nil {
		t.Fatal(err)
	}
	heap, err := c.RelationFile(ctx, "app", "public.wo")
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	_ = bareDB.Close()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	damageLeafPage(t, index)
	damageLinePointer(t, heap)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	db, _ = openDB(t, c.URL("app"))
	res, err = pgdb.Check(ctx, tools, db, pgdb.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatalf("damaged database checked OK: %+v", res)
	}
	t.Logf("%d relations, %v: %+v", res.Relations, res.Duration, res.Findings)
	for _, rel := range []string{"public.ix_wo_status", "public.wo"} {
		if !hasCorruption(res.Findings, rel) {
			t.Errorf("no corruption finding for %s in %+v", rel, res.Findings)
		}
	}
}

func hasCorruption(fs []pgdb.CheckFinding, rel string) bool {
	for _, f := range fs {
		if f.Corruption && f.Relation == rel && f.Message != "" {
			return true
		}
	}
	return false
}

const page = 8192

// damageLeafPage overwrites the first index tuple (at pd_upper) of the
// first B-tree leaf page after the metapage: its size no longer matches
// its line pointer, which bt_index_check reports.
func damageLeafPage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for blk := 1; (blk+1)*page <= len(data); blk++ {
		p := data[blk*page : (blk+1)*page]
		// BTPageOpaqueData at the end: prev, next, level (4 bytes each),
		// flags (2): BTP_LEAF is 1.
		if binary.LittleEndian.Uint16(p[page-16+12:])&1 == 0 {
			continue
		}
		upper := int(binary.LittleEndian.Uint16(p[14:]))
		if upper < 24 || upper+64 > page-16 {
			continue
		}
		writeAt(t, path, int64(blk*page+upper), []byte(strings.Repeat("\xaa", 64)))
		return
	}
	t.Fatalf("%s: no leaf page found", path)
}

// damageLinePointer sets the length of block 0's first line pointer to
// 32767, past the page's end: verify_heapam reports it.
func damageLinePointer(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, err = f.ReadAt(b, 24)
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// ItemIdData: lp_off (15 bits), lp_flags (2), lp_len (15).
	w := binary.LittleEndian.Uint32(b)&0x1ffff | 0x7fff<<17
	binary.LittleEndian.PutUint32(b, w)
	writeAt(t, path, 24, b)
}

// writeAt writes into the existing file in place: owner and mode stay.
func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCheck: pg_amcheck of a database with a 10,000-row table and
// its two indexes (plus the system catalogs, which it always checks).
func BenchmarkCheck(b *testing.B) {
	c := testkit.Postgres(b)
	db, tools := openDB(b, testkit.PostgresDB(b, c, "bench"))
	workOrders(b, db, 10000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for b.Loop() {
		res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{InstallExtension: true})
		if err != nil || !res.OK {
			b.Fatalf("%+v: %v", res, err)
		}
	}
}
