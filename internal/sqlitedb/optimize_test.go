package sqlitedb

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// stat1Rows returns the sqlite_stat1 row count of an index, or "" when
// there are no statistics for it.
func stat1Rows(t *testing.T, path, index string) string {
	t.Helper()
	db := testkit.OpenDB(t, path)
	defer db.Close()
	var stat string
	err := db.QueryRow(`SELECT stat FROM sqlite_stat1 WHERE idx = ?`, index).Scan(&stat)
	if err != nil {
		return ""
	}
	return strings.Fields(stat)[0]
}

func TestOptimize(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name        string
		setup       func(t *testing.T, dir string) string
		opts        OptimizeOptions
		wantActions []string // substrings, in order
		wantStat    string   // sqlite_stat1 row count of the status index afterwards
	}{
		{
			name:        "no statistics, rollback journal, WAL asked",
			setup:       func(t *testing.T, dir string) string { return testkit.MakeDBIn(t, dir, 300) },
			opts:        OptimizeOptions{WAL: true},
			wantActions: []string{"ANALYZE", "journal_mode=WAL (was delete)"},
			wantStat:    "300",
		},
		{
			name: "stale statistics after 50x growth, already WAL",
			setup: func(t *testing.T, dir string) string {
				path, db := makeWALDB(t, dir, 100, 0)
				if _, err := db.Exec("ANALYZE"); err != nil {
					t.Fatal(err)
				}
				testkit.Fill(t, db, 100, 5000)
				return path
			},
			opts:        OptimizeOptions{WAL: true},
			wantActions: []string{"PRAGMA optimize"},
			wantStat:    "5100",
		},
		{
			name:        "reindex asked",
			setup:       func(t *testing.T, dir string) string { return testkit.MakeDBIn(t, dir, 50) },
			opts:        OptimizeOptions{Reindex: true},
			wantActions: []string{"REINDEX", "ANALYZE"},
			wantStat:    "50",
		},
		{
			name: "empty database",
			setup: func(t *testing.T, dir string) string {
				return testkit.WriteFile(t, filepath.Join(dir, "empty.db"), nil, 0o600)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			db, err := Open(ctx, path, MaintenanceOptions(false))
			if err != nil {
				t.Fatal(err)
			}
			res, err := db.Optimize(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if len(res.Actions) != len(tc.wantActions) {
				t.Fatalf("actions %q, want %q", res.Actions, tc.wantActions)
			}
			for i, want := range tc.wantActions {
				if !strings.Contains(res.Actions[i], want) {
					t.Errorf("action %d = %q, want it to mention %q", i, res.Actions[i], want)
				}
			}
			if tc.wantStat != "" {
				if got := stat1Rows(t, path, "ix_work_orders_status"); got != tc.wantStat {
					t.Errorf("sqlite_stat1 counts %q rows, want %s", got, tc.wantStat)
				}
			}
			if tc.opts.WAL {
				if hdr := readFile(t, path)[:20]; hdr[18] != 2 || hdr[19] != 2 {
					t.Errorf("header bytes 18-19 = %d %d, want 2 2: WAL is not stored in the file", hdr[18], hdr[19])
				}
			}
		})
	}
}

// TestOptimizeLeavesNoWAL: the copy about to be swapped in must carry all
// its data in the main file once Optimize's connection is closed.
func TestOptimizeLeavesNoWAL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := testkit.MakeDBIn(t, dir, 200)
	db, err := Open(ctx, path, MaintenanceOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Optimize(ctx, OptimizeOptions{Reindex: true, WAL: true}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("-wal left beside the optimised file: %v", err)
	}
	plain := testkit.WriteFile(t, filepath.Join(t.TempDir(), "main-only.db"), readFile(t, path), 0o600)
	if got := stat1Rows(t, plain, "ix_work_orders_status"); got != "200" {
		t.Errorf("statistics are not in the main file: %q", got)
	}
}

func TestOptimizeReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := testkit.MakeDBIn(t, t.TempDir(), 20)
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Optimize(ctx, OptimizeOptions{})
	if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want ErrPermission naming the file", err)
	}
}
