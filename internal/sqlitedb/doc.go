// Package sqlitedb owns fossamaint's access to SQLite database files: opening
// them safely (never creating a missing file, read-only or immutable when
// asked, with the maintenance pragmas from DESIGN.md), the quick and full
// integrity checks, the statistics the report shows (sizes, pages,
// freelist ratio, journal mode, table and row counts, dbstat space), the
// online backup (Backup), VACUUM INTO, the WAL checkpoint, PRAGMA optimize,
// the fragmentation measure that decides a VACUUM, and the swap of a
// verified file into place (InstallFile) that keeps the replaced one aside.
//
// Every file it writes goes through a private temp name in the target
// directory, fsync, rename and a directory fsync, so no partial file ever
// appears under a final name.
//
// DataVersion tells whether another connection committed between two
// readings on one connection, which lets a VACUUM INTO made while the
// application runs be installed after it stops.
//
// It uses the pure-Go driver modernc.org/sqlite (driver name "sqlite") so the
// binary builds with CGO_ENABLED=0. Of fossamaint it imports only the leaf
// helpers (ctxio, durable and fault); it must not import internal/runbook,
// internal/weekly, internal/cli or any domain package (internal/archtest
// checks this): it returns plain structs and errors wrapping ErrNotExist,
// ErrNotDatabase, ErrEmpty, ErrPermission, ErrCorrupt, ErrBusy or ErrNoSpace.
package sqlitedb
