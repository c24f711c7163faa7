//go:build linux

package sqlitedb

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// mountTmpfs mounts a tmpfs of the given size ("1m") on a new directory,
// or skips the test where mounting is not permitted (not root, or a
// container without CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs on %s (%v): this fault needs root with mount permission", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// remountReadOnly makes a mounted tmpfs read-only: the one way to get an
// unwritable directory as root, who ignores chmod.
func remountReadOnly(t *testing.T, dir, size string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, "size="+size); err != nil {
		t.Skipf("cannot remount %s read-only: %v", dir, err)
	}
}

// readOnlyDir returns a directory this process cannot write to, after
// fill has put files in it: chmod 0555 for an ordinary user, a tmpfs
// remounted read-only for root.
func readOnlyDir(t *testing.T, fill func(dir string)) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		fill(dir)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return dir
	}
	dir := mountTmpfs(t, "16m")
	fill(dir)
	remountReadOnly(t, dir, "16m")
	return dir
}

func isUnwritable(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}

// copyProducers are the two ways this package writes a database copy.
var copyProducers = []struct {
	name string
	run  func(ctx context.Context, src, dst string) error
}{
	{"Backup", func(ctx context.Context, src, dst string) error {
		_, err := Backup(ctx, src, dst, BackupOptions{StepPages: 64})
		return err
	}},
	{"VacuumInto", func(ctx context.Context, src, dst string) error {
		db, err := Open(ctx, src, MaintenanceOptions(true))
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.VacuumInto(ctx, dst)
		return err
	}},
}

// TestCopyIntoFullFilesystem backs up a ~3 MB database into a 1 MB tmpfs:
// a clear error naming the path, nothing left behind, the source intact.
func TestCopyIntoFullFilesystem(t *testing.T) {
	src, _ := makeWALDB(t, t.TempDir(), 8000, 500)
	mainBefore, walBefore := readFile(t, src), readFile(t, src+"-wal")
	for _, p := range copyProducers {
		t.Run(p.name, func(t *testing.T) {
			full := mountTmpfs(t, "1m")
			dst := filepath.Join(full, "backup.db")
			err := p.run(context.Background(), src, dst)
			if err == nil {
				t.Fatal("succeeded on a full filesystem")
			}
			if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), dst) {
				t.Errorf("err = %v, want ErrNoSpace naming %s", err, dst)
			}
			if names := dirEntries(t, full); len(names) != 0 {
				t.Errorf("left %v on the full filesystem", names)
			}
		})
	}
	if string(readFile(t, src)) != string(mainBefore) || string(readFile(t, src+"-wal")) != string(walBefore) {
		t.Error("the source database or its -wal changed")
	}
	if got := rowCount(t, src, "work_orders"); got != 8500 {
		t.Errorf("source has %d work orders, want 8500", got)
	}
}

func TestCopyIntoReadOnlyDirectory(t *testing.T) {
	src := testkit.MakeDBIn(t, t.TempDir(), 200)
	for _, p := range copyProducers {
		t.Run(p.name, func(t *testing.T) {
			ro := readOnlyDir(t, func(string) {})
			dst := filepath.Join(ro, "backup.db")
			err := p.run(context.Background(), src, dst)
			if !isUnwritable(err) || !strings.Contains(err.Error(), ro) {
				t.Fatalf("err = %v, want a read-only or permission error naming %s", err, ro)
			}
			if names := dirEntries(t, ro); len(names) != 0 {
				t.Errorf("left %v", names)
			}
		})
	}
}

// TestInstallFileAcrossFilesystems keeps the rollback point on another
// filesystem, where a hard link is impossible and the file is copied.
func TestInstallFileAcrossFilesystems(t *testing.T) {
	dir := t.TempDir()
	target, src := installFixture(t, dir)
	oldBytes, walBytes := readFile(t, target), readFile(t, target+"-wal")
	other := mountTmpfs(t, "16m")
	asideDir := filepath.Join(other, "maintenance")
	aside, err := InstallFile(context.Background(), src, target, asideDir, "pre.db")
	if err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, aside)) != string(oldBytes) || string(readFile(t, aside+"-wal")) != string(walBytes) {
		t.Error("the copy kept aside differs from the replaced file")
	}
	if names := dirEntries(t, asideDir); len(names) != 2 {
		t.Errorf("aside directory holds %v, want the file and its -wal only", names)
	}
	if got := rowCount(t, aside, "work_orders"); got != 120 {
		t.Errorf("the aside copy with its -wal has %d work orders, want 120", got)
	}
	if got := rowCount(t, target, "work_orders"); got != 40 {
		t.Errorf("installed database has %d work orders, want 40", got)
	}
}

// TestInstallFileReadOnlyTargetDir fails without changing the target or
// its -wal.
func TestInstallFileReadOnlyTargetDir(t *testing.T) {
	var target, src string
	readOnlyDir(t, func(dir string) { target, src = installFixture(t, dir) })
	before := map[string]string{}
	for _, suf := range []string{"", "-wal", "-shm"} {
		before[suf] = string(readFile(t, target+suf))
	}
	asideDir := filepath.Join(t.TempDir(), "maintenance")
	_, err := InstallFile(context.Background(), src, target, asideDir, "pre.db")
	if !isUnwritable(err) {
		t.Fatalf("err = %v, want a read-only or permission error", err)
	}
	for suf, data := range before {
		if string(readFile(t, target+suf)) != data {
			t.Errorf("%s%s changed", target, suf)
		}
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("the new file is gone: %v", err)
	}
}
