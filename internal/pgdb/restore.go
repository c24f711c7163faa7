package pgdb

// CONTRACT (helper pgcore replaces this file's bodies; signatures fixed).

import (
	"context"
	"time"
)

// RestoreOptions say how a dump replaces the live database.
type RestoreOptions struct {
	// Now names the kept database: <name>_replaced_YYYYMMDD_HHMMSS (UTC).
	Now time.Time
	// Tables are the counts the restored copy must hold before it is
	// switched in (the manifest's); nil: not compared.
	Tables map[string]int64
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Database is the live name (the target's), now the restored copy.
	Database string
	// Replaced is the name the previous database is kept under ("" when
	// there was none).
	Replaced string
	// Terminated counts the connections to the target that were ended.
	Terminated int
	Tables     map[string]int64
	// RestoreDuration is pg_restore into the new database; SwitchDuration
	// the renames (the only time the name points at nothing).
	RestoreDuration time.Duration
	SwitchDuration  time.Duration
	Duration        time.Duration
}

// Restore puts the dump at path in place of the database targetURL names:
// it restores into a new database <name>_restore_<stamp> on the same
// server and compares its counts with o.Tables; only then are the
// target's connections terminated (pg_terminate_backend, new ones held
// off with ALTER DATABASE ... ALLOW_CONNECTIONS false), the target
// renamed to Replaced and the copy renamed to the target's name. Nothing
// is dropped: a failure before the switch drops only the new copy and
// leaves the target as it was; a failure between the renames puts the
// target's name back.
func Restore(ctx context.Context, tools Tools, targetURL, path string, o RestoreOptions) (RestoreResult, error) {
	return RestoreResult{}, errContract
}

// Replaced is a database Restore kept aside.
type Replaced struct {
	Name string
	At   time.Time
	Size int64
}

// ReplacedDatabases lists the databases Restore kept for db's database
// (<name>_replaced_<stamp>), oldest first.
func ReplacedDatabases(ctx context.Context, db *DB) ([]Replaced, error) {
	return nil, errContract
}

// DropReplaced drops one database ReplacedDatabases listed (retention);
// any other name is refused.
func DropReplaced(ctx context.Context, db *DB, name string) error {
	return errContract
}
