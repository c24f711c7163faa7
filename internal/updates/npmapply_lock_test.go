package updates

import (
	"encoding/json"
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

// TestNpmAuditFixedBy: an upgrade fixes a finding in its own package when
// it leaves every advisory's range, and one in another package when it
// reaches the version npm names as the fix.
func TestNpmAuditFixedBy(t *testing.T) {
	vulns := map[string]string{
		"direct":     `{"via": [{"title": "t", "range": "<1.0.1"}, {"title": "u", "range": ">=1.0.5 <1.0.7"}], "fixAvailable": true}`,
		"unreadable": `{"via": [{"title": "t", "range": "^1.0.0"}], "fixAvailable": {"name": "alpha", "version": "2.0.0", "isSemVerMajor": true}}`,
		"transitive": `{"via": ["alpha"], "fixAvailable": {"name": "alpha", "version": "1.1.0", "isSemVerMajor": false}}`,
		"nofix":      `{"via": ["alpha"], "fixAvailable": false}`,
	}
	tests := []struct {
		vuln, vulnPkg, item, to string
		want                    bool
	}{
		{"direct", "alpha", "alpha", "1.0.1", true},
		{"direct", "alpha", "alpha", "1.0.0", false},
		{"direct", "alpha", "alpha", "1.0.6", false}, // back into the second advisory
		{"direct", "alpha", "alpha", "1.1.0", true},
		{"direct", "alpha", "beta", "9.0.0", false},
		{"unreadable", "alpha", "alpha", "1.1.0", false},
		{"unreadable", "alpha", "alpha", "2.0.0", true},
		{"transitive", "gamma", "alpha", "1.1.0", true},
		{"transitive", "gamma", "alpha", "1.0.1", false},
		{"transitive", "gamma", "beta", "1.1.0", false},
		{"nofix", "gamma", "alpha", "2.0.0", false},
		{"direct", "alpha", "alpha", "git", false},
	}
	for _, tt := range tests {
		var f npmAuditFix
		if err := json.Unmarshal([]byte(vulns[tt.vuln]), &f); err != nil {
			t.Fatal(err)
		}
		if got := f.fixedBy(tt.vulnPkg, PlanItem{Name: tt.item, To: tt.to, Selected: true}); got != tt.want {
			t.Errorf("%s vulnerability in %s, %s to %s: fixed %v; want %v", tt.vuln, tt.vulnPkg, tt.item, tt.to, got, tt.want)
		}
	}
}
