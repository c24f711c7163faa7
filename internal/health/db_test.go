package health

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeDB creates a real SQLite database with two tables and an index.
func makeDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"PRAGMA journal_mode=WAL",
		"CREATE TABLE work_orders (id INTEGER PRIMARY KEY, store_number TEXT)",
		"CREATE INDEX wo_store ON work_orders(store_number)",
		"CREATE TABLE dispensers (id INTEGER PRIMARY KEY)",
		"INSERT INTO work_orders (store_number) VALUES ('1234')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestProbeDB(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "fossawork_v2.db")
	makeDB(t, valid)
	// The driver would cut a plain name at '?', so the odd name is made by
	// renaming a closed database.
	odd := filepath.Join(dir, "odd ?name#%20.db")
	makeDB(t, filepath.Join(dir, "plain.db"))
	if err := os.Rename(filepath.Join(dir, "plain.db"), odd); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.db")

	tests := []struct {
		name    string
		path    string
		exists  bool
		objects int
		wantErr string
	}{
		{"valid", valid, true, 3, ""},
		{"special characters in path", odd, true, 3, ""},
		{"an empty file is no usable database", empty, true, 0, "no table"},
		{"garbage", garbage, true, 0, "not a database"},
		{"missing", missing, false, 0, "does not exist"},
		{"a parent is a file", filepath.Join(garbage, "fossawork_v2.db"), false, 0, "does not exist"},
		{"a directory", dir, true, 0, "it is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ProbeDB(t.Context(), tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
					t.Fatalf("error %v, want %q naming the path", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if res.Exists != tt.exists || res.Objects != tt.objects {
				t.Fatalf("got %+v", res)
			}
			if tt.wantErr == "" && res.Latency <= 0 {
				t.Fatal("latency not measured")
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal("probe created the missing database")
	}
}

func TestProbeDBDoesNotWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ro.db")
	makeDB(t, p)
	before, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ProbeDB(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatal("read-only probe changed the database file")
	}
}
