package sqlitedb

import (
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/testkit"

	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// installFixture lays out, in dir, a database left by a stopped
// application — fossawork_v2.db (mode 0640) with 100 work orders in the
// main file and 20 more only in its -wal, plus a -shm — and a verified
// replacement with 40 work orders beside it. It returns both paths.
func installFixture(t *testing.T, dir string) (target, src string) {
	t.Helper()
	live, _ := makeWALDB(t, t.TempDir(), 100, 20)
	target = filepath.Join(dir, "fossawork_v2.db")
	for _, suf := range []string{"", "-wal", "-shm"} {
		testkit.WriteFile(t, target+suf, readFile(t, live+suf), 0o600)
	}
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	fresh := testkit.MakeDBIn(t, t.TempDir(), 40)
	src = filepath.Join(dir, ".fossawork_v2.db.new")
	if _, err := Backup(context.Background(), fresh, src, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	return target, src
}

func TestInstallFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	oldBytes, walBytes := readFile(t, target), readFile(t, target+"-wal")
	newBytes := readFile(t, src)
	root := runtime.GOOS != "windows" && os.Geteuid() == 0
	if root {
		if err := os.Lchown(target, 1234, 1234); err != nil {
			t.Fatal(err)
		}
	}
	asideDir := filepath.Join(dir, "backups", "maintenance")
	aside, err := InstallFile(context.Background(), src, target, asideDir, "pre.db")
	if err != nil {
		t.Fatal(err)
	}
	if aside != filepath.Join(asideDir, "pre.db") {
		t.Errorf("aside = %q", aside)
	}
	if string(readFile(t, aside)) != string(oldBytes) || string(readFile(t, aside+"-wal")) != string(walBytes) {
		t.Error("the file kept aside (or its -wal) differs from the replaced one")
	}
	if got := rowCount(t, aside, "work_orders"); got != 120 {
		t.Errorf("rollback point has %d work orders, want all 120 (its -wal kept with it)", got)
	}
	if string(readFile(t, target)) != string(newBytes) {
		t.Error("target does not hold the new file")
	}
	for _, suf := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(target + suf); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale %s%s left beside the new database", target, suf)
		}
	}
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the source name %s still exists", src)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 as before", fi.Mode().Perm())
	}
	if uid, gid, ok := durable.FileOwner(fi); root && ok && (uid != 1234 || gid != 1234) {
		t.Errorf("owner %d:%d, want 1234:1234 as before", uid, gid)
	}
	if got := rowCount(t, target, "work_orders"); got != 40 {
		t.Errorf("installed database has %d work orders, want 40", got)
	}
	// Running it again finds the source gone and changes nothing.
	if _, err := InstallFile(context.Background(), src, target, asideDir, "pre.db"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("re-run: err = %v, want ErrNotExist", err)
	}
	if string(readFile(t, target)) != string(newBytes) || string(readFile(t, aside)) != string(oldBytes) {
		t.Error("the re-run changed a file")
	}
}

func TestInstallFileWithoutTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	for _, suf := range []string{"", "-shm"} {
		os.Remove(target + suf)
	}
	// An orphaned -wal must not be replayed into the new file.
	asideDir := filepath.Join(dir, "aside")
	aside, err := InstallFile(context.Background(), src, target, asideDir, "pre.db")
	if err != nil || aside != "" {
		t.Fatalf("InstallFile = %q, %v; want \"\", nil", aside, err)
	}
	if got := rowCount(t, target, "work_orders"); got != 40 {
		t.Errorf("installed database has %d work orders, want 40", got)
	}
	if _, err := os.Stat(target + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the orphaned -wal is still beside the new database")
	}
	if _, err := os.Stat(filepath.Join(asideDir, "pre.db-wal")); err != nil {
		t.Errorf("the orphaned -wal was not kept aside: %v", err)
	}
}

// TestInstallFileResumes re-runs after an interruption that had already
// linked the old file aside: the aside is recognised and the swap ends.
func TestInstallFileResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	oldBytes := readFile(t, target)
	asideDir := filepath.Join(dir, "aside")
	if err := os.MkdirAll(asideDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := keepAside(context.Background(), target, filepath.Join(asideDir, "pre.db")); err != nil {
		t.Fatal(err)
	}
	aside, err := InstallFile(context.Background(), src, target, asideDir, "pre.db")
	if err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, aside)) != string(oldBytes) {
		t.Error("rollback point changed")
	}
	if got := rowCount(t, target, "work_orders"); got != 40 {
		t.Errorf("installed database has %d work orders, want 40", got)
	}
}

func TestInstallFileFailuresLeaveTarget(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir, target, src string) (newSrc, asideDir, asideName string)
		wantMsg string
	}{
		{"source missing", func(t *testing.T, dir, target, src string) (string, string, string) {
			return filepath.Join(dir, "missing.db"), filepath.Join(dir, "aside"), "pre.db"
		}, "no such file"},
		{"source in another directory", func(t *testing.T, dir, target, src string) (string, string, string) {
			other := filepath.Join(t.TempDir(), "new.db")
			testkit.WriteFile(t, other, readFile(t, src), 0o600)
			return other, filepath.Join(dir, "aside"), "pre.db"
		}, "same directory"},
		{"source is the target", func(t *testing.T, dir, target, src string) (string, string, string) {
			return target, filepath.Join(dir, "aside"), "pre.db"
		}, "same file"},
		{"aside name is a path", func(t *testing.T, dir, target, src string) (string, string, string) {
			return src, dir, "../pre.db"
		}, "plain file name"},
		{"the new file still has data in its -wal", func(t *testing.T, dir, target, src string) (string, string, string) {
			testkit.WriteFile(t, src+"-wal", []byte("frames"), 0o600)
			return src, filepath.Join(dir, "aside"), "pre.db"
		}, "close every connection"},
		{"a different rollback point already exists", func(t *testing.T, dir, target, src string) (string, string, string) {
			aside := filepath.Join(dir, "aside")
			os.MkdirAll(aside, 0o700)
			testkit.WriteFile(t, filepath.Join(aside, "pre.db"), []byte("an older rollback point"), 0o600)
			return src, aside, "pre.db"
		}, "refusing to overwrite"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target, src := installFixture(t, dir)
			before := map[string]string{}
			for _, suf := range []string{"", "-wal", "-shm"} {
				before[suf] = string(readFile(t, target+suf))
			}
			newSrc, asideDir, asideName := tc.prepare(t, dir, target, src)
			_, err := InstallFile(context.Background(), newSrc, target, asideDir, asideName)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %v, want it to say %q", err, tc.wantMsg)
			}
			for suf, data := range before {
				if string(readFile(t, target+suf)) != data {
					t.Errorf("%s%s changed", target, suf)
				}
			}
		})
	}
}

// TestInstallPutBack is the rollback of the sidecar removal when the
// final rename fails.
func TestInstallPutBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	walBytes := readFile(t, target+"-wal")
	in, err := newInstall(src, target, filepath.Join(dir, "aside"), "pre.db")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "aside"), 0o700)
	removed, err := in.clearSidecars(context.Background())
	if err != nil || len(removed) != 1 {
		t.Fatalf("clearSidecars = %v, %v", removed, err)
	}
	if err := in.putBack(context.Background(), removed); err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, target+"-wal")) != string(walBytes) {
		t.Error("the -wal was not put back")
	}
	if got := rowCount(t, target, "work_orders"); got != 120 {
		t.Errorf("old database has %d work orders after the put-back, want 120", got)
	}
}

// TestInstallFileDropsEmptyWAL: after wal_checkpoint(TRUNCATE) the -wal is
// empty; it holds nothing, so no empty file is kept beside the aside copy.
func TestInstallFileDropsEmptyWAL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	testkit.WriteFile(t, target+"-wal", nil, 0o600)
	asideDir := filepath.Join(dir, "aside")
	if _, err := InstallFile(context.Background(), src, target, asideDir, "pre.db"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(asideDir, "pre.db-wal")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an empty -wal was kept aside: %v", err)
	}
	if _, err := os.Stat(target + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the empty -wal is still beside the new database")
	}
}
