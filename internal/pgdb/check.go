package pgdb

// CONTRACT (helper pgcheck replaces this file's bodies; signatures fixed).

import (
	"context"
	"errors"
	"time"
)

// ErrNoAmcheck is wrapped when the amcheck extension is not installed in
// the database and CheckOptions.InstallExtension does not allow it.
var ErrNoAmcheck = errors.New("the amcheck extension is not installed")

// CheckOptions say how thorough Check is.
type CheckOptions struct {
	// InstallExtension allows CREATE EXTENSION amcheck when missing
	// (database.postgres.install_extensions; always on a scratch copy).
	InstallExtension bool
	// HeapAllIndexed also verifies that every heap tuple has its index
	// entries (slower).
	HeapAllIndexed bool
}

// CheckFinding is one problem pg_amcheck reported.
type CheckFinding struct {
	// Corruption is true for damage (a critical finding), false for a
	// relation that could not be checked (a warning).
	Corruption bool
	// Relation is "public.ix_work_orders_status" or "" when unknown.
	Relation string
	Message  string
}

// CheckResult is Check's verdict: OK when pg_amcheck found nothing.
type CheckResult struct {
	OK bool
	// Relations counts the tables and indexes checked.
	Relations int
	Findings  []CheckFinding
	Duration  time.Duration
	// Tool is the command line shown in reports (no password).
	Tool string
}

// Check runs pg_amcheck on db's database: every B-tree index (without
// parent checks, so only AccessShareLock: the application keeps running)
// and every table's heap, in db's snapshot. Corruption is a result with
// OK false, not an error; errors are "could not check" (server down,
// ErrNoAmcheck, cancelled).
func Check(ctx context.Context, tools Tools, db *DB, o CheckOptions) (CheckResult, error) {
	return CheckResult{}, errContract
}
