package sqlitedb

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeFragmentedDB builds a database of n work orders, then deletes every
// dispenser (whole pages go to the freelist) and every other work order
// (pages stay in use, half empty).
func makeFragmentedDB(t testing.TB, dir string, n int) string {
	t.Helper()
	path := makeDB(t, dir, n)
	db := rawOpen(t, path)
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM dispensers; DELETE FROM work_orders WHERE rowid % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVacuumInto(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := makeFragmentedDB(t, dir, 2000)
	wantRows := rowCount(t, src, "work_orders")
	before := readFile(t, src)
	db, err := Open(ctx, src, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dst := filepath.Join(dir, ".fossawork_v2.db.vacuum")
	res, err := db.VacuumInto(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	assertGoodBackup(t, dst)
	if res.Path != dst || res.Size >= int64(len(before))/2 || res.Duration <= 0 {
		t.Errorf("result %+v: want %s well under half of %d bytes", res, dst, len(before))
	}
	if got := rowCount(t, dst, "work_orders"); got != wantRows {
		t.Errorf("vacuumed copy has %d work orders, want %d", got, wantRows)
	}
	if string(readFile(t, src)) != string(before) {
		t.Error("VACUUM INTO changed the source")
	}
	if _, err := db.VacuumInto(ctx, src); err == nil || !strings.Contains(err.Error(), "database itself") {
		t.Errorf("VACUUM INTO the database itself: %v", err)
	}
}

func TestVacuumIntoIncludesWAL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, _ := makeWALDB(t, dir, 100, 50)
	db, err := Open(ctx, src, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.VacuumInto(ctx, filepath.Join(dir, "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	assertGoodBackup(t, res.Path)
	if got := rowCount(t, res.Path, "work_orders"); got != 150 {
		t.Errorf("copy has %d work orders, want 150", got)
	}
}

func TestVacuumIntoCancelled(t *testing.T) {
	dir := t.TempDir()
	src := makeDB(t, dir, 200)
	ctx, cancel := context.WithCancel(context.Background())
	db, err := Open(ctx, src, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cancel()
	out := t.TempDir()
	if _, err := db.VacuumInto(ctx, filepath.Join(out, "copy.db")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if names := dirEntries(t, out); len(names) != 0 {
		t.Errorf("left %v behind", names)
	}
}

func TestCheckpoint(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		wal       bool
		wantLog   int
		wantEmpty bool
	}{
		{"WAL with uncheckpointed commits", true, 1, true},
		{"rollback-journal database", false, -1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := makeDB(t, dir, 100)
			if tc.wal {
				path, _ = makeWALDB(t, t.TempDir(), 100, 30)
			}
			db, err := Open(ctx, path, MaintenanceOptions(false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			res, err := db.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Busy || (tc.wantLog < 0 && res.LogFrames != -1) || (tc.wantLog > 0 && (res.LogFrames < 1 || res.CheckpointedFrames != res.LogFrames)) {
				t.Errorf("result %+v", res)
			}
			if !tc.wantEmpty {
				return
			}
			if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() != 0 {
				t.Errorf("-wal after TRUNCATE: %v, %v; want 0 bytes", fi, err)
			}
			plain := writeFile(t, filepath.Join(t.TempDir(), "main-only.db"), readFile(t, path))
			if got := rowCount(t, plain, "work_orders"); got != 130 {
				t.Errorf("main file alone has %d work orders after the checkpoint, want 130", got)
			}
		})
	}
}

// TestCheckpointBusy keeps a reader inside the WAL: TRUNCATE cannot
// finish and says so with ErrBusy.
func TestCheckpointBusy(t *testing.T) {
	ctx := context.Background()
	path, _ := makeWALDB(t, t.TempDir(), 100, 30)
	reader := rawOpen(t, path)
	defer reader.Close()
	conn, err := reader.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM work_orders").Scan(&n); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	db, err := Open(ctx, path, Options{BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Checkpoint(ctx)
	if !res.Busy || !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), path) {
		t.Errorf("Checkpoint = %+v, %v; want Busy and ErrBusy naming the file", res, err)
	}
}

// TestLockedDatabase: a writer holding an exclusive lock makes Open and
// QuickCheck fail with ErrBusy after the busy timeout, with the message
// telling the operator what to do.
func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	path := makeDB(t, t.TempDir(), 50)
	opts := Options{ReadOnly: true, BusyTimeout: 20 * time.Millisecond}
	early, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	unlock := lockExclusive(t, path)
	defer unlock()
	_, openErr := Open(ctx, path, opts)
	_, checkErr := early.QuickCheck(ctx)
	for name, err := range map[string]error{"Open": openErr, "QuickCheck": checkErr} {
		if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "stop the writer or retry") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v; want ErrBusy with advice, naming the file", name, err)
		}
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a -wal appeared: %v", err)
	}
}
