// Package backup owns backup sets: listing the upstream layout (daily
// dated directories, weekly and pre-maintenance files), telling whether
// today's daily backup exists, creating backups
// through the online backup API (a daily set also holds .env, the config
// file and a plain copy of the data directory), manifests (sha256, size,
// pages, the check that passed), verification with a restore test in a
// private temp dir, finding the newest verified backup before a given
// time, restore, and retention (restic forget semantics, per kind, in
// PlanPrune; Remove deletes what a plan removes). It also makes a backup
// of a file already in place (DescribeFile: rollback point B), snapshots
// and restores configuration files for a rollback, and puts back a daily
// set a crash left moved aside (RecoverSets).
//
// Of fossamaint it imports internal/sqlitedb, for every SQLite access, and
// the leaf helpers (durable for temporary names and directory fsyncs); it
// must not import internal/runbook, internal/weekly, internal/cli or
// another domain package: it returns plain structs, and internal/weekly
// turns them into findings. internal/archtest checks these rules.
package backup
