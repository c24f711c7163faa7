// Package weekly is the seed's weekly procedure as code: which phases and
// steps, in which order, with which budgets, and how each domain package's
// answer becomes a runbook.Result. Read plan.go top to bottom as the seed.
// It imports runbook, config, history, the domain packages and the helpers
// (durable, fault); never cli.
//
// Recovery lives here too: every run, and `fossamaint recover`, first
// finishes what runs that died left (recovery.go), and rollback and backup
// restore are journalled runs of their own (restore.go), so a kill at any
// point never leaves a service down.
package weekly
