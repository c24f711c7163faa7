// Package weekly is the seed's weekly procedure as code: which phases and
// steps, in which order, with which budgets, and how each domain package's
// answer becomes a runbook.Result. Read plan.go top to bottom as the seed.
// It imports runbook, config and the domain packages; never cli.
package weekly
