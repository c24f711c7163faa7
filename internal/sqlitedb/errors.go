package sqlitedb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors that Open and the queries wrap, so callers can tell "fix the
// config" from "fix the file" without parsing messages.
var (
	ErrNotExist    = errors.New("database file does not exist")
	ErrNotDatabase = errors.New("file is not a database")
	ErrPermission  = errors.New("permission denied")
	ErrCorrupt     = errors.New("database disk image is malformed")
	// ErrBusy: another connection held a lock for longer than the busy
	// timeout (SQLITE_BUSY or SQLITE_LOCKED).
	ErrBusy = errors.New("the database is locked by another process; stop the writer or retry")
	// ErrEmpty: the file holds no tables (a 0-byte file is one, which
	// SQLite takes for a new database). It is not the application's
	// database, whatever an integrity check says, and a backup of it
	// fails verification: RequireTables says so first.
	ErrEmpty = errors.New(NoteEmpty)
)

// resultCode is what one SQLite primary result code means to an operator.
type resultCode struct {
	sentinel error  // what errors.Is finds besides the driver's error; nil for none
	what     string // SQLite's own words (searchable) and the code's name
	todo     string // what to do next
}

const (
	busyTodo = "another process holds a lock for longer than the busy timeout: stop the writer or retry"
	permTodo = "run fossamaint as the user that owns the database, or fix its owner and mode"
)

// resultCodes are the primary result codes fossamaint meets. The driver's
// text is not shown for them: it is terse, and after a failed online
// backup step modernc reads the message of the other connection, which
// says "not an error".
var resultCodes = map[int]resultCode{
	sqlite3.SQLITE_FULL: {ErrNoSpace, "database or disk is full (SQLITE_FULL)",
		"free space on the filesystem being written (the database's, a copy's destination, or the temp directory), then retry"},
	sqlite3.SQLITE_CORRUPT: {ErrCorrupt, "database disk image is malformed (SQLITE_CORRUPT)",
		"run `fossamaint db check --full` and restore from the newest verified backup"},
	sqlite3.SQLITE_NOTADB: {ErrNotDatabase, "file is not a database (SQLITE_NOTADB)",
		"the file is not an SQLite database (wrong path, encrypted, or overwritten): point the configuration at the database file"},
	sqlite3.SQLITE_CANTOPEN: {nil, "unable to open database file (SQLITE_CANTOPEN)",
		"check that the file and its directory exist and that this user may read and write both (SQLite creates -journal, -wal and -shm files beside the database)"},
	sqlite3.SQLITE_READONLY: {ErrPermission, "attempt to write a readonly database (SQLITE_READONLY)",
		"the file, its directory or its filesystem is read-only for this user: run as the database's owner, or fix the mode or the mount"},
	sqlite3.SQLITE_PERM: {ErrPermission, "access permission denied (SQLITE_PERM)", permTodo},
	sqlite3.SQLITE_AUTH: {ErrPermission, "authorization denied (SQLITE_AUTH)", permTodo},
	sqlite3.SQLITE_IOERR: {nil, "disk I/O error (SQLITE_IOERR)",
		"the operating system failed a read or write: check the disk and filesystem (dmesg), then run `fossamaint db check --full`"},
	sqlite3.SQLITE_BUSY:   {ErrBusy, "database is locked (SQLITE_BUSY)", busyTodo},
	sqlite3.SQLITE_LOCKED: {ErrBusy, "database table is locked (SQLITE_LOCKED)", busyTodo},
}

// classify maps a driver error onto this package's sentinels, keeping the
// original in the chain. Codes in resultCodes read in their words.
func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	rc, ok := resultCodes[se.Code()&0xff]
	if !ok {
		return err
	}
	return &classified{rc: rc, detail: driverDetail(se), err: err}
}

// classified reads as its result code's words (and the driver's detail,
// when it adds one), and matches its sentinel and the driver's error.
type classified struct {
	rc     resultCode
	detail string
	err    error
}

func (c *classified) Error() string {
	if c.detail == "" {
		return c.rc.what
	}
	return c.rc.what + ": " + c.detail
}

func (c *classified) Unwrap() []error {
	if c.rc.sentinel == nil {
		return []error{c.err}
	}
	return []error{c.rc.sentinel, c.err}
}

// driverDetail is the part of modernc's message ("errstr: errmsg (code)")
// that says more than the code: "malformed database schema (x)", not
// "not an error" nor the errstr again.
func driverDetail(se *sqlite.Error) string {
	msg := strings.TrimSuffix(se.Error(), " (SQLITE_BUSY)")
	msg = strings.TrimSuffix(msg, fmt.Sprintf(" (%d)", se.Code()))
	_, detail, ok := strings.Cut(msg, ": ")
	if !ok || detail == "not an error" {
		return ""
	}
	return detail
}

// wrap names the file and the operation and says what to do, and prefers
// the context's error when the query failed because it was cancelled.
func (d *DB) wrap(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s database %s: %w", op, d.path, ctxErr)
	}
	err = classify(err)
	var c *classified
	if errors.As(err, &c) {
		return fmt.Errorf("%s database %s: %w: %s", op, d.path, err, c.rc.todo)
	}
	return fmt.Errorf("%s database %s: %w", op, d.path, err)
}
