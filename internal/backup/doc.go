// Package backup owns backup sets: listing the upstream layout (daily
// dated directories, weekly and pre-maintenance files), telling whether
// today's daily backup exists, finding stale files, and verifying a backup
// file without modifying it. Later: creating backups through the online
// backup API, manifests, restore and retention.
//
// It uses internal/sqlitedb for every SQLite access. It must not import
// internal/runbook, internal/weekly or internal/cli: it returns plain
// structs, and internal/weekly turns them into findings.
package backup
