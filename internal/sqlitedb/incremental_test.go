package sqlitedb

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// The switch rides on VACUUM INTO and leaves the source alone; after it,
// deleted rows' pages go back to the filesystem in chunks while another
// connection keeps writing.
func TestSwitchToIncrementalThenReclaimOnline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src := makeFragmentedDB(t, dir, 3000)
	db, err := Open(ctx, src, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SwitchToIncremental(ctx); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "copy.db")
	if _, err := db.VacuumInto(ctx, out); err != nil {
		t.Fatal(err)
	}
	if mode, _ := db.AutoVacuum(ctx); mode != AutoVacuumNone {
		t.Fatalf("the source's auto_vacuum changed to %d", mode)
	}
	db.Close()

	app := testkit.OpenDB(t, out, "journal_mode(WAL)", "busy_timeout(5000)")
	defer app.Close()
	if _, err := app.Exec("DELETE FROM dispensers; DELETE FROM work_orders WHERE rowid > 500"); err != nil {
		t.Fatal(err)
	}
	copyDB, err := Open(ctx, out, MaintenanceOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if mode, _ := copyDB.AutoVacuum(ctx); mode != AutoVacuumIncremental {
		t.Fatalf("copy auto_vacuum %d", mode)
	}
	before := fileSize(t, out)
	done := make(chan error, 1)
	go func() { // the application writes during the reclaim
		for i := range 20 {
			if _, err := app.Exec("UPDATE work_orders SET notes = ? WHERE rowid = 1", i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	res, err := copyDB.IncrementalVacuum(ctx, 16, 0)
	if err != nil {
		t.Fatal(err)
	}
	if werr := <-done; werr != nil {
		t.Fatalf("the writer failed during the reclaim: %v", werr)
	}
	if res.FreedPages == 0 || res.LeftPages != 0 || res.Chunks < 2 {
		t.Fatalf("%+v", res)
	}
	if _, err := copyDB.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if after := fileSize(t, out); after >= before {
		t.Errorf("file %d -> %d bytes", before, after)
	}
	if r, err := copyDB.QuickCheck(ctx); err != nil || !r.OK {
		t.Fatalf("quick_check after the reclaim: %+v %v", r, err)
	}
	// A database not in incremental mode is refused, not half-vacuumed.
	plain, err := Open(ctx, src, MaintenanceOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.IncrementalVacuum(ctx, 16, time.Second); err == nil {
		t.Error("incremental vacuum of an auto_vacuum=none database succeeded")
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
