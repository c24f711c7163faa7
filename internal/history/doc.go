// Package history is the run journal and history store: a SQLite database
// under state_dir (WAL, synchronous=FULL) written as each step starts and
// ends, from which past reports are re-rendered and dead runs are found.
// Dead runs are only read (Abandoned); MarkRecovered records that their
// leftovers were dealt with, so a dry run, which opens the history
// read-only, can look without consuming them.
// It imports runbook for the Run type and nothing else of fossamaint.
package history
