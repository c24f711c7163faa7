package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMakeDBAndCount(t *testing.T) {
	path := MakeDB(t, filepath.Join(t.TempDir(), "sub", "fossawork_v2.db"), 25)
	if n := CountRows(t, path, "work_orders"); n != 25 {
		t.Fatalf("work_orders: %d rows, want 25", n)
	}
	db := OpenDB(t, path)
	defer db.Close()
	Fill(t, db, 25, 5)
	if n := QueryInt(t, db, "SELECT count(*) FROM dispensers"); n != 60 {
		t.Fatalf("dispensers: %d rows, want 60", n)
	}
	Exec(t, path, "DELETE FROM dispensers")
	if n := CountRows(t, path, "dispensers"); n != 0 {
		t.Fatalf("dispensers after delete: %d", n)
	}
}

func TestWriteFileModeIsExact(t *testing.T) {
	p := WriteFile(t, filepath.Join(t.TempDir(), "a", "b.txt"), []byte("x"), 0o666)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o666 {
		t.Fatalf("mode %v, want 0666 whatever the umask", fi.Mode().Perm())
	}
}
