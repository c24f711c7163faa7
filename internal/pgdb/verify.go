package pgdb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// VerifyOptions say what a restore test compares.
type VerifyOptions struct {
	// Tables are the row counts the dump must restore to (its
	// manifest's); nil: not compared.
	Tables map[string]int64
	// Check runs Check (pg_amcheck, installing amcheck in the scratch
	// database, which is ours, when the user may) on the restored copy.
	Check bool
}

// VerifyResult is a restore test's outcome. OK is false, with Problems,
// when the dump fails to restore, its counts differ or the check finds
// corruption; the error returned with it then wraps ErrBadDump.
type VerifyResult struct {
	Path string
	// Scratch is the database restored into (dropped afterwards).
	Scratch  string
	Tables   map[string]int64
	Problems []string
	// Check is the check of the restored copy (nil: not run).
	Check *CheckResult
	// CheckSkipped says why the check asked for did not run (amcheck
	// could not be installed in the scratch copy: not a superuser).
	CheckSkipped string
	// SkippedExtensions are the extensions fossamaint itself installs
	// (amcheck, pgstattuple) that the dump holds and the restore test
	// left out: only a superuser may create them.
	SkippedExtensions []string
	OK                bool
	RestoreDuration   time.Duration
	Duration          time.Duration
}

// scratchPrefix begins the name of every database VerifyDump makes
// (scratchName).
const scratchPrefix = "fossamaint_verify_"

// VerifyDump restores path into a new scratch database on db's server
// (pg_restore --exit-on-error --single-transaction --no-owner, without
// the amcheck and pgstattuple extensions: restoreDump), counts
// every user table's rows and compares them with o.Tables, runs the
// check when asked, and drops the scratch database: also after a
// failure or a cancelled ctx (with a fresh context). A restore refused a
// privilege is ErrNoPrivilege ("could not verify"), not ErrBadDump.
func VerifyDump(ctx context.Context, tools Tools, db *DB, path string, o VerifyOptions) (res VerifyResult, err error) {
	start := time.Now()
	res = VerifyResult{Path: path, Scratch: scratchName(start)}
	defer func() { res.Duration = time.Since(start) }()
	adminURL, err := Sibling(db.URL(), "postgres")
	if err != nil {
		return res, err
	}
	scratchURL, err := Sibling(db.URL(), res.Scratch)
	if err != nil {
		return res, err
	}
	if err := createScratch(ctx, adminURL, db, res.Scratch); err != nil {
		return res, err
	}
	defer func() {
		if derr := dropDatabase(adminURL, db.Major, res.Scratch); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	t0 := time.Now()
	skipped, rerr := restoreDump(ctx, tools, scratchURL, path, false,
		"--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges")
	res.SkippedExtensions = skipped
	res.RestoreDuration = time.Since(t0)
	if rerr != nil {
		var te *ToolError
		if ctx.Err() != nil || !errors.As(rerr, &te) {
			return res, fmt.Errorf("restore test of %s: %w", path, rerr)
		}
		res.Problems = append(res.Problems, "does not restore: "+rerr.Error())
		return res, fmt.Errorf("%w: %s does not restore: %w", ErrBadDump, path, rerr)
	}
	if res.Tables, err = countDatabase(ctx, scratchURL); err != nil {
		return res, fmt.Errorf("restore test of %s, scratch database %s: %w", path, res.Scratch, err)
	}
	if o.Tables != nil {
		res.Problems = append(res.Problems, compareTables(o.Tables, res.Tables)...)
	}
	if o.Check {
		if err := checkScratch(ctx, tools, scratchURL, &res); err != nil {
			return res, err
		}
	}
	if len(res.Problems) > 0 {
		return res, fmt.Errorf("%w: %s: %s", ErrBadDump, path, summarise(res.Problems))
	}
	res.OK = true
	return res, nil
}

// createScratch makes the empty scratch database, shaped like db's.
func createScratch(ctx context.Context, adminURL string, db *DB, name string) error {
	admin, err := connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer admin.Close(context.Background())
	shape, found, err := readShape(ctx, admin, db.Major, db.Name)
	if err != nil {
		return err
	}
	if !found {
		shape = dbShape{}
	}
	if _, err := admin.Exec(ctx, shape.createSQL(name, false)); err != nil {
		return fmt.Errorf("creating the scratch database %s for the restore test: %w (the user needs CREATEDB)", name, err)
	}
	return nil
}

// checkScratch runs Check on the restored copy; corruption is a problem
// of the dump, a check that could not run an error.
func checkScratch(ctx context.Context, tools Tools, scratchURL string, res *VerifyResult) error {
	sdb, err := Open(ctx, scratchURL)
	if err != nil {
		return fmt.Errorf("checking the restored copy: %w", err)
	}
	defer sdb.Close()
	cr, err := Check(ctx, tools, sdb, CheckOptions{InstallExtension: true})
	if errors.Is(err, ErrNoAmcheck) {
		// Not a superuser (or no amcheck on the server): the restore
		// test stands without the check.
		res.CheckSkipped = err.Error()
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking the restored copy %s: %w", sdb.Name, err)
	}
	res.Check = &cr
	if !cr.OK {
		for _, f := range cr.Findings {
			res.Problems = append(res.Problems, fmt.Sprintf("check of the restored copy: %s: %s", f.Relation, f.Message))
		}
		if len(cr.Findings) == 0 {
			res.Problems = append(res.Problems, "check of the restored copy failed")
		}
	}
	return nil
}
