// Package pgdb is the PostgreSQL side of the database maintenance: the
// same weekly work as sqlitedb (backup, verify a backup, check, stats,
// optimise, restore) for an installation whose DATABASE_URL names
// PostgreSQL.
//
// It drives PostgreSQL's own tools, found by FindTools and never older
// than the server: pg_dump --format=custom from a snapshot exported by a
// repeatable-read transaction (the per-table row counts of the manifest
// are taken in that same snapshot), pg_restore into a scratch database to
// verify a dump, pg_amcheck for B-tree and heap verification. Statistics
// come from pg_stat_user_tables and, when installed, pgstattuple;
// optimisation is VACUUM (ANALYZE) and REINDEX INDEX CONCURRENTLY online,
// VACUUM FULL only with downtime. A restore goes into a new database and
// is switched in by ALTER DATABASE ... RENAME, the replaced database kept
// under a dated name (DatedName: a long name is shortened with a hash of
// the whole, so two never share kept copies): nothing is dropped first.
// The copy gets the target's database-level properties before the switch
// (its grants, connection limit, per-database and per-role settings,
// comment), which a custom-format dump does not hold; the switch's
// statements run to their end once begun, and an undo reads what is
// really in pg_database.
//
// Every program is run with an argument vector, never a shell string, and
// the connection URL, which may hold a password, is passed in the
// environment (PGPASSWORD) or as an argument only when it holds none;
// errors show it redacted.
//
// StartCluster runs a private server (initdb, pg_ctl) on a Unix socket
// only, as an unprivileged user when fossamaint is root: the demo's
// installation and the tests use it.
package pgdb
