package updates

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func copyFixture(t *testing.T, fixture, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(fixturePath(t, fixture))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadLock(t *testing.T) {
	want := map[string]lockEntry{
		"node_modules/alpha":                    {"1.0.0"},
		"node_modules/alpha/node_modules/gamma": {"2.1.0"},
		"node_modules/gamma":                    {"1.4.0"},
	}
	for _, fixture := range []string{"npm_lock_v1.json", "npm_lock_v3.json"} {
		t.Run(fixture, func(t *testing.T) {
			dir := t.TempDir()
			copyFixture(t, fixture, dir, "package-lock.json")
			got, err := readLock(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("got %v; want %v", got, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %+v; want %+v", k, got[k], v)
				}
			}
		})
	}
	t.Run("shrinkwrap first", func(t *testing.T) {
		dir := t.TempDir()
		copyFixture(t, "npm_lock_v3.json", dir, "package-lock.json")
		copyFixture(t, "npm_lock_v1.json", dir, "npm-shrinkwrap.json")
		writeFiles(t, dir, map[string]string{"npm-shrinkwrap.json": `{"lockfileVersion": 3, "packages": {"node_modules/alpha": {"version": "9.0.0"}}}`})
		if got, err := readLock(dir); err != nil || got["node_modules/alpha"].Version != "9.0.0" {
			t.Errorf("got %v, %v; want the shrinkwrap's alpha 9.0.0, as npm reads it", got, err)
		}
	})
	t.Run("none", func(t *testing.T) {
		if _, err := readLock(t.TempDir()); !errors.Is(err, ErrToolMissing) {
			t.Errorf("err = %v; want ErrToolMissing", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		copyFixture(t, "npm_garbage.txt", dir, "package-lock.json")
		if _, err := readLock(dir); err == nil || !strings.Contains(err.Error(), "package-lock.json") {
			t.Errorf("err = %v; want one naming the lockfile", err)
		}
	})
}

// TestNpmChanges: moved, gone and new packages, nested ones by path.
func TestNpmChanges(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, "npm_lock_v3.json", dir, "package-lock.json")
	before, err := readLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"package-lock.json": `{"lockfileVersion": 3, "packages": {
  "": {"name": "frontend"},
  "node_modules/alpha": {"version": "1.1.0"},
  "node_modules/gamma": {"version": "1.4.0"},
  "node_modules/delta": {"version": "0.3.0"}}}`})
	a := &npmApplier{dir: dir}
	got, err := a.changes(before)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{"npm", "alpha", "1.0.0", "1.1.0"},
		{"npm", "alpha/node_modules/gamma", "2.1.0", ""},
		{"npm", "delta", "", "0.3.0"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes = %+v; want %+v", got, want)
	}
}

func TestNpmErrorObject(t *testing.T) {
	tests := []struct {
		fixture  string
		code     string // "" : not an error object
		registry bool
	}{
		{"npm_outdated_econnrefused.json", "ECONNREFUSED", true},
		{"npm11_error_econnrefused.json", "", true}, // npm 11: the reason is in "message"
		{"npm_outdated_error_pkg.json", "-", false}, // a package named "error"
		{"npm_garbage.txt", "-", false},
		{"npm7_clean.json", "-", false},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(fixturePath(t, tt.fixture))
		if err != nil {
			t.Fatal(err)
		}
		e := npmErrorObject(data)
		switch {
		case tt.code == "-" && e != nil:
			t.Errorf("%s: %v; want no error object", tt.fixture, e)
		case tt.code != "-" && e == nil:
			t.Errorf("%s: no error object", tt.fixture)
		case e != nil && (e.Code != tt.code || e.registry() != tt.registry || e.Summary == ""):
			t.Errorf("%s: %+v registry %v; want code %q registry %v and a summary", tt.fixture, e, e.registry(), tt.code, tt.registry)
		}
	}
}
