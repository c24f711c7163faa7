package pgdb

// CONTRACT (helper pgcore replaces this file's bodies; signatures fixed).

import (
	"context"
	"time"
)

// VerifyOptions say what a restore test compares.
type VerifyOptions struct {
	// Tables are the row counts the dump must restore to (its
	// manifest's); nil: not compared.
	Tables map[string]int64
	// Check runs Check (pg_amcheck, installing amcheck in the scratch
	// database, which is ours) on the restored copy.
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
	Check           *CheckResult
	OK              bool
	RestoreDuration time.Duration
	Duration        time.Duration
}

// VerifyDump restores path into a new scratch database on db's server
// (pg_restore --exit-on-error --single-transaction --no-owner), counts
// every user table's rows and compares them with o.Tables, runs the
// check when asked, and drops the scratch database: also after a
// failure or a cancelled ctx (with a fresh context).
func VerifyDump(ctx context.Context, tools Tools, db *DB, path string, o VerifyOptions) (VerifyResult, error) {
	return VerifyResult{}, errContract
}
