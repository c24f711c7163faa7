package health

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// makeWALDB creates the shared FossaWork-shaped database in WAL mode.
func makeWALDB(t *testing.T, path string) {
	t.Helper()
	testkit.MakeDB(t, path, 1)
	testkit.Exec(t, path, "PRAGMA journal_mode=WAL")
}

func TestProbeDB(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "fossawork_v2.db")
	makeWALDB(t, valid)
	// The driver would cut a plain name at '?', so the odd name is made by
	// renaming a closed database.
	odd := filepath.Join(dir, "odd ?name#%20.db")
	makeWALDB(t, filepath.Join(dir, "plain.db"))
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
		{"valid", valid, true, 7, ""},
		{"special characters in path", odd, true, 7, ""},
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
	makeWALDB(t, p)
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
