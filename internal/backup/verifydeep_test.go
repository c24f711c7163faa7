package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flipBit inverts one bit in the middle of path.
func flipBit(t *testing.T, path string) {
	t.Helper()
	data := mustRead(t, path)
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// listOne lists the layout and returns the backup at path.
func listOne(t *testing.T, layout Layout, path string) Backup {
	t.Helper()
	backups, err := List(context.Background(), layout, createNow.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backups {
		if b.Path == path {
			return b
		}
	}
	t.Fatalf("%s not listed in %+v", path, backups)
	return Backup{}
}

func TestVerifyDeep(t *testing.T) {
	cases := []struct {
		name       string
		kind       Kind
		damage     func(t *testing.T, c Created)
		manifestOK bool
		checkOK    bool
		restoreOK  bool
		errPart    string
	}{
		{"fresh weekly", KindWeekly, func(*testing.T, Created) {}, true, true, true, ""},
		{"fresh daily set", KindDaily, func(*testing.T, Created) {}, true, true, true, ""},
		{"flipped bit", KindWeekly, func(t *testing.T, c Created) { flipBit(t, c.Path) }, false, true, true, "manifest says"},
		{"garbage page", KindWeekly, func(t *testing.T, c Created) { overwritePage(t, c.Path, 2) }, false, false, false, "manifest says"},
		{"no manifest", KindWeekly, func(t *testing.T, c Created) { os.Remove(c.ManifestPath) }, false, true, true, "no manifest"},
		{"malformed manifest", KindWeekly, func(t *testing.T, c Created) {
			os.WriteFile(c.ManifestPath, []byte(`{"sha256": 42`), 0o600)
		}, false, true, true, "malformed manifest "},
		{"changed .env in the set", KindDaily, func(t *testing.T, c Created) {
			os.WriteFile(filepath.Join(c.Dir, ".env"), []byte("SECRET_KEY=changed\n"), 0o600)
		}, false, true, true, ".env"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newInstall(t)
			c, err := Create(context.Background(), in.opts(tc.kind, createNow))
			if err != nil {
				t.Fatal(err)
			}
			tc.damage(t, c)
			b := listOne(t, in.layout, c.Path)
			before := snapshot(t, c.Path)
			r, err := VerifyDeep(context.Background(), b, VerifyOptions{Full: true})
			if err != nil {
				t.Fatalf("VerifyDeep: %v", err)
			}
			if after := snapshot(t, c.Path); before.sum != after.sum || strings.Join(before.entries, ",") != strings.Join(after.entries, ",") {
				t.Fatal("VerifyDeep changed the backup or its directory")
			}
			// A flipped bit may land in free space, which no check sees:
			// only the sha256 must catch it.
			anyCheck := tc.name == "flipped bit"
			if r.ManifestOK != tc.manifestOK || !anyCheck && (r.OK != tc.checkOK || r.RestoreTest.OK != tc.restoreOK) {
				t.Fatalf("manifest %v check %v restore %v; want %v %v %v; problems %q",
					r.ManifestOK, r.OK, r.RestoreTest.OK, tc.manifestOK, tc.checkOK, tc.restoreOK, r.Problems())
			}
			if r.Verified() != (tc.errPart == "") || !strings.Contains(strings.Join(r.Problems(), "\n"), tc.errPart) {
				t.Fatalf("verified %v, problems %q; want %q", r.Verified(), r.Problems(), tc.errPart)
			}
			if r.CheckName != CheckFull {
				t.Errorf("check %s, want integrity_check", r.CheckName)
			}
			if tc.name == "malformed manifest" && !strings.Contains(r.ManifestErr, c.ManifestPath) {
				t.Errorf("manifest error %q does not name %s", r.ManifestErr, c.ManifestPath)
			}
			if tc.restoreOK && r.RestoreTest.OK && (r.RestoreTest.Tables != 2 || r.RestoreTest.Rows["work_orders"] != baseRows || r.RestoreTest.Rows["dispensers"] != walRows) {
				t.Errorf("restore test %+v", r.RestoreTest)
			}
		})
	}
}

// TestVerifyDeepSandboxManifest: a daily set written by the sandbox (or
// the upstream script) in manifest version 1 verifies.
func TestVerifyDeepSandboxManifest(t *testing.T) {
	root := t.TempDir()
	layout := Layout{DailyDir: filepath.Join(root, "daily")}
	if err := os.MkdirAll(filepath.Join(layout.DailyDir, "20250110"), 0o700); err != nil {
		t.Fatal(err)
	}
	db := makeClosedBackup(t, filepath.Join(layout.DailyDir, "20250110", "fossawork_v2.db"), 40)
	res, err := Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	m := strings.NewReplacer(`"size": 4096`, `"size": `+strconv.FormatInt(res.Size, 10), sum0, res.SHA256).Replace(sandboxManifest)
	touch(t, filepath.Join(filepath.Dir(db), DailyManifestName), m)
	r, err := VerifyDeep(context.Background(), listOne(t, layout, db), VerifyOptions{})
	if err != nil || !r.Verified() {
		t.Fatalf("VerifyDeep: %v %q", err, r.Problems())
	}
}

func TestVerifyDeepErrors(t *testing.T) {
	if _, err := VerifyDeep(context.Background(), Backup{Path: t.TempDir(), Kind: KindUnknown}, VerifyOptions{}); err == nil {
		t.Error("unknown kind: no error")
	}
	if _, err := VerifyDeep(context.Background(), Backup{Path: filepath.Join(t.TempDir(), "gone.db"), Kind: KindWeekly}, VerifyOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestNewestVerified(t *testing.T) {
	in := newInstall(t)
	day := func(d int) time.Time { return time.Date(2025, 1, d, 1, 30, 0, 0, est) }
	weekly, err := Create(context.Background(), in.opts(KindWeekly, day(5)))
	if err != nil {
		t.Fatal(err)
	}
	good, err := Create(context.Background(), in.opts(KindDaily, day(8)))
	if err != nil {
		t.Fatal(err)
	}
	corrupt, err := Create(context.Background(), in.opts(KindDaily, day(9)))
	if err != nil {
		t.Fatal(err)
	}
	flipBit(t, corrupt.Path)
	after, err := Create(context.Background(), in.opts(KindMaintenance, day(10)))
	if err != nil {
		t.Fatal(err)
	}
	backups, err := List(context.Background(), in.layout, day(11))
	if err != nil {
		t.Fatal(err)
	}
	firstSeen := day(10).Add(-time.Minute)
	b, r, err := NewestVerified(context.Background(), backups, firstSeen)
	if err != nil {
		t.Fatal(err)
	}
	if b.Path != good.Path || !r.Verified() {
		t.Fatalf("NewestVerified = %s, want %s", b.Path, good.Path)
	}
	// With the good daily gone, the weekly is next; with that gone too,
	// the error says why each candidate was rejected.
	os.Remove(good.ManifestPath)
	backups, _ = List(context.Background(), in.layout, day(11))
	if b, _, err = NewestVerified(context.Background(), backups, firstSeen); err != nil || b.Path != weekly.Path {
		t.Fatalf("NewestVerified without the good daily = %s, %v; want %s", b.Path, err, weekly.Path)
	}
	os.Remove(weekly.ManifestPath)
	backups, _ = List(context.Background(), in.layout, day(11))
	_, _, err = NewestVerified(context.Background(), backups, firstSeen)
	if !errors.Is(err, ErrNoVerifiedBackup) {
		t.Fatalf("no verified backup left: %v", err)
	}
	for _, want := range []string{after.Path + ": taken", corrupt.Path + ": manifest:", good.Path + ": manifest: no manifest", weekly.Path + ": manifest: no manifest"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, _, err = NewestVerified(context.Background(), backups, day(1)); !errors.Is(err, ErrNoVerifiedBackup) || strings.Count(err.Error(), ": taken") != 4 {
		t.Errorf("before every backup: %v", err)
	}
	if _, _, err := NewestVerified(context.Background(), nil, day(5)); !errors.Is(err, ErrNoVerifiedBackup) {
		t.Errorf("no backups: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := NewestVerified(ctx, backups, firstSeen); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
