// Package recovery puts an installation back in a known state: `recover`
// (finish or undo what a run that died left: services stopped, a database
// swap half done, temporaries), `rollback` (the seed's emergency rollback
// to the point a run recorded, database and configuration) and `backup
// restore`, each a journalled run so that a crash in the middle is itself
// recovered. It also owns the service actions every run uses (stop, start
// and wait until ready, start everything) and the configuration snapshot a
// rollback restores, and it opens the state dir (lock + history).
//
// It may import install, runbook, history, backup, sqlitedb, service,
// health, config (service definitions) and the leaf helpers (durable,
// fault); it must not import weekly, cli or report (internal/archtest
// checks this).
package recovery
