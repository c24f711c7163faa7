// Package weekly is the seed's weekly procedure as code. plan.go reads top
// to bottom as the seed does: every phase and step in order, with its
// budget, and what each step hands to a later one (typed handoffs, made
// per run: the latency baseline, rollback point A, the integrity verdict).
// Each phase is a small struct holding only its options, taken from the
// resolved installation (install.Installation), and its dependencies; its
// steps turn a domain package's answer into a runbook.Result. run.go runs
// the plan under the engine, the lock and the journal, after finishing what
// dead runs left (package recovery). Steps about the machine rather than
// the installation (its load, memory, disks, packages, processes, auth
// logs) set Result.Scope to runbook.ScopeHost (hostscope.go).
//
// Updates (updatesapply.go, updatesundo.go, reboot.go): updates/apply runs
// the Appliers (package updates, made by Deps.Appliers) of the managers
// whose updates.*.apply is not none and hands what it applied to
// postflight: undo-updates puts pip and npm back when the endpoints or the
// comprehensive check failed (the run is rolled back), reboot acts on a
// reboot-required file the updates made, per updates.reboot.
//
// Metrics (Result.Metric) carry full-precision values in one of a small
// vocabulary of units (MetricUnits, units.go), never "": "s" for every
// duration and age (never ms or hours), "bytes", "%" for a percentage
// 0–100, "ratio" for a fraction 0–1, "count" for a plain number of
// things, the countable nouns "rows", "files", "pages" and "days", "load"
// for a load average, "bool" for 1 or 0. A name that ends in a unit uses
// it: _seconds is "s", _bytes "bytes", _percent "%", _ratio "ratio", _days
// "days" (MetricUnitProblem checks a name and unit). Messages show values
// through internal/human (Duration for spans, Age for ages, Bytes,
// Percent, Count), never a Go value's own formatting.
//
// Database engines (database.go, pg*.go): the database phase's steps do
// their work through dbEngine, one method a step (stats, the timed reads,
// the backup that is rollback point A, the check, the corruption
// procedure with its restore, the optimisation and its undo), so plan.go
// lists the same steps for every engine. sqliteEngine is the SQLite
// file's; pgEngine is PostgreSQL's (install.Database.Engine, from
// database.url or the application's DATABASE_URL): pg_dump while the
// service runs, pg_amcheck on the live database (AccessShareLock only, no
// copy), VACUUM (ANALYZE) and REINDEX INDEX CONCURRENTLY online, VACUUM
// FULL only with database.postgres.vacuum_full: downtime, after the dump,
// inside the step's budget and the window. On PostgreSQL preflight's
// daily backup and the backups phase count only dumps: the newest are
// restore-tested (backup.VerifyDeep), and the databases restores kept
// under a dated name are under backups.keep_maintenance_within.
//
// Notifications (notify.go, notice.go): with Options.Notify (`weekly`
// sets it), preflight gets a "notifications" step after the recovery
// steps when notify.urls is set or a notice went out in the week before:
// whether and when the stakeholder notice went out (the history's
// notifications), and the started message (a dry run only says it
// would); a destination that does not take it is a Warning finding.
// EndMessage and NotifyEnd are the end of a run (finished, failed,
// rolled_back), sent by cli once the report is written. Notice is the
// stakeholder notice, read from the plan, the history (past downtimes)
// and the database (fragmentation) as a run reads them, which is why it
// lives here and not in notify (the transport).
//
// It may import runbook, install, recovery, history, config (for value
// types such as the thresholds, not to read fields), the domain packages
// (backup, sqlitedb, pgdb, logs and its analysis, perf, security, health,
// updates, redact), notify (the transport of its messages) and the
// helpers (durable, fault); never cli or report (internal/archtest checks
// this).
package weekly
