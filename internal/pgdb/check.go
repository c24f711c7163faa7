package pgdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoAmcheck is wrapped when the amcheck extension is not installed in
// the database and CheckOptions.InstallExtension does not allow it.
var ErrNoAmcheck = errors.New("the amcheck extension is not installed")

// ErrCouldNotCheck is wrapped when pg_amcheck ran but did not check: it
// exited with a status other than 0 and 2 (1: it could not connect, or
// its listing query failed), so nothing is known about corruption.
var ErrCouldNotCheck = errors.New("pg_amcheck could not check the database")

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

// CheckResult is Check's verdict: OK when pg_amcheck found nothing, no
// damage and no relation it could not check.
type CheckResult struct {
	OK bool
	// Relations counts the tables and indexes checked: every heap (tables,
	// materialised views, TOAST) and valid B-tree index of the database,
	// the system catalogs included, as pg_amcheck checks them.
	Relations int
	Findings  []CheckFinding
	Duration  time.Duration
	// Tool is the command line shown in reports (no password).
	Tool string
}

// Check runs pg_amcheck on db's database: every B-tree index (without
// parent checks, so only AccessShareLock: the application keeps running)
// and every table's heap, the system catalogs and TOAST included.
// Corruption is a result with OK false, not an error; errors are "could
// not check" (server down, ErrNoAmcheck, cancelled).
//
// pg_amcheck's defaults already check every relation of the database
// (its indexes and TOAST are expanded from the tables), so no pattern
// or --no-dependent-* option is given; --parent-check and --rootdescend
// are left out because they take a ShareLock that blocks writes.
func Check(ctx context.Context, tools Tools, db *DB, o CheckOptions) (CheckResult, error) {
	start := time.Now()
	if err := ensureAmcheck(ctx, db, o.InstallExtension); err != nil {
		return CheckResult{}, err
	}
	var args []string
	if o.HeapAllIndexed {
		args = append(args, "--heapallindexed")
	}
	res := CheckResult{Tool: strings.Join(append(append([]string{"pg_amcheck"}, args...), db.Name), " ")}
	n, err := checkedRelations(ctx, db)
	if err != nil {
		return CheckResult{}, err
	}
	res.Relations = n
	out, err := runTool(ctx, tools, "pg_amcheck", db.URL(), args...)
	var te *ToolError
	switch {
	case ctx.Err() != nil:
		return CheckResult{}, fmt.Errorf("checking %s: %w", db.Name, ctx.Err())
	case errors.As(err, &te) && te.Code == 2 && len(parseAmcheck(string(out), db.Name)) > 0:
		// 2 with findings: it checked, and something was not right.
		res.Findings = parseAmcheck(string(out), db.Name)
	case errors.As(err, &te):
		// 1 (no connection, a failed listing query), or 2 with nothing
		// fossamaint reads: it did not check, so not "corrupt".
		return CheckResult{}, fmt.Errorf("%w %s (%w): is the server up, and may this user read every table? %s",
			ErrCouldNotCheck, db.Name, err, strings.TrimSpace(tail(string(out), 1000)))
	case err != nil:
		return CheckResult{}, fmt.Errorf("checking %s with pg_amcheck: %w (is the server up, and may this user read every table?)", db.Name, err)
	default:
		// 0 with findings printed would be a pg_amcheck bug; keep them.
		res.Findings = parseAmcheck(string(out), db.Name)
	}
	res.OK = len(res.Findings) == 0
	res.Duration = time.Since(start)
	return res, nil
}

// ensureAmcheck makes sure the amcheck extension is in db, installing it
// when allowed.
func ensureAmcheck(ctx context.Context, db *DB, install bool) error {
	ok, err := hasExtension(ctx, db, "amcheck")
	if err != nil || ok {
		return err
	}
	if !install {
		return fmt.Errorf("%w in database %s: allow fossamaint to install it (database.postgres.install_extensions: true) or run CREATE EXTENSION amcheck in it as a superuser", ErrNoAmcheck, db.Name)
	}
	if _, err := db.conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS amcheck"); err != nil {
		return fmt.Errorf("%w in database %s and installing it failed: %w (run CREATE EXTENSION amcheck as a superuser; Debian ships it in postgresql-contrib or the server package)", ErrNoAmcheck, db.Name, err)
	}
	return nil
}

// hasExtension says whether extension name is installed in db.
func hasExtension(ctx context.Context, db *DB, name string) (bool, error) {
	var ok bool
	err := db.conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)", name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("reading the extensions of %s: %w", db.Name, err)
	}
	return ok, nil
}

// checkedRelations counts what pg_amcheck checks: heaps of tables,
// materialised views and TOAST, and valid, ready B-tree indexes, except
// other sessions' temporary relations.
func checkedRelations(ctx context.Context, db *DB) (int, error) {
	const q = `SELECT count(*) FROM pg_class c
LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE c.relpersistence <> 't'
  AND (c.relkind IN ('r', 'm', 't')
       OR (c.relkind = 'i' AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
           AND i.indisvalid AND i.indisready))`
	var n int
	if err := db.conn.QueryRow(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the relations of %s: %w", db.Name, err)
	}
	return n, nil
}
