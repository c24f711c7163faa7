package pgdb_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

func TestPlanOptimize(t *testing.T) {
	const mib = 1 << 20
	analysed := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	th := pgdb.Thresholds{DeadTuplePercent: 10, IndexBloatPercent: 30, VacuumFullBloatPercent: 50}
	full := th
	full.VacuumFull = true
	tbl := func(name string, live, dead, bytes int64, bloat float64) pgdb.TableStats {
		ts := pgdb.TableStats{Name: name, LiveTuples: live, DeadTuples: dead, TableBytes: bytes, BloatPercent: bloat, LastAutoanalyze: analysed}
		if live+dead > 0 {
			ts.DeadPercent = float64(dead) * 100 / float64(live+dead)
		}
		return ts
	}
	never := tbl("public.fresh", 500, 0, 64<<10, 0)
	never.LastAutoanalyze = time.Time{}
	neverEmpty := tbl("public.empty", 0, 0, 0, 0)
	neverEmpty.LastAutoanalyze = time.Time{}
	neverDead := tbl("public.churn", 23655, 12345, 3*mib, 0)
	neverDead.LastAutoanalyze = time.Time{}
	tests := []struct {
		name string
		st   pgdb.Stats
		th   pgdb.Thresholds
		want pgdb.Plan
	}{
		{name: "nothing", st: pgdb.Stats{Tables: []pgdb.TableStats{tbl("public.a", 1000, 10, mib, 5)}}, th: th},
		{name: "dead tuples over the threshold", th: th,
			st: pgdb.Stats{Tables: []pgdb.TableStats{tbl("public.wo", 23655, 12345, 3*mib, 0), tbl("public.edge", 9000, 1000, mib, 0)}},
			want: pgdb.Plan{Vacuum: []pgdb.Item{
				{Name: "public.wo", Bytes: 3 * mib, Reason: "dead tuples 34% (12,345 of 36,000) >= 10%"},
				{Name: "public.edge", Bytes: mib, Reason: "dead tuples 10% (1,000 of 10,000) >= 10%"}}}},
		{name: "a tiny table is left to autovacuum", th: th,
			st: pgdb.Stats{Tables: []pgdb.TableStats{tbl("public.tiny", 10, 999, 64<<10, 0)}}},
		{name: "never analysed, with rows", th: th,
			st: pgdb.Stats{Tables: []pgdb.TableStats{never, neverEmpty, neverDead}},
			want: pgdb.Plan{Analyze: []pgdb.Item{{Name: "public.fresh", Bytes: 64 << 10, Reason: "never analysed, 500 rows"}},
				Vacuum: []pgdb.Item{{Name: "public.churn", Bytes: 3 * mib, Reason: "dead tuples 34% (12,345 of 36,000) >= 10%"}}}},
		{name: "indexes", th: th,
			st: pgdb.Stats{Indexes: []pgdb.IndexStats{
				{Name: "public.ix_big", Bytes: 2 * mib, BloatPercent: 45, Valid: true},
				{Name: "public.ix_small", Bytes: mib - 1, BloatPercent: 90, Valid: true},
				{Name: "public.ix_tidy", Bytes: 50 * mib, BloatPercent: 29.9, Valid: true},
				{Name: "public.ix_broken", Bytes: 8192, Valid: false}}},
			want: pgdb.Plan{Reindex: []pgdb.Item{
				{Name: "public.ix_big", Bytes: 2 * mib, Reason: "bloat 45% of 2.0 MiB >= 30%"},
				{Name: "public.ix_broken", Bytes: 8192, Reason: "invalid (left by a failed CREATE INDEX CONCURRENTLY): not used by queries until rebuilt"}}}},
		{name: "VACUUM FULL not allowed", th: th,
			st: pgdb.Stats{Tables: []pgdb.TableStats{tbl("public.bloated", 1000, 0, 100*mib, 80)}}},
		{name: "VACUUM FULL allowed, largest first", th: full,
			st: pgdb.Stats{Tables: []pgdb.TableStats{
				tbl("public.a", 1000, 0, 10*mib, 60), tbl("public.b", 1000, 0, 100*mib, 50),
				tbl("public.small", 1000, 0, 8*mib-1, 90), tbl("public.c", 1000, 0, 100*mib, 49.9)}},
			want: pgdb.Plan{VacuumFull: []pgdb.Item{
				{Name: "public.b", Bytes: 100 * mib, Reason: "bloat 50% of 100.0 MiB >= 50%"},
				{Name: "public.a", Bytes: 10 * mib, Reason: "bloat 60% of 10.0 MiB >= 50%"}}}},
		{name: "zero thresholds pick nothing", th: pgdb.Thresholds{VacuumFull: true},
			st: pgdb.Stats{Tables: []pgdb.TableStats{tbl("public.wo", 1000, 9000, 100*mib, 90)},
				Indexes: []pgdb.IndexStats{{Name: "public.ix", Bytes: 9 * mib, BloatPercent: 90, Valid: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pgdb.PlanOptimize(tt.st, tt.th)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PlanOptimize:\n got %+v\nwant %+v", got, tt.want)
			}
			if got.Empty() != reflect.DeepEqual(tt.want, pgdb.Plan{}) {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}
