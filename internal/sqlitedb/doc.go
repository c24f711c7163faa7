// Package sqlitedb owns fossamaint's access to SQLite database files: opening
// them safely (never creating a missing file, read-only or immutable when
// asked, with the maintenance pragmas from DESIGN.md), the quick and full
// integrity checks, and the statistics the report shows (sizes, pages,
// freelist ratio, journal mode, table and row counts). Later: the online
// backup API, optimize and fragmentation analysis.
//
// It uses the pure-Go driver modernc.org/sqlite (driver name "sqlite") so the
// binary builds with CGO_ENABLED=0. It must not import internal/runbook,
// internal/weekly, internal/cli or any other domain package: it returns plain
// structs and errors wrapping ErrNotExist, ErrNotDatabase, ErrPermission or
// ErrCorrupt.
package sqlitedb
