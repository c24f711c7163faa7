// Package history is the run journal and history store: a SQLite database
// under state_dir (WAL, synchronous=FULL) written as each step starts and
// ends, from which past reports are re-rendered and dead runs are found.
// Dead runs are only read (Abandoned); MarkRecovered records that their
// leftovers were dealt with, so a dry run, which opens the history
// read-only, can look without consuming them.
// Only weekly runs are runs: single commands (preflight, db optimize,
// rollback, ...) are recorded under their own command name, listed apart,
// and never "latest", nor is a run that starts after the wall clock.
// Week over week (measures.go): a run's headline measures are read from
// its stored report (MeasuresOf), not kept in a second table that could
// drift from it; Previous finds the run a new one is compared with (one
// row), Compare makes the comparison the report shows, and Weeks the rows
// of `fossamaint history`.
// Updates (updates.go): every package a run upgraded, or put back when it
// undid its updates, is a row of update_changes (run, manager, package,
// from, to), created on first use.
// The dashboard (runs.go, dashboard.go): the run list's downtime and
// findings by severity are kept beside each report in columns of runs
// when it is saved (and filled once for rows an older release wrote), and
// read through a covering index, so Runs lists 500 runs without decoding
// one report. OpenDashboard opens the history for a long-running reader
// while weekly runs write it (read-only but not immutable, unlike
// OpenReadOnly); LiveRun and Steps read a running run's journal, and
// Verifications the backups/verify findings of the newest runs.
// Of fossamaint it imports runbook for the Run type, may open its store
// through internal/sqlitedb, and may use the leaf helpers; nothing else
// (internal/archtest checks this).
package history
