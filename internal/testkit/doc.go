// Package testkit holds the fixtures the tests of several packages share:
// a FossaWork-shaped SQLite database, raw driver access to build and
// damage database files, and file helpers that fail the test rather than
// return an error. One copy of each, instead of one per package.
//
// It also plants run histories (history.go: PlantRuns, PlantedRun,
// JournalRun): weeks of weekly runs written through the journal, for the
// dashboard's and the trends' tests. And it starts the headless Chromium
// the browser tests drive (chromium.go: Chromium, with the flags this
// machine needs; skipped without it, failing under CI), for the report's
// and the dashboard's. And it starts the S3 server of the off-site tests
// (s3.go: S3, S3WithVersioning, StartS3): a private versitygw with its
// POSIX backend on loopback (internal/versitygw starts it; the demo uses
// that package too), skipped without the binary, failing under CI.
//
// It is imported only from _test.go files. It imports sqlitedb, runbook,
// history, the wheel writer pywheel (PyWheel) and versitygw (and what
// they import)
// and no other fossamaint package, so the tests of any package but those
// (in-package tests would make a cycle) may use it.
package testkit
