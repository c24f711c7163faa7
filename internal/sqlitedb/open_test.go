package sqlitedb

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	valid := makeDB(t, dir, 10)
	cases := []struct {
		name    string
		path    string
		opts    Options
		wantErr error
	}{
		{"valid read-only", valid, Options{ReadOnly: true}, nil},
		{"valid read-write", valid, Options{}, nil},
		{"valid immutable", valid, Options{Immutable: true}, nil},
		{"empty file", writeFile(t, filepath.Join(dir, "empty.db"), nil), Options{ReadOnly: true}, nil},
		{"missing read-only", filepath.Join(dir, "missing.db"), Options{ReadOnly: true}, ErrNotExist},
		{"missing read-write", filepath.Join(dir, "missing-rw.db"), Options{}, ErrNotExist},
		{"text file", writeFile(t, filepath.Join(dir, "notes.txt"), []byte("hello, world\n")), Options{ReadOnly: true}, ErrNotDatabase},
		{"zeroes", writeFile(t, filepath.Join(dir, "zero.db"), make([]byte, 8192)), Options{ReadOnly: true}, ErrNotDatabase},
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
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "nope.db"), Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "database path") {
		t.Fatalf("error %v: want fs.ErrNotExist and a hint about the database path", err)
	}
}

func TestOpenPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: root bypasses file permissions, so chmod 000 cannot be observed")
	}
	path := makeDB(t, t.TempDir(), 1)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{ReadOnly: true})
	if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v: want ErrPermission naming %s", err, path)
	}
}

func TestOpenAppliesPragmas(t *testing.T) {
	ctx := context.Background()
	path := makeDB(t, t.TempDir(), 1)
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
	dir := filepath.Join(t.TempDir(), "odd ?#% dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := makeDB(t, t.TempDir(), 3)
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
	o := MaintenanceOptions(true)
	if !o.ReadOnly || o.MmapSize <= 0 || o.CacheSizeKiB <= 0 || o.BusyTimeout <= 0 {
		t.Fatalf("MaintenanceOptions(true) = %+v", o)
	}
}
