package pgdb_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A database owned by a non-superuser role (CREATEDB) in which a
// superuser installed amcheck, as fossamaint's check asks: the dump
// holds CREATE EXTENSION amcheck, which that role may not run. The
// restore test and the restore leave the tool's extensions out, so the
// dump is sound; a refusal of anything else is ErrNoPrivilege ("could
// not verify"), never ErrBadDump.
func TestNonSuperuserOwnerRestoresDump(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := testCtx(t)
	su := c.URL("postgres")
	execSQL(t, su, `CREATE ROLE app LOGIN CREATEDB`, `CREATE DATABASE appdb OWNER app`)
	execSQL(t, c.URL("appdb"), `CREATE EXTENSION amcheck`, `CREATE EXTENSION pgstattuple`)
	appURL := strings.Replace(c.URL("appdb"), "postgres@", "app@", 1)
	seed(t, appURL, 10)
	db := openPG(t, appURL)
	tools := findTools(t, db)
	dr := dumpOf(t, tools, appURL)

	t.Run("restore test", func(t *testing.T) {
		vr, err := pgdb.VerifyDump(ctx, tools, db, dr.Path, pgdb.VerifyOptions{Tables: dr.Tables, Check: true})
		if err != nil || !vr.OK {
			t.Fatalf("VerifyDump: ok=%v problems=%v err=%v", vr.OK, vr.Problems, err)
		}
		if !slices.Equal(vr.SkippedExtensions, []string{"amcheck", "pgstattuple"}) {
			t.Errorf("skipped extensions %v, want amcheck and pgstattuple", vr.SkippedExtensions)
		}
		if vr.Check != nil || !strings.Contains(vr.CheckSkipped, "amcheck") {
			t.Errorf("check %+v, skipped %q: app may not install amcheck in the scratch copy, so no check and why", vr.Check, vr.CheckSkipped)
		}
		noScratch(t, su)
	})
	t.Run("restore", func(t *testing.T) {
		rr, err := pgdb.Restore(ctx, tools, appURL, dr.Path, pgdb.RestoreOptions{Now: time.Now(), Tables: dr.Tables})
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		if rr.Replaced == "" {
			t.Errorf("no replaced database kept: %+v", rr)
		}
		assertCounts(t, appURL, dr.Tables)
	})
}

// A dump holding an extension only a superuser may create, other than
// the tool's own: the non-superuser's restore is refused, which says
// nothing about the dump: ErrNoPrivilege naming the refusal, and the
// target database unchanged.
func TestNonSuperuserRefusalIsNotABadDump(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := testCtx(t)
	su := c.URL("postgres")
	execSQL(t, su, `CREATE ROLE app LOGIN CREATEDB`, `CREATE DATABASE appdb OWNER app`)
	execSQL(t, c.URL("appdb"), `CREATE EXTENSION pg_buffercache`)
	appURL := strings.Replace(c.URL("appdb"), "postgres@", "app@", 1)
	seed(t, appURL, 10)
	db := openPG(t, appURL)
	tools := findTools(t, db)
	dr := dumpOf(t, tools, appURL)

	vr, err := pgdb.VerifyDump(ctx, tools, db, dr.Path, pgdb.VerifyOptions{Tables: dr.Tables})
	if !errors.Is(err, pgdb.ErrNoPrivilege) || errors.Is(err, pgdb.ErrBadDump) {
		t.Fatalf("VerifyDump: err = %v, want ErrNoPrivilege and not ErrBadDump", err)
	}
	if !strings.Contains(err.Error(), `permission denied to create extension "pg_buffercache"`) {
		t.Errorf("the error does not say what was refused: %v", err)
	}
	if vr.OK || len(vr.Problems) > 0 {
		t.Errorf("result %+v: a refused restore test has no verdict", vr)
	}
	_, err = pgdb.Restore(ctx, tools, appURL, dr.Path, pgdb.RestoreOptions{Now: time.Now(), Tables: dr.Tables})
	if !errors.Is(err, pgdb.ErrNoPrivilege) || errors.Is(err, pgdb.ErrBadDump) {
		t.Fatalf("Restore: err = %v, want ErrNoPrivilege and not ErrBadDump", err)
	}
	assertCounts(t, appURL, dr.Tables)
	noScratch(t, su)
}
