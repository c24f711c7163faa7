package sqlitedb

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	valid := testkit.MakeDBIn(t, dir, 500)
	empty := testkit.WriteFile(t, filepath.Join(dir, "empty.db"), nil, 0o600)
	cases := []struct {
		name      string
		path      string
		count     []string
		wantRows  []TableRows
		wantEmpty bool
		tables    int
		indexes   int
	}{
		{
			name: "requested tables, one missing", path: valid,
			count: []string{"work_orders", "dispensers", "filters", "work_orders"},
			wantRows: []TableRows{
				{Table: "work_orders", Rows: 500}, {Table: "dispensers", Rows: 1000},
				{Table: "filters", Missing: true},
			},
			tables: 3, indexes: 1,
		},
		{
			name: "all tables after the requested ones", path: valid,
			count: []string{"work_orders", AllTables},
			wantRows: []TableRows{
				{Table: "work_orders", Rows: 500}, {Table: "dispensers", Rows: 1000}, {Table: "users", Rows: 1},
			},
			tables: 3, indexes: 1,
		},
		{name: "no counts", path: valid, tables: 3, indexes: 1, wantRows: []TableRows{}},
		{
			name: "empty file", path: empty, count: []string{"work_orders"},
			wantRows: []TableRows{{Table: "work_orders", Missing: true}}, wantEmpty: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			st, err := db.Stats(ctx, tc.count)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(st.Rows, tc.wantRows) {
				t.Errorf("Rows = %+v, want %+v", st.Rows, tc.wantRows)
			}
			if st.Tables != tc.tables || st.Indexes != tc.indexes {
				t.Errorf("tables, indexes = %d, %d; want %d, %d", st.Tables, st.Indexes, tc.tables, tc.indexes)
			}
			if st.Empty != tc.wantEmpty || slices.Contains(st.Notes, NoteEmpty) != tc.wantEmpty {
				t.Errorf("Empty = %v, notes %q; want empty %v", st.Empty, st.Notes, tc.wantEmpty)
			}
			if st.SQLiteVersion == "" || st.JournalMode != "delete" || st.PageSize == 0 {
				t.Errorf("version %q, journal %q, page size %d", st.SQLiteVersion, st.JournalMode, st.PageSize)
			}
			if st.FileSize != st.MainSize || st.MainSize != st.PageCount*st.PageSize {
				t.Errorf("sizes: file %d main %d, pages %d x %d", st.FileSize, st.MainSize, st.PageCount, st.PageSize)
			}
		})
	}
}

func TestStatsFreelist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := testkit.MakeDBIn(t, t.TempDir(), 2000)
	raw := testkit.OpenDB(t, path)
	if _, err := raw.Exec("DELETE FROM dispensers"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.FreelistCount == 0 || st.FreelistRatio <= 0.1 || st.FreelistRatio >= 1 {
		t.Fatalf("after deleting most rows: freelist %d of %d pages (ratio %.3f)", st.FreelistCount, st.PageCount, st.FreelistRatio)
	}
}

// TestStatsWAL writes through another connection in WAL mode without
// checkpointing: the counts must include the rows that live only in the
// -wal file, and the size must include it.
func TestStatsWAL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := testkit.MakeDBIn(t, dir, 100)
	writer := testkit.OpenDB(t, path, "journal_mode(WAL)", "wal_autocheckpoint(0)")
	defer writer.Close()
	testkit.Fill(t, writer, 100, 250)

	db, err := Open(ctx, path, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx, []string{"work_orders", "dispensers"})
	if err != nil {
		t.Fatal(err)
	}
	want := []TableRows{{Table: "work_orders", Rows: 350}, {Table: "dispensers", Rows: 700}}
	if !slices.Equal(st.Rows, want) {
		t.Errorf("Rows = %+v, want %+v (WAL rows missing?)", st.Rows, want)
	}
	if st.JournalMode != "wal" || st.WALSize == 0 || st.FileSize != st.MainSize+st.WALSize {
		t.Errorf("journal %q, sizes main %d wal %d file %d", st.JournalMode, st.MainSize, st.WALSize, st.FileSize)
	}
	if res, err := db.QuickCheck(ctx); err != nil || !res.OK {
		t.Errorf("quick_check on a live WAL database: %+v %v", res, err)
	}
}

func TestStatsCorruptIsError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	data := readFile(t, testkit.MakeDBIn(t, dir, 2000))
	trunc := testkit.WriteFile(t, filepath.Join(dir, "truncated.db"), data[:len(data)/3], 0o600)
	db, err := Open(ctx, trunc, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Stats(ctx, []string{AllTables}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Stats on a truncated database: %v, want ErrCorrupt", err)
	}
}
