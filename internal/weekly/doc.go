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
// It may import runbook, install, recovery, history, config (for value
// types such as the thresholds, not to read fields), the domain packages
// (backup, sqlitedb, logs and its analysis, perf, security, health,
// updates, redact) and the helpers (durable, fault); never cli or report
// (internal/archtest checks this).
package weekly
