package sqlitedb

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestFragmentation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name         string
		setup        func(t *testing.T, dir string) string
		wantVacuum   bool
		wantReason   string
		minFreelist  float64
		maxFreelist  float64
		minUnused    float64
		maxUnused    float64
		wantLargest0 string
	}{
		{
			name:  "freshly written",
			setup: func(t *testing.T, dir string) string { return testkit.MakeDBIn(t, dir, 2000) },
			// Sequential inserts fill pages; text keys leave some slack.
			maxFreelist: 0, maxUnused: 0.25, wantReason: "below", wantLargest0: "work_orders",
		},
		{
			name:        "dispensers deleted: pages on the freelist",
			setup:       func(t *testing.T, dir string) string { return makeFragmentedDB(t, dir, 2000) },
			minFreelist: 0.10, maxFreelist: 1, maxUnused: 1, wantVacuum: true, wantReason: "freelist",
		},
		{
			name: "every other row deleted: half-empty pages",
			setup: func(t *testing.T, dir string) string {
				path := testkit.MakeDBIn(t, dir, 2000)
				db := testkit.OpenDB(t, path)
				defer db.Close()
				if _, err := db.Exec(`DELETE FROM dispensers WHERE rowid % 2 = 0; DELETE FROM work_orders WHERE rowid % 2 = 0`); err != nil {
					t.Fatal(err)
				}
				return path
			},
			maxFreelist: 0.10, minUnused: 0.25, maxUnused: 1, wantVacuum: true, wantReason: "unused space inside pages",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t, t.TempDir())
			db, err := Open(ctx, path, MaintenanceOptions(true))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f, err := db.Fragmentation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !f.DBStatAvailable {
				t.Skip("this SQLite build has no dbstat")
			}
			if f.FreelistRatio < tc.minFreelist || f.FreelistRatio > tc.maxFreelist ||
				f.UnusedRatio < tc.minUnused || f.UnusedRatio > tc.maxUnused {
				t.Errorf("freelist %.3f (want %.2f-%.2f), unused %.3f (want %.2f-%.2f)",
					f.FreelistRatio, tc.minFreelist, tc.maxFreelist, f.UnusedRatio, tc.minUnused, tc.maxUnused)
			}
			var sum, unused int64
			for _, o := range f.Objects {
				sum += o.Bytes
				unused += o.Unused
			}
			if want := (f.PageCount - f.FreelistCount) * f.PageSize; sum != want || unused != f.UnusedBytes {
				t.Errorf("objects add up to %d bytes (%d unused); want %d in-use bytes (%d unused)", sum, unused, want, f.UnusedBytes)
			}
			if !slices.IsSortedFunc(f.Objects, func(a, b TableSize) int { return int(b.Bytes - a.Bytes) }) {
				t.Errorf("objects not largest first: %+v", f.Objects)
			}
			if tc.wantLargest0 != "" && f.Objects[0].Name != tc.wantLargest0 {
				t.Errorf("largest object %q, want %q", f.Objects[0].Name, tc.wantLargest0)
			}
			vac, reason := NeedsVacuum(f, 0, 0)
			if vac != tc.wantVacuum || !strings.Contains(reason, tc.wantReason) {
				t.Errorf("NeedsVacuum = %v, %q; want %v mentioning %q", vac, reason, tc.wantVacuum, tc.wantReason)
			}
		})
	}
}

func TestNeedsVacuum(t *testing.T) {
	t.Parallel()
	base := Fragmentation{PageSize: 4096, PageCount: 1000, DBStatAvailable: true}
	with := func(freelist int64, unused float64, dbstat bool) Fragmentation {
		f := base
		f.FreelistCount, f.FreelistRatio = freelist, float64(freelist)/1000
		f.UnusedRatio, f.UnusedBytes = unused, int64(unused*4096*1000)
		f.DBStatAvailable = dbstat
		return f
	}
	cases := []struct {
		name               string
		f                  Fragmentation
		freelist, unused   float64
		want               bool
		reasonHas, reason2 string
	}{
		{"clean, defaults", with(10, 0.05, true), 0, 0, false, "1.0%", "below the 10% threshold"},
		{"freelist at the default threshold", with(100, 0, true), 0, 0, true, "freelist 100 of 1000 pages (10%)", "reaches the 10% threshold"},
		{"freelist under a raised threshold", with(150, 0, true), 0.2, 0, false, "15%", "below the 20%"},
		{"unused over the default", with(0, 0.3, true), 0, 0, true, "unused space inside pages", "30% of the file"},
		{"unused under a raised threshold", with(0, 0.3, true), 0, 0.5, false, "30%", "below 50%"},
		{"no dbstat: freelist only", with(20, 0, false), 0, 0, false, "not measured", "2.0%"},
		{"no dbstat, freelist high", with(500, 0, false), 0, 0, true, "50%", "freelist"},
		{"empty database", Fragmentation{PageSize: 4096, PageCount: 1}, 0, 0, false, "empty", "nothing to reclaim"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := NeedsVacuum(tc.f, tc.freelist, tc.unused)
			if got != tc.want || !strings.Contains(reason, tc.reasonHas) || !strings.Contains(reason, tc.reason2) {
				t.Errorf("NeedsVacuum = %v, %q; want %v with %q and %q", got, reason, tc.want, tc.reasonHas, tc.reason2)
			}
		})
	}
}

func TestStatsAddSpace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := testkit.MakeDBIn(t, t.TempDir(), 500)
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.Fragmentation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.DBStatAvailable {
		t.Skip("this SQLite build has no dbstat")
	}
	st.AddSpace(f)
	if !st.SpaceMeasured || st.UnusedBytes != f.UnusedBytes || len(st.Largest) != min(10, len(f.Objects)) || st.Largest[0] != f.Objects[0] {
		t.Errorf("stats %+v do not carry %+v", st, f)
	}
	var none Stats
	none.AddSpace(Fragmentation{})
	if none.SpaceMeasured || !slices.Contains(none.Notes, NoteNoDBStat) {
		t.Errorf("without dbstat: %+v", none)
	}
}
