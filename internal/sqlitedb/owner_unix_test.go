//go:build unix

package sqlitedb

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// Run as root (a timer), opening a closed WAL database read-only makes its
// -wal and -shm, which SQLite leaves behind when a read-only connection
// closes; they must belong to the database's owner, or the application,
// running as that user, cannot open its database afterwards. SQLite's unix
// VFS does this itself (it chowns journal files to the database's owner
// when run as root); this test keeps it so, for the driver we ship.
func TestSidecarsBelongToTheDatabasesOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to own files as another user")
	}
	const nobody = 65534
	path := filepath.Join(t.TempDir(), "fw.db")
	testkit.Exec(t, path, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	for _, p := range []string{path, filepath.Dir(path)} {
		if err := os.Chown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + s); err == nil {
			t.Fatalf("%s left by the setup", s)
		}
	}
	db, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	made := 0
	for _, s := range []string{"-wal", "-shm"} {
		fi, err := os.Stat(path + s)
		if err != nil {
			continue
		}
		made++
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != nobody || st.Gid != nobody || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: owner %d:%d mode %v, want %d:%d 0640 like the database", s, st.Uid, st.Gid, fi.Mode().Perm(), nobody, nobody)
		}
	}
	if made == 0 {
		t.Fatal("opening made no -wal or -shm: the test checks nothing")
	}
}
