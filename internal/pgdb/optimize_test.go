package pgdb_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// statsUntil reads the statistics until ok accepts them (the cumulative
// statistics reach the reader after the writer's flush), for up to 10 s.
func statsUntil(t *testing.T, db *pgdb.DB, o pgdb.StatsOptions, what string, ok func(pgdb.Stats) bool) pgdb.Stats {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		exec(t, db, "SELECT pg_stat_force_next_flush()", "SELECT pg_stat_clear_snapshot()")
		st, err := pgdb.ReadStats(ctx, db, o)
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never seen in %+v", what, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tableStats(st pgdb.Stats, name string) pgdb.TableStats {
	for _, t := range st.Tables {
		if t.Name == name {
			return t
		}
	}
	return pgdb.TableStats{}
}

func indexStats(st pgdb.Stats, name string) pgdb.IndexStats {
	for _, x := range st.Indexes {
		if x.Name == name {
			return x
		}
	}
	return pgdb.IndexStats{}
}

func names(items []pgdb.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// One server: dead tuples found, planned and vacuumed away; a B-tree
// bloated by updates reindexed concurrently; an invalid index whose
// rebuild fails leaves no _ccnew copy behind; VACUUM FULL keeps to its
// deadline.
func TestStatsAndOptimize(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	db, _ := openDB(t, testkit.PostgresDB(t, c, "app"))
	workOrders(t, db, 50000)
	exec(t, db, "CREATE TABLE never (a int)", "INSERT INTO never SELECT generate_series(1, 10)",
		"CREATE SCHEMA other", "CREATE TABLE other.t (a int)")

	// Estimated bloat first (no pgstattuple), then the dead tuples.
	exec(t, db, "DELETE FROM wo WHERE id % 5 < 2")
	th := pgdb.Thresholds{DeadTuplePercent: 10, IndexBloatPercent: 30, VacuumFullBloatPercent: 50}
	o := pgdb.StatsOptions{CountTables: []string{"wo", "other.t", "public.missing", "a.b.c.d"}}
	st := statsUntil(t, db, o, "20,000 dead tuples", func(st pgdb.Stats) bool {
		return tableStats(st, "public.wo").DeadTuples == 20000
	})
	wo := tableStats(st, "public.wo")
	if wo.LiveTuples != 30000 || wo.DeadPercent < 39.9 || wo.DeadPercent > 40.1 || wo.TableBytes <= 0 || wo.TotalBytes <= wo.TableBytes {
		t.Errorf("public.wo: %+v", wo)
	}
	if st.PgStatTuple || wo.BloatPercent < 30 || !strings.Contains(strings.Join(st.Notes, "\n"), "estimates") {
		t.Errorf("estimated bloat of public.wo %.1f%% (pgstattuple %v), notes %q", wo.BloatPercent, st.PgStatTuple, st.Notes)
	}
	if st.Counts["wo"] != 30000 || st.Counts["other.t"] != 0 || !slices.Equal(st.Missing, []string{"public.missing", "a.b.c.d"}) {
		t.Errorf("counts %v, missing %q", st.Counts, st.Missing)
	}
	if st.Size <= 0 || st.XIDAge <= 0 || st.XIDLeft <= 2_000_000_000 || st.XIDLeft >= 1<<31-3_000_000 || st.FreezeMaxAge != 200_000_000 {
		t.Errorf("size %d, xid age %d, left %d, freeze max age %d", st.Size, st.XIDAge, st.XIDLeft, st.FreezeMaxAge)
	}
	p := pgdb.PlanOptimize(st, th)
	if !slices.Equal(names(p.Vacuum), []string{"public.wo"}) || !slices.Equal(names(p.Analyze), []string{"public.never"}) {
		t.Fatalf("plan %+v", p)
	}
	res, err := pgdb.OptimizeOnline(ctx, db, pgdb.Plan{Vacuum: p.Vacuum, Analyze: p.Analyze})
	if err != nil || len(res.Actions) != 2 || res.BytesBefore <= 0 || res.BytesAfter <= 0 {
		t.Fatalf("OptimizeOnline: %+v, %v", res, err)
	}
	statsUntil(t, db, o, "no dead tuples after VACUUM", func(st pgdb.Stats) bool {
		wo := tableStats(st, "public.wo")
		return wo.DeadTuples == 0 && wo.LiveTuples == 30000 && !wo.LastVacuum.IsZero() && !tableStats(st, "public.never").LastAnalyze.IsZero()
	})

	t.Run("reindex", func(t *testing.T) { testReindex(t, db, th) })
	t.Run("vacuum full", func(t *testing.T) { testVacuumFull(t, db) })
}

func testReindex(t *testing.T, db *pgdb.DB, th pgdb.Thresholds) {
	ctx := context.Background()
	exec(t, db,
		"CREATE TABLE counters (id int PRIMARY KEY, k int NOT NULL) WITH (autovacuum_enabled = false)",
		"CREATE INDEX ix_counters_k ON counters (k)",
		"INSERT INTO counters SELECT i, i FROM generate_series(1, 100000) i",
		// Four rows in five move to the right end of the index; VACUUM
		// then empties four fifths of each original leaf page.
		"UPDATE counters SET k = k + 1000000 WHERE id % 5 <> 0",
		"VACUUM counters",
		// A unique index that cannot be built: left invalid.
		"CREATE TABLE dups (v int)", "INSERT INTO dups VALUES (1), (1)")
	if _, err := db.Conn().Exec(ctx, "CREATE UNIQUE INDEX CONCURRENTLY ux_dups ON dups (v)"); err == nil {
		t.Fatal("a unique index over duplicates was built")
	}
	st := statsUntil(t, db, pgdb.StatsOptions{InstallExtension: true}, "pgstattuple", func(st pgdb.Stats) bool { return st.PgStatTuple })
	// The query ReadStats uses from 256 MiB on.
	exec(t, db, "SELECT approx_free_percent + dead_tuple_percent FROM public.pgstattuple_approx('counters'::regclass)")
	ix := indexStats(st, "public.ix_counters_k")
	if ix.BloatPercent < th.IndexBloatPercent || ix.Bytes < 1<<20 || !ix.Valid || ix.Table != "public.counters" {
		t.Fatalf("ix_counters_k: %+v (notes %q)", ix, st.Notes)
	}
	if ux := indexStats(st, "public.ux_dups"); ux.Valid || ux.Name == "" {
		t.Fatalf("ux_dups: %+v", ux)
	}
	p := pgdb.PlanOptimize(st, th)
	// The primary keys are bloated too: counters_pkey by the non-HOT
	// updates, wo_pkey by the deletes.
	if r := names(p.Reindex); !slices.Contains(r, "public.ix_counters_k") || !slices.Contains(r, "public.ux_dups") {
		t.Fatalf("reindex plan %+v", p.Reindex)
	}
	res, err := pgdb.OptimizeOnline(ctx, db, pgdb.Plan{Reindex: p.Reindex})
	if err == nil || !strings.Contains(err.Error(), "ux_dups") {
		t.Fatalf("rebuilding ux_dups over duplicates: %v", err)
	}
	joined := strings.Join(res.Actions, "\n")
	if !strings.Contains(joined, "REINDEX INDEX CONCURRENTLY public.ix_counters_k (") || !strings.Contains(joined, "DROP INDEX CONCURRENTLY public.ux_dups_ccnew") {
		t.Errorf("actions:\n%s", joined)
	}
	after, err := pgdb.ReadStats(ctx, db, pgdb.StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ix2 := indexStats(after, "public.ix_counters_k"); ix2.Bytes >= ix.Bytes || ix2.BloatPercent >= th.IndexBloatPercent {
		t.Errorf("after REINDEX: %+v, before %+v", ix2, ix)
	}
	for _, x := range after.Indexes {
		if strings.Contains(x.Name, "_ccnew") {
			t.Errorf("leftover %s", x.Name)
		}
	}
}

func testVacuumFull(t *testing.T, db *pgdb.DB) {
	ctx := context.Background()
	p := pgdb.Plan{VacuumFull: []pgdb.Item{{Name: "public.never", Bytes: 8192}, {Name: "public.wo", Bytes: 4 << 20}}}
	res, err := pgdb.VacuumFull(ctx, db, p, time.Now().Add(-time.Minute))
	if err != nil || len(res.Actions) != 0 || !slices.Equal(names(res.Left), []string{"public.wo", "public.never"}) {
		t.Fatalf("deadline passed: %+v, %v", res, err)
	}
	res, err = pgdb.VacuumFull(ctx, db, p, time.Now().Add(time.Minute))
	if err != nil || len(res.Actions) != 2 || len(res.Left) != 0 || !strings.HasPrefix(res.Actions[0], "VACUUM (FULL, ANALYZE) public.wo") {
		t.Fatalf("VACUUM FULL: %+v, %v", res, err)
	}
	if res.BytesAfter >= res.BytesBefore {
		t.Errorf("VACUUM FULL of a table with 40%% deleted: %d bytes before, %d after", res.BytesBefore, res.BytesAfter)
	}
	_, err = pgdb.VacuumFull(ctx, db, pgdb.Plan{VacuumFull: []pgdb.Item{{Name: "public.gone"}}}, time.Now().Add(time.Minute))
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("a missing table: %v", err)
	}
}
