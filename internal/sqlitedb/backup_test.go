package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// makeWALDB creates a database of n work orders, switches it to WAL with
// automatic checkpoints off and commits extra more work orders that stay
// in the -wal file. The returned connection keeps them there until the
// test ends (closing the last connection would checkpoint them).
func makeWALDB(t testing.TB, dir string, n, extra int) (string, *sql.DB) {
	t.Helper()
	path := testkit.MakeDBIn(t, dir, n)
	db := testkit.OpenDB(t, path, "journal_mode(WAL)", "wal_autocheckpoint(0)", "busy_timeout(5000)")
	t.Cleanup(func() { db.Close() })
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v", mode, err)
	}
	if extra > 0 {
		testkit.Fill(t, db, n, extra)
	}
	return path, db
}

func rowCount(t testing.TB, path, table string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx, []string{table})
	if err != nil {
		t.Fatal(err)
	}
	return st.Rows[0].Rows
}

// assertGoodBackup checks what every backup must be: integrity_check ok,
// one file in rollback-journal mode with nothing beside it, mode 0600.
func assertGoodBackup(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.IntegrityCheck(ctx, 0)
	if err != nil || !res.OK {
		t.Fatalf("integrity_check of %s: %+v, %v", path, res, err)
	}
	hdr := readFile(t, path)[:100]
	if hdr[18] != 1 || hdr[19] != 1 {
		t.Errorf("header bytes 18-19 = %d %d, want 1 1 (rollback-journal mode)", hdr[18], hdr[19])
	}
	for _, suf := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suf); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s%s exists beside the backup", path, suf)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestBackupIncludesWALCommits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src, _ := makeWALDB(t, dir, 300, 200)
	// The seed's cp: only the main file. It misses what is in the -wal.
	plain := testkit.WriteFile(t, filepath.Join(t.TempDir(), "plain-copy.db"), readFile(t, src), 0o600)
	if got := rowCount(t, plain, "work_orders"); got >= 500 {
		t.Fatalf("a plain copy of the main file has %d work orders; the test needs commits only in the -wal", got)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	var calls []int
	res, err := Backup(ctx, src, dst, BackupOptions{StepPages: 16, Progress: func(done, total int) {
		calls = append(calls, done)
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowCount(t, dst, "work_orders"); got != 500 {
		t.Errorf("backup has %d work orders, want 500", got)
	}
	assertGoodBackup(t, dst)
	if len(calls) < 2 || !slices.IsSorted(calls) || calls[len(calls)-1] != int(res.PageCount) {
		t.Errorf("progress calls %v, want several, rising to %d", calls, res.PageCount)
	}
	fi, _ := os.Stat(dst)
	if res.Path != dst || res.Size != fi.Size() || res.Size != res.PageSize*res.PageCount || res.Duration <= 0 {
		t.Errorf("result %+v does not describe %s (%d bytes)", res, dst, fi.Size())
	}
}

// TestBackupWithConcurrentWriter lets a writer commit between every two
// steps of a backup copying four pages per step. The copy must be one
// consistent snapshot (every work order has its two dispensers) and must
// not restart: SQLite restarts a backup whose source changed between
// steps unless the snapshot is held, which under a steady writer never
// finishes.
func TestBackupWithConcurrentWriter(t *testing.T) {
	dir := t.TempDir()
	src, writer := makeWALDB(t, dir, 800, 0)
	before := rowCount(t, src, "work_orders")
	commits := make(chan int, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		werr = writeUntil(writer, 800, stop, commits)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := 0
	res, err := Backup(ctx, src, filepath.Join(dir, "backup.db"), BackupOptions{StepPages: 4, Progress: func(done, total int) {
		steps++
		if steps > 1000 {
			cancel() // restarting forever
		}
		select {
		case <-commits:
		case <-time.After(30 * time.Second):
			t.Error("the writer made no progress during the backup")
			cancel()
		}
	}})
	close(stop)
	wg.Wait()
	if err != nil || werr != nil {
		t.Fatalf("backup: %v after %d steps; writer: %v", err, steps, werr)
	}
	if want := int(res.PageCount+3) / 4; steps != want {
		t.Errorf("%d steps for %d pages, want %d: the backup restarted", steps, res.PageCount, want)
	}
	assertGoodBackup(t, res.Path)
	orders, disps := rowCount(t, res.Path, "work_orders"), rowCount(t, res.Path, "dispensers")
	if orders < before || disps != 2*orders {
		t.Errorf("backup has %d work orders and %d dispensers; want >= %d and twice as many dispensers", orders, disps, before)
	}
	if after := rowCount(t, src, "work_orders"); after < before+int64(steps) {
		t.Errorf("the source has %d work orders, want at least %d", after, before+int64(steps))
	}
}

// writeUntil commits one work order with two dispensers per transaction
// until stop closes, reporting each commit on commits.
func writeUntil(db *sql.DB, from int, stop <-chan struct{}, commits chan<- int) error {
	for i := from; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		id := fmt.Sprintf("wo-%08d", i)
		_, err = tx.Exec(`INSERT INTO work_orders VALUES (?, 'u1', 'Site', 'pending', '', '2025-01-13')`, id)
		for j := 0; err == nil && j < 2; j++ {
			_, err = tx.Exec(`INSERT INTO dispensers VALUES (?, ?, '1/2', 'Wayne')`, fmt.Sprintf("%s-d%d", id, j), id)
		}
		if err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		select {
		case commits <- i:
		case <-stop:
			return nil
		}
	}
}

func TestBackupCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	src := testkit.MakeDBIn(t, dir, 1000)
	srcBytes := readFile(t, src)
	out := t.TempDir()
	dst := filepath.Join(out, "backup.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Backup(ctx, src, dst, BackupOptions{StepPages: 2, Progress: func(done, total int) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if names := dirEntries(t, out); len(names) != 0 {
		t.Errorf("left %v in the destination directory", names)
	}
	if string(readFile(t, src)) != string(srcBytes) {
		t.Error("the source changed")
	}
}

func TestBackupErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src := testkit.MakeDBIn(t, dir, 50)
	cases := []struct {
		name, src, dst string
		want           error
		wantMsg        string
	}{
		{"missing source", filepath.Join(dir, "missing.db"), filepath.Join(dir, "b1.db"), ErrNotExist, "missing.db"},
		{"source not a database", testkit.WriteFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600), filepath.Join(dir, "b2.db"), ErrNotDatabase, "notes.txt"},
		{"destination is the source", src, src, nil, "is the database itself"},
		{"destination directory missing", src, filepath.Join(dir, "nope", "b3.db"), fs.ErrNotExist, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Backup(ctx, tc.src, tc.dst, BackupOptions{})
			if err == nil {
				t.Fatal("Backup succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %v, want it to mention %q", err, tc.wantMsg)
			}
		})
	}
	if got := rowCount(t, src, "work_orders"); got != 50 {
		t.Errorf("source has %d work orders after the failures, want 50", got)
	}
}

// TestBackupLockedSource holds an exclusive lock on a rollback-journal
// database: the backup waits its busy timeout, retries, then says so.
func TestBackupLockedSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := testkit.MakeDBIn(t, dir, 50)
	unlock := lockExclusive(t, src)
	defer unlock()
	dst := filepath.Join(dir, "backup.db")
	_, err := Backup(context.Background(), src, dst, BackupOptions{BusyTimeout: 20 * time.Millisecond})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("err = %v, want ErrBusy saying the database is locked", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file exists under %s", dst)
	}
}

// lockExclusive takes an exclusive lock on path from another connection,
// as a writer in the middle of a transaction would.
func lockExclusive(t testing.TB, path string) (unlock func()) {
	t.Helper()
	db := testkit.OpenDB(t, path)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

// TestBackupRestoreDirection copies a backup file back beside a live
// database, as a restore does before InstallFile.
func TestBackupRestoreDirection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	live := t.TempDir()
	backup := filepath.Join(t.TempDir(), "weekly.db")
	src, _ := makeWALDB(t, live, 100, 20)
	if _, err := Backup(ctx, src, backup, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(live, ".fossawork_v2.db.restore")
	if _, err := Backup(ctx, backup, back, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	assertGoodBackup(t, back)
	if got := rowCount(t, back, "work_orders"); got != 120 {
		t.Errorf("restored copy has %d work orders, want 120", got)
	}
}

func TestRetryBusy(t *testing.T) {
	busy := fmt.Errorf("step: %w", ErrBusy)
	other := errors.New("disk I/O error")
	cases := []struct {
		name      string
		failures  int
		failWith  error
		wantCalls int
		wantErr   error
	}{
		{"succeeds at once", 0, nil, 1, nil},
		{"busy twice then ok", 2, busy, 3, nil},
		{"busy beyond the budget", 100, busy, busyRetries + 1, ErrBusy},
		{"other errors are not retried", 5, other, 1, other},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := retryBusy(context.Background(), func() error {
				calls++
				if calls <= tc.failures {
					return tc.failWith
				}
				return nil
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("calls %d, err %v; want %d, %v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retryBusy(ctx, func() error { return busy }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled retry: %v", err)
	}
}
