// Package fleet is the fleet history: every installation writes its runs,
// their steps, actions and headline measures to one central PostgreSQL
// database (history.url), and `fleet status` and serve's /fleet page read
// every installation's last run, next window, status and trends from it.
//
// The local history (package history) stays the source of truth. Sync
// keeps no bookkeeping of its own: it asks the central database which
// runs, with which fingerprint, it holds for this installation, and sends
// the finished runs the local history has that it lacks or holds stale,
// each in one transaction of idempotent writes (INSERT ... ON CONFLICT DO
// UPDATE for the run, its child rows replaced). A sync that cannot reach
// the central database retries with backoff inside its bound
// (history.timeout) and gives up with ErrUnreachable: the next one catches
// up. A dry run reads the central database and writes nothing.
//
// The central schema is versioned (schema.go): migrations are applied in
// one transaction under a transaction-scoped advisory lock, so that many
// installations starting at once do not race, and recorded in
// schema_migrations. Migrate (roles.go) is the owner's way to apply them
// and grant a writer role only what a sync needs, so that installations
// may write without any right to create; such a writer syncing into a
// schema behind its release gets ErrSchemaBehind. Rows are keyed by the installation's id
// (config.InstallationID). Stored reports are not sent: only the columns
// the fleet view reads, with step errors and action texts redacted.
//
// Of fossamaint it imports history (the local store, the measures'
// definitions), runbook (the Run type) and the leaf helpers; history,
// runbook and the domain packages never import it; cli and web do
// (internal/archtest checks this).
package fleet
