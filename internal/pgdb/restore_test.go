package pgdb_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// Restore switches the dump in by rename: the target's connections are
// ended, it holds the dump's rows, the previous database is kept under a
// dated name (listed, droppable by retention only), and a bad dump or a
// count that differs leaves the target untouched.
func TestRestore(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fossawork")
	seed(t, url, 300)
	tools := findTools(t, openPG(t, url))
	ctx := testCtx(t)
	dump := dumpOf(t, tools, url)
	fill(t, url, 50) // the live database moves on after the dump
	live := map[string]int64{"audit.Event Log": 1, "public.users": 350, "public.work_orders": 700}
	now := time.Date(2026, 12, 5, 2, 30, 0, 0, time.UTC)
	e := restoreEnv{ctx, c, url, tools, dump, now, live}
	t.Run("bad dump leaves the target untouched", func(t *testing.T) { restoreBadDump(t, e) })
	t.Run("switch", func(t *testing.T) { restoreSwitch(t, e) })
	t.Run("kept databases", func(t *testing.T) { restoreKept(t, e) })
	t.Run("long name and no target", func(t *testing.T) { restoreLongName(t, e) })
}

// restoreEnv is what the restore cases share: one server, its database
// "fossawork", and a dump of it taken before it moved on.
type restoreEnv struct {
	ctx   context.Context
	c     *pgdb.Cluster
	url   string
	tools pgdb.Tools
	dump  pgdb.DumpResult
	now   time.Time
	live  map[string]int64
}

// restoreBadDump: a bad dump, or counts that differ, leave the target
// untouched: no connection ended, no database kept or left behind.
func restoreBadDump(t *testing.T, e restoreEnv) {
	ctx, url, tools, dump, now, live := e.ctx, e.url, e.tools, e.dump, e.now, e.live
	held := connectRaw(t, url)
	_, err := pgdb.Restore(ctx, tools, url, flipMiddle(t, dump.Path), pgdb.RestoreOptions{Now: now, Tables: dump.Tables})
	if !errors.Is(err, pgdb.ErrBadDump) {
		t.Fatalf("restore of a flipped dump: %v, want ErrBadDump", err)
	}
	wrong := maps.Clone(dump.Tables)
	wrong["public.users"] = 1
	_, err = pgdb.Restore(ctx, tools, url, dump.Path, pgdb.RestoreOptions{Now: now, Tables: wrong})
	if !errors.Is(err, pgdb.ErrBadDump) || !strings.Contains(err.Error(), "public.users restored 300 rows, the manifest has 1") {
		t.Fatalf("restore with other counts: %v", err)
	}
	if err := held.Ping(ctx); err != nil {
		t.Errorf("a connection to the target was ended by a restore that failed: %v", err)
	}
	assertCounts(t, url, live)
	noScratch(t, url)
	for _, name := range databases(t, url) {
		if strings.Contains(name, "_replaced_") {
			t.Errorf("database %s kept by a restore that failed", name)
		}
	}
}

// restoreSwitch: the copy is switched in; every connection to the target
// (idle, or holding a lock) is ended; the kept database holds the live
// rows and accepts connections again.
func restoreSwitch(t *testing.T, e restoreEnv) {
	ctx, c, url, tools, dump, now, live := e.ctx, e.c, e.url, e.tools, e.dump, e.now, e.live
	held := []interface{ Ping(context.Context) error }{connectRaw(t, url), connectRaw(t, url)}
	busy := connectRaw(t, url)
	tx, err := busy.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	held = append(held, busy)
	res, err := pgdb.Restore(ctx, tools, url, dump.Path, pgdb.RestoreOptions{Now: now, Tables: dump.Tables})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restore: %+v", res)
	if res.Database != "fossawork" || res.Replaced != "fossawork_replaced_20261205_023000" || res.Terminated < len(held) {
		t.Errorf("result %+v: want %d connections ended", res, len(held))
	}
	for i, h := range held {
		if err := h.Ping(ctx); err == nil {
			t.Errorf("connection %d to the target survived the switch", i)
		}
	}
	if !maps.Equal(res.Tables, dump.Tables) {
		t.Errorf("restored %v, dump %v", res.Tables, dump.Tables)
	}
	assertCounts(t, url, dump.Tables)
	assertCounts(t, c.URL(res.Replaced), live) // and it accepts connections again
	noScratch(t, url)
}

// restoreKept: the kept database is listed with its date and size and
// dropped by retention; no other name is.
func restoreKept(t *testing.T, e restoreEnv) {
	ctx, url, now := e.ctx, e.url, e.now
	db := openPG(t, url)
	kept, err := pgdb.ReplacedDatabases(ctx, db)
	if err != nil || len(kept) != 1 || kept[0].Name != "fossawork_replaced_20261205_023000" || !kept[0].At.Equal(now) || kept[0].Size <= 0 {
		t.Fatalf("ReplacedDatabases: %+v, %v", kept, err)
	}
	for _, name := range []string{"fossawork", "postgres", "fossawork_replaced_x", "template1"} {
		if err := pgdb.DropReplaced(ctx, db, name); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("DropReplaced(%s): %v, want a refusal", name, err)
		}
	}
	if err := pgdb.DropReplaced(ctx, db, kept[0].Name); err != nil {
		t.Fatal(err)
	}
	if kept, err := pgdb.ReplacedDatabases(ctx, db); err != nil || len(kept) != 0 {
		t.Errorf("after the drop: %+v, %v", kept, err)
	}
}

// restoreLongName: a 60-byte name is clipped (and followed by a hash of
// the whole name) so that the kept name fits in 63 bytes and is still
// found; a target that does not exist is made.
func restoreLongName(t *testing.T, e restoreEnv) {
	ctx, c, tools, dump, now := e.ctx, e.c, e.tools, e.dump, e.now
	long := strings.Repeat("l", 60)
	longURL := testkit.PostgresDB(t, c, long)
	execSQL(t, longURL, "CREATE TABLE t (x int)")
	res, err := pgdb.Restore(ctx, tools, longURL, dump.Path, pgdb.RestoreOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replaced) > 63 || !strings.HasPrefix(res.Replaced, strings.Repeat("l", 31)+"_") || res.Replaced != pgdb.DatedName(long, pgdb.KindReplaced, now) {
		t.Errorf("replaced %q", res.Replaced)
	}
	kept, err := pgdb.ReplacedDatabases(ctx, openPG(t, longURL))
	if err != nil || len(kept) != 1 || kept[0].Name != res.Replaced {
		t.Errorf("ReplacedDatabases of %s: %+v, %v", long, kept, err)
	}
	res, err = pgdb.Restore(ctx, tools, c.URL("fresh"), dump.Path, pgdb.RestoreOptions{Now: now})
	if err != nil || res.Replaced != "" || res.Terminated != 0 {
		t.Fatalf("restore into a new database: %+v, %v", res, err)
	}
	assertCounts(t, c.URL("fresh"), dump.Tables)
}

// assertCounts compares the row counts of the database at url.
func assertCounts(t *testing.T, url string, want map[string]int64) {
	t.Helper()
	conn := connectRaw(t, url)
	for table, n := range want {
		schema, name, _ := strings.Cut(table, ".")
		var got int64
		if err := conn.QueryRow(testCtx(t), "SELECT count(*) FROM "+pgdb.QuoteIdent(schema)+"."+pgdb.QuoteIdent(name)).Scan(&got); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if got != n {
			t.Errorf("%s has %d rows, want %d", table, got, n)
		}
	}
}
