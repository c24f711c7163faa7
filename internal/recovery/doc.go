// Package recovery puts an installation back in a known state: `recover`
// (finish or undo what a run that died left: services stopped, a database
// swap half done, temporaries), `rollback` (the seed's emergency rollback
// to the point a run recorded, database and configuration) and `backup
// restore`, each a journalled run so that a crash in the middle is itself
// recovered. It also owns the service actions every run uses (stop, start
// and wait until ready, start everything) and the configuration snapshot a
// rollback restores, and it opens the state dir (lock + history).
//
// With PostgreSQL (database.url), a restore goes into a new database
// switched in by rename, the replaced one kept under a dated name, and
// recover puts a name a dead restore left missing back (recoverPostgres):
// the newest replaced database gets it, never a copy whose restore may
// not have finished (that one is kept and reported, critical), and the
// live database and the newest replaced one accept connections again.
//
// It may import install, runbook, history, backup, sqlitedb, pgdb, service,
// health, config (service definitions) and the leaf helpers (durable,
// fault); it must not import weekly, cli or report (internal/archtest
// checks this).
package recovery
