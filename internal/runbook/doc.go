// Package runbook is the generic engine: a Plan of Phases of Steps run in
// order against a maintenance window, with budgets, the overrun policy,
// dry-run, a durable journal, a per-state-dir lock and an injected clock.
// It knows nothing of FossaWork: internal/weekly builds the plan. It must not
// import cli, weekly or any domain package.
package runbook
