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

	"github.com/fossawork/fossamaint/internal/testkit"
)

// makeFragmentedDB builds a database of n work orders, then deletes every
// dispenser (whole pages go to the freelist) and every other work order
// (pages stay in use, half empty).
func makeFragmentedDB(t testing.TB, dir string, n int) string {
	t.Helper()
	path := testkit.MakeDBIn(t, dir, n)
	db := testkit.OpenDB(t, path)
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM dispensers; DELETE FROM work_orders WHERE rowid % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVacuumInto(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	src := testkit.MakeDBIn(t, dir, 200)
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
	t.Parallel()
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
			path := testkit.MakeDBIn(t, dir, 100)
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
			plain := testkit.WriteFile(t, filepath.Join(t.TempDir(), "main-only.db"), readFile(t, path), 0o600)
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
	reader := testkit.OpenDB(t, path)
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
	t.Parallel()
	ctx := context.Background()
	path := testkit.MakeDBIn(t, t.TempDir(), 50)
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

// TestDataVersion holds what the online VACUUM INTO relies on: on one open
// connection, data_version moves when another connection commits, and not
// for our own commits and checkpoints, another connection's passive
// checkpoint, or another connection closing.
func TestDataVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []string{"wal", "delete"} {
		t.Run(mode, func(t *testing.T) {
			path := testkit.MakeDBIn(t, t.TempDir(), 50)
			app := testkit.OpenDB(t, path, "journal_mode("+mode+")", "busy_timeout(5000)")
			defer app.Close()
			testkit.Fill(t, app, 50, 10) // leaves frames in the -wal
			db, err := Open(ctx, path, MaintenanceOptions(false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v0, err := db.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			same := func(what string) {
				t.Helper()
				if v, err := db.DataVersion(ctx); err != nil || v != v0 {
					t.Fatalf("after %s: data_version %d -> %d (%v)", what, v0, v, err)
				}
			}
			if _, err := app.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
				t.Fatal(err)
			}
			same("another connection's passive checkpoint")
			if _, err := db.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			same("our own checkpoint (PASSIVE then TRUNCATE)")
			if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE IF NOT EXISTS ours(x)"); err != nil {
				t.Fatal(err)
			}
			same("our own commit")
			testkit.Fill(t, app, 60, 1)
			v1, err := db.DataVersion(ctx)
			if err != nil || v1 == v0 {
				t.Fatalf("another connection's commit left data_version at %d (%v)", v1, err)
			}
			if err := app.Close(); err != nil {
				t.Fatal(err)
			}
			if v, _ := db.DataVersion(ctx); v != v1 {
				t.Fatalf("the application closing moved data_version %d -> %d", v1, v)
			}
			if mode != "wal" {
				return
			}
			// Another connection resetting the WAL (a TRUNCATE or RESTART
			// checkpoint) does move it: a false "changed", which only
			// costs the caller a redo. The safe direction.
			other := testkit.OpenDB(t, path, "busy_timeout(5000)")
			defer other.Close()
			testkit.Fill(t, other, 70, 1)
			v2, _ := db.DataVersion(ctx)
			if _, err := other.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			if v, _ := db.DataVersion(ctx); v == v2 {
				t.Log("a WAL reset by another connection no longer moves data_version (fine: fewer redos)")
			}
		})
	}
}
