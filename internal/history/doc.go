// Package history is the run journal and history store: a SQLite database
// under state_dir (WAL, synchronous=FULL) written as each step starts and
// ends, from which past reports are re-rendered and dead runs are found.
// It imports runbook for the Run type and nothing else of fossamaint.
package history
