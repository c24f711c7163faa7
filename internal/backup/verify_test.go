package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func makeBackup(t *testing.T, path string, rows int, pragmas ...string) *sql.DB {
	t.Helper()
	db := testkit.OpenDB(t, path, pragmas...)
	stmts := []string{
		`CREATE TABLE work_orders (id TEXT PRIMARY KEY, site_name TEXT NOT NULL, status TEXT)`,
		`CREATE TABLE dispensers (id TEXT PRIMARY KEY, work_order_id TEXT NOT NULL)`,
		`CREATE INDEX ix_status ON work_orders(status)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if _, err := tx.Exec(`INSERT INTO work_orders VALUES (?, ?, 'pending')`, fmt.Sprintf("wo-%06d", i), fmt.Sprintf("Site %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

func makeClosedBackup(t *testing.T, path string, rows int, pragmas ...string) string {
	t.Helper()
	if err := makeBackup(t, path, rows, pragmas...).Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

type fileState struct {
	entries []string
	sum     [32]byte
	mtime   time.Time
}

func snapshot(t *testing.T, path string) fileState {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var st fileState
	for _, e := range ents {
		st.entries = append(st.entries, e.Name())
	}
	if fi, err := os.Stat(path); err == nil {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st.sum, st.mtime = sha256.Sum256(data), fi.ModTime()
	}
	return st
}

func TestVerify(t *testing.T) {
	type fixture func(t *testing.T, dir string) string
	inDir := func(name string, data []byte) fixture {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	valid := func(t *testing.T, dir string) string {
		return makeClosedBackup(t, filepath.Join(dir, "fossawork_v2_full_20250111_020000.db"), 500)
	}
	cases := []struct {
		name     string
		make     fixture
		wantOK   bool
		tables   int
		wantMsgs []string
	}{
		{"valid", valid, true, 2, nil},
		{"WAL-mode file, no sidecars", func(t *testing.T, dir string) string {
			return makeClosedBackup(t, filepath.Join(dir, "wal.db"), 500, "journal_mode(WAL)")
		}, true, 2, nil},
		{"empty file", inDir("empty.db", nil), false, 0, []string{"empty database: no tables"}},
		{"garbage", inDir("garbage.db", []byte(strings.Repeat("not sqlite ", 500))), false, 0, []string{"not an SQLite database"}},
		{"truncated", func(t *testing.T, dir string) string {
			data, err := os.ReadFile(valid(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			return inDir("truncated.db", data[:len(data)/2])(t, dir)
		}, false, 0, []string{"quick_check failed"}},
		{"garbage over a page", func(t *testing.T, dir string) string {
			p := valid(t, dir)
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 1024)), 4096); err != nil {
				t.Fatal(err)
			}
			return p
		}, false, 2, []string{"quick_check failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.make(t, t.TempDir())
			before := snapshot(t, path)
			res, err := Verify(context.Background(), path)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			after := snapshot(t, path)
			if !slices.Equal(before.entries, after.entries) || before.sum != after.sum || !before.mtime.Equal(after.mtime) {
				t.Fatalf("Verify modified the backup or its directory: %q -> %q", before.entries, after.entries)
			}
			if res.OK != tc.wantOK || res.Tables != tc.tables {
				t.Errorf("OK %v tables %d, want %v %d; messages %q", res.OK, res.Tables, tc.wantOK, tc.tables, res.Messages)
			}
			if got := hex.EncodeToString(before.sum[:]); res.SHA256 != got || res.Size != int64(len(mustRead(t, path))) {
				t.Errorf("sha256 %s size %d, want %s", res.SHA256, res.Size, got)
			}
			for _, m := range tc.wantMsgs {
				if !slices.ContainsFunc(res.Messages, func(s string) bool { return strings.Contains(s, m) }) {
					t.Errorf("messages %q lack %q", res.Messages, m)
				}
			}
			if tc.wantOK && len(res.Messages) != 0 {
				t.Errorf("OK with messages %q", res.Messages)
			}
		})
	}
}

// TestVerifyWithLiveWAL: a -wal beside the file means the file alone is
// not the whole database; Verify says so and creates nothing.
func TestVerifyWithLiveWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.db")
	writer := makeBackup(t, path, 50, "journal_mode(WAL)", "wal_autocheckpoint(0)")
	defer writer.Close()
	if _, err := writer.Exec(`INSERT INTO dispensers VALUES ('d1', 'wo-000001')`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, path)
	res, err := Verify(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, path); !slices.Equal(before.entries, after.entries) {
		t.Fatalf("Verify created files: %q -> %q", before.entries, after.entries)
	}
	if !slices.ContainsFunc(res.Messages, func(s string) bool { return strings.Contains(s, "-wal exists beside the backup") }) {
		t.Fatalf("messages %q do not mention the -wal file", res.Messages)
	}
}

func TestVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Verify(context.Background(), filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := Verify(context.Background(), dir); err == nil {
		t.Errorf("directory: no error")
	}
	path := makeClosedBackup(t, filepath.Join(dir, "b.db"), 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v, want context.Canceled", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
