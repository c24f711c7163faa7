// Package report renders a finished run (runbook.Run) as Markdown (the
// seed's "Maintenance Report Template", section for section), JSON (the run's
// own struct tags are the schema) and a self-contained HTML page, and writes
// the three files atomically; it also renders the plain text the commands
// print when a run finished (Summary, Steps, Restore). Steps never print: reports are rendered only
// from results.
//
// Every rendered output goes through redaction first (Options.Secrets and
// inline password=/token=/Bearer secrets), so reports never contain secrets.
//
// It may import internal/runbook (its data model) and the leaf helpers
// (redact, durable for temporary names) and nothing else from fossamaint:
// not cli, not weekly, not any domain package. internal/archtest checks
// these rules.
package report
