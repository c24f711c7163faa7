package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	valid := testkit.MakeDBIn(t, dir, 10)
	cases := []struct {
		name    string
		path    string
		opts    Options
		wantErr error
	}{
		{"valid read-only", valid, Options{ReadOnly: true}, nil},
		{"valid read-write", valid, Options{}, nil},
		{"valid immutable", valid, Options{Immutable: true}, nil},
		{"empty file", testkit.WriteFile(t, filepath.Join(dir, "empty.db"), nil, 0o600), Options{ReadOnly: true}, nil},
		{"missing read-only", filepath.Join(dir, "missing.db"), Options{ReadOnly: true}, ErrNotExist},
		{"missing read-write", filepath.Join(dir, "missing-rw.db"), Options{}, ErrNotExist},
		{"text file", testkit.WriteFile(t, filepath.Join(dir, "notes.txt"), []byte("hello, world\n"), 0o600), Options{ReadOnly: true}, ErrNotDatabase},
		{"zeroes", testkit.WriteFile(t, filepath.Join(dir, "zero.db"), make([]byte, 8192), 0o600), Options{ReadOnly: true}, ErrNotDatabase},
		{"directory", dir, Options{ReadOnly: true}, ErrNotDatabase},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path, tc.opts)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded, want %v", tc.wantErr)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Open error %v, want it to wrap %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	for _, name := range []string{"missing.db", "missing-rw.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was created by Open (stat: %v)", name, err)
		}
	}
}

func TestOpenMissingWrapsFSError(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "nope.db"), Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "database path") {
		t.Fatalf("error %v: want fs.ErrNotExist and a hint about the database path", err)
	}
}

func TestOpenPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: root bypasses file permissions, so chmod 000 cannot be observed")
	}
	path := testkit.MakeDBIn(t, t.TempDir(), 1)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{ReadOnly: true})
	if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v: want ErrPermission naming %s", err, path)
	}
}

func TestOpenAppliesPragmas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := testkit.MakeDBIn(t, t.TempDir(), 1)
	opts := Options{ReadOnly: true, BusyTimeout: 1500 * time.Millisecond, MmapSize: 64 << 20, CacheSizeKiB: 32 << 10}
	db, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]int64{"busy_timeout": 1500, "mmap_size": 64 << 20, "cache_size": -(32 << 10), "query_only": 0}
	for pragma, v := range want {
		var got int64
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != v {
			t.Errorf("PRAGMA %s = %d, want %d", pragma, got, v)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM users"); !errors.Is(classify(err), ErrPermission) {
		t.Errorf("write on a read-only connection: %v, want a read-only error", err)
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "odd ?#% dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := testkit.MakeDBIn(t, t.TempDir(), 3)
	odd := filepath.Join(dir, "data?x=1#frag.db")
	if err := os.Rename(path, odd); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), odd, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(context.Background(), []string{"work_orders"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows[0].Rows != 3 {
		t.Fatalf("rows = %+v, want 3", st.Rows)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"data?x=1#frag.db"}) {
		t.Fatalf("directory holds %q: Open touched other files", got)
	}
}

func TestMaintenanceOptions(t *testing.T) {
	t.Parallel()
	o := MaintenanceOptions(true)
	if !o.ReadOnly || o.MmapSize <= 0 || o.CacheSizeKiB <= 0 || o.BusyTimeout <= 0 {
		t.Fatalf("MaintenanceOptions(true) = %+v", o)
	}
}

// TestOpenNotAUsableFile: what is not a database file is refused before
// SQLite sees it, naming the file: a symlink loop, a FIFO (which would
// block the open for ever), a URL (never cleaned into a path: that
// turned postgres://u:pw@h into postgres:/u:pw@h, past redaction) and a
// path through a file.
func TestOpenNotAUsableFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop.db")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.db")
	if out, err := exec.Command("mkfifo", fifo).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v %s", err, out)
	}
	file := testkit.WriteFile(t, filepath.Join(dir, "file"), []byte("x"), 0o600)
	cases := []struct {
		name, path string
		want       error
		says       string
	}{
		{"symlink loop", loop, ErrNotDatabase, "symbolic links"},
		{"fifo", fifo, ErrNotDatabase, "named pipe"},
		{"url", "postgres://fossa:pw9876543@db/x", ErrNotDatabase, "URL"},
		{"file url", "file:///srv/fossawork.db", ErrNotDatabase, "URL"},
		{"path through a file", filepath.Join(file, "x.db"), ErrNotExist, "not a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				db, err := Open(context.Background(), tc.path, Options{ReadOnly: true})
				if err == nil {
					db.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Open blocked")
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Open = %v, want %v naming %s and saying %q", err, tc.want, tc.path, tc.says)
			}
		})
	}
}

// TestRequireTables: a database without tables, a 0-byte file being one,
// is ErrEmpty: not the application's database whatever its integrity.
func TestRequireTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	schemaless := filepath.Join(dir, "schemaless.db")
	db := testkit.OpenDB(t, schemaless)
	if _, err := db.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cases := []struct {
		name, path string
		want       error
	}{
		{"tables", testkit.MakeDBIn(t, dir, 3), nil},
		{"0-byte file", testkit.WriteFile(t, filepath.Join(dir, "empty.db"), nil, 0o600), ErrEmpty},
		{"no tables", schemaless, ErrEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(context.Background(), tc.path, MaintenanceOptions(true))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.RequireTables(context.Background())
			if !errors.Is(err, tc.want) || (err != nil && !strings.Contains(err.Error(), tc.path)) {
				t.Fatalf("RequireTables = %v, want %v naming the file", err, tc.want)
			}
		})
	}
}

// TestDriverErrorMessages drives real SQLite failures through wrap: each
// says what happened in SQLite's words and the code's name, what to do,
// names the file and matches its sentinel. SQLITE_FULL comes from
// max_page_count, on a write and on the online backup API, whose error
// modernc words as "database or disk is full: not an error (13)".
func TestDriverErrorMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name     string
		fail     func(t *testing.T) (*DB, error)
		sentinel error
		says     []string
	}{
		{"full on a write", fullOnWrite, ErrNoSpace, []string{"disk is full (SQLITE_FULL)", "free space"}},
		{"full in a backup", fullInBackup, ErrNoSpace, []string{"disk is full (SQLITE_FULL)", "free space"}},
		{"read-only", readOnlyWrite, ErrPermission, []string{"readonly database (SQLITE_READONLY)", "owner"}},
		{"busy", busyWrite, ErrBusy, []string{"database is locked (SQLITE_BUSY)", "stop the writer or retry"}},
		{"corrupt", corruptRead, ErrCorrupt, []string{"malformed (SQLITE_CORRUPT)", "restore from the newest verified backup"}},
		{"cannot open", cannotOpen, nil, []string{"unable to open database file (SQLITE_CANTOPEN)", "directory"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, raw := tc.fail(t)
			if raw == nil {
				t.Fatal("the fault did not fail")
			}
			err := db.wrap(ctx, "testing", raw)
			msg := err.Error()
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("%q does not match %v", msg, tc.sentinel)
			}
			for _, s := range append(tc.says, db.path) {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %q", msg, s)
				}
			}
			if strings.Contains(msg, "not an error") {
				t.Errorf("%q carries the driver's stray text", msg)
			}
		})
	}
}

func openRW(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func fullOnWrite(t *testing.T) (*DB, error) {
	db := openRW(t, testkit.MakeDBIn(t, t.TempDir(), 10))
	var pages int
	if err := db.SQL().QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	_, err := db.SQL().Exec("CREATE TABLE big AS SELECT randomblob(200000) AS b")
	return db, err
}

func fullInBackup(t *testing.T) (*DB, error) {
	db := openRW(t, testkit.MakeDBIn(t, t.TempDir(), 500))
	dst := testkit.WriteFile(t, filepath.Join(t.TempDir(), "copy.db"), nil, 0o600)
	conn, err := db.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	uri := dsn(dst, Options{}) + "&" + url.Values{"_pragma": {"max_page_count(2)"}}.Encode()
	return db, conn.Raw(func(dc any) error {
		bk, err := dc.(backuper).NewBackup(uri)
		if err != nil {
			t.Fatal(err)
		}
		return runSteps(context.Background(), bk, 1, nil)
	})
}

func readOnlyWrite(t *testing.T) (*DB, error) {
	db, err := Open(context.Background(), testkit.MakeDBIn(t, t.TempDir(), 1), Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.SQL().Exec("DELETE FROM work_orders")
	return db, err
}

func busyWrite(t *testing.T) (*DB, error) {
	path := testkit.MakeDBIn(t, t.TempDir(), 1)
	db := openRW(t, path) // no busy timeout: the lock fails at once
	holder := testkit.OpenDB(t, path)
	t.Cleanup(func() { holder.Close() })
	if _, err := holder.Exec("BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	_, err := db.SQL().Exec("DELETE FROM work_orders")
	return db, err
}

func corruptRead(t *testing.T) (*DB, error) {
	path := testkit.MakeDBIn(t, t.TempDir(), 200)
	corruptRoot(t, path, "work_orders")
	db := openRW(t, path)
	var n sql.NullInt64 // a table scan: count(*) could use an index
	return db, db.SQL().QueryRow("SELECT sum(length(notes)) FROM work_orders").Scan(&n)
}

// cannotOpen points a connection at a file in a directory that is gone.
func cannotOpen(t *testing.T) (*DB, error) {
	path := filepath.Join(t.TempDir(), "gone", "x.db")
	raw, err := sql.Open("sqlite", dsn(path, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	db := &DB{path: path, sql: raw}
	_, err = raw.Exec("SELECT 1 FROM sqlite_schema")
	return db, err
}

// TestResultCodeTable: every primary code in the table, including those
// no test here can provoke (IOERR, PERM), has SQLite's words, its name and
// what to do.
func TestResultCodeTable(t *testing.T) {
	t.Parallel()
	for code, rc := range resultCodes {
		if !strings.Contains(rc.what, "(SQLITE_") || rc.todo == "" {
			t.Errorf("code %d: %+v lacks its name or what to do", code, rc)
		}
	}
	for _, code := range []int{sqlite3.SQLITE_FULL, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_PERM} {
		if _, ok := resultCodes[code]; !ok {
			t.Errorf("code %d is not in the table", code)
		}
	}
}
