package pgdb

// CONTRACT (helper pgcore replaces this file's bodies; signatures fixed).

import (
	"context"
	"errors"
	"time"
)

// ErrBadDump is wrapped by errors that are a verdict on a dump file (not
// a custom-format dump, truncated, fails to restore, counts differ), as
// opposed to "could not verify" (server down, cancelled).
var ErrBadDump = errors.New("the dump is not sound")

// errContract marks what a helper has not written yet.
var errContract = errors.New("pgdb: not written yet")

// DumpResult describes a dump Dump wrote.
type DumpResult struct {
	Path   string
	Size   int64
	SHA256 string
	// ServerVersion is the server's ("15.18"); DumpVersion pg_dump's.
	ServerVersion string
	DumpVersion   string
	// Snapshot is the exported snapshot the dump and the counts share.
	Snapshot string
	// TOC counts the dump's table-of-contents entries by type, as
	// pg_restore --list names them ("TABLE", "TABLE DATA", "INDEX",
	// "CONSTRAINT", "SEQUENCE", ...).
	TOC map[string]int
	// Tables are the rows of each user table ("public.work_orders"),
	// counted in the dump's snapshot.
	Tables   map[string]int64
	Duration time.Duration
}

// Dump writes a custom-format dump of db's database to dst (which must
// not exist): pg_dump --format=custom --snapshot=S, where S is exported
// by a repeatable-read transaction on db that also counts every user
// table's rows, so the counts are the dump's. The file is written under a
// temporary name beside dst, fsynced, renamed, mode 0600; on any failure
// or cancellation nothing is left under either name. The password of
// db's URL goes to pg_dump in PGPASSWORD, never in its argv.
func Dump(ctx context.Context, tools Tools, db *DB, dst string) (DumpResult, error) {
	return DumpResult{}, errContract
}

// ReadTOC reads a dump's table of contents (pg_restore --list, no
// server): entry counts by type. A file that is not a readable
// custom-format dump is an error wrapping ErrBadDump.
func ReadTOC(ctx context.Context, tools Tools, path string) (map[string]int, error) {
	return nil, errContract
}
