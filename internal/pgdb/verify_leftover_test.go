package pgdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// What killed runs leave: scratch databases (dated names, and an undated
// one from before names were dated, dated by its directory instead) and
// restore copies of the database are listed with sizes and dates; the
// database itself, its kept copies and another database's restore copies
// are not. DropScratch drops only scratch databases.
func TestLeftoverDatabases(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := testCtx(t)
	su := c.URL("postgres")
	for _, n := range []string{"fw", "fossamaint_verify_20261128_010000_0123456789abcdef", "fossamaint_verify_0123456789abcdef",
		"fw_restore_20261127_020000", "fw_replaced_20261127_020000", "other_restore_20261127_020000"} {
		execSQL(t, su, "CREATE DATABASE "+n)
	}
	db := openPG(t, c.URL("fw"))
	before := time.Now().Add(-time.Minute)
	left, err := pgdb.LeftoverDatabases(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		scratch bool
		at      time.Time
	}{
		"fossamaint_verify_20261128_010000_0123456789abcdef": {true, time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)},
		"fw_restore_20261127_020000":                         {false, time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)},
		"fossamaint_verify_0123456789abcdef":                 {true, time.Time{}}, // from its directory: now
	}
	if len(left) != len(want) {
		t.Fatalf("leftovers %+v, want %d", left, len(want))
	}
	for _, l := range left {
		w, ok := want[l.Name]
		switch {
		case !ok:
			t.Errorf("%s listed", l.Name)
		case l.Scratch != w.scratch || l.Size <= 0:
			t.Errorf("%+v", l)
		case w.at.IsZero() && l.At.Before(before):
			t.Errorf("%s: date %v, want its directory's (now, the superuser may read it)", l.Name, l.At)
		case !w.at.IsZero() && !l.At.Equal(w.at):
			t.Errorf("%s: date %v, want %v", l.Name, l.At, w.at)
		}
	}
	for _, n := range []string{"fw_restore_20261127_020000", "fw_replaced_20261127_020000", "fw"} {
		if err := pgdb.DropScratch(ctx, db, n); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("DropScratch(%s): %v, want refused", n, err)
		}
	}
	if err := pgdb.DropScratch(ctx, db, "fossamaint_verify_0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if left, _ = pgdb.LeftoverDatabases(ctx, db); len(left) != 2 {
		t.Errorf("after the drop: %+v", left)
	}
}

// A restore test's scratch database carries its date, so that a killed
// run's can be told from a running one's.
func TestScratchNameIsDated(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "app")
	seed(t, url, 5)
	db := openPG(t, url)
	tools := findTools(t, db)
	dr := dumpOf(t, tools, url)
	vr, err := pgdb.VerifyDump(testCtx(t), tools, db, dr.Path, pgdb.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UTC().Format("20060102_")
	if !strings.HasPrefix(vr.Scratch, "fossamaint_verify_"+stamp) {
		t.Errorf("scratch database %s: want fossamaint_verify_YYYYMMDD_HHMMSS_<hex>", vr.Scratch)
	}
}
