// Package runbook is the generic engine: a Plan of Phases of Steps run in
// order against a maintenance window, with budgets, the overrun policy
// (postpone, extend or rollback; overrun.go), dry-run, a durable journal,
// a per-state-dir lock and an injected clock.
// It knows nothing of FossaWork: internal/weekly builds the plan. Of
// fossamaint it may import only the leaf helpers: not cli, weekly, config or
// any domain package (internal/archtest checks this). Findings carry the
// severity of internal/finding, the vocabulary every package shares.
package runbook
