package weekly

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestCompareQueries(t *testing.T) {
	ms := func(name string, d time.Duration, runs int) sqlitedb.QueryTiming {
		return sqlitedb.QueryTiming{Name: name, Runs: runs, Median: human.Seconds(d)}
	}
	before := queryTimings{
		"work_orders_by_date":      ms("work_orders_by_date", 10*time.Millisecond, 20),
		"user_lookup":              ms("user_lookup", 40*time.Microsecond, 20),
		"newest_work_orders":       ms("newest_work_orders", 14*time.Millisecond, 20),
		"dispensers_of_work_order": ms("dispensers_of_work_order", time.Millisecond, 0), // skipped before
	}
	after := queryTimings{
		"work_orders_by_date":      ms("work_orders_by_date", 16*time.Millisecond, 20), // +60%, +6 ms
		"user_lookup":              ms("user_lookup", 400*time.Microsecond, 20),        // 10x, but under 1 ms
		"newest_work_orders":       ms("newest_work_orders", 9*time.Millisecond, 20),   // faster
		"dispensers_of_work_order": ms("dispensers_of_work_order", time.Millisecond, 20),
	}
	rows, slower := compareQueries(before, after, 50)
	var medians []string
	for _, r := range rows {
		medians = append(medians, r[0]+": "+r[2])
	}
	want := []string{"work_orders_by_date: 10 ms → 16 ms (+60%)", "user_lookup: 40 µs → 0.4 ms (+900%)", "newest_work_orders: 14 ms → 9.0 ms (-36%)"}
	if !slices.Equal(medians, want) {
		t.Errorf("medians %q, want %q", medians, want)
	}
	if !slices.Equal(slower, []string{"work_orders_by_date: 10 ms → 16 ms"}) {
		t.Errorf("slower %q, want only the date range (60%% and 6 ms)", slower)
	}
	if _, slower := compareQueries(before, after, 80); len(slower) != 0 {
		t.Errorf("at 80%% nothing is slower enough: %q", slower)
	}
}

// The database phase times the application's reads before and after the
// optimize step, on the real file, and says what changed; queries the
// schema cannot run are named in the note, not failures.
func TestDatabasePhaseTimesTheApplicationsReads(t *testing.T) {
	tr := newTree(t, 0)
	testkit.Exec(t, tr.root+"/backend/fossawork_v2.db", `ALTER TABLE work_orders ADD COLUMN status TEXT;
		ALTER TABLE work_orders ADD COLUMN created_at DATETIME; UPDATE work_orders SET status = 'pending', created_at = datetime('now')`)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"queries-before", "queries-after"} {
		st, ok := run.Step("database", step)
		if !ok || st.Status == "skipped" {
			t.Fatalf("%s: %+v", step, st)
		}
		for _, q := range []string{"dispensers_of_work_order", "work_orders_by_status", "newest_work_orders"} {
			if m, ok := st.Metrics["query_median_seconds:"+q]; !ok || m.Value <= 0 || m.Unit != "s" {
				t.Errorf("%s: no median for %s: %+v", step, q, st.Metrics)
			}
		}
		if !strings.Contains(st.Note, "user_lookup: cannot run on this database") {
			t.Errorf("%s: note %q should name the query the schema cannot run", step, st.Note)
		}
	}
	after, _ := run.Step("database", "queries-after")
	if len(after.Tables) != 1 || !slices.ContainsFunc(after.Tables[0].Rows, func(r []string) bool {
		return r[0] == "newest_work_orders" && strings.Contains(r[2], " → ")
	}) {
		t.Errorf("queries-after tables %+v, want the before → after of each read", after.Tables)
	}
}
