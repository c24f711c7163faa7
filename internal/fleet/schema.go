package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// migration is one version of the central schema. Migrations are only
// ever appended, and each keeps the previous release able to write: an
// installation not yet upgraded still syncs into a newer schema.
type migration struct {
	version int
	what    string
	sql     string
}

// migrations are the central schema, oldest first.
var migrations = []migration{
	{1, "installations, runs, steps, actions, measures", `
CREATE TABLE installations (
  id text PRIMARY KEY,
  host text NOT NULL,
  tool_version text NOT NULL,
  window_text text NOT NULL,
  zone text NOT NULL,
  next_window_start timestamptz,
  next_window_end timestamptz,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL
);
CREATE TABLE runs (
  installation_id text NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
  run_id text NOT NULL,
  command text NOT NULL,
  host text NOT NULL,
  tool_version text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL,
  exit_code integer,
  partial boolean NOT NULL,
  downtime_seconds double precision NOT NULL,
  findings_critical integer NOT NULL,
  findings_warning integer NOT NULL,
  findings_info integer NOT NULL,
  next_maintenance timestamptz,
  fingerprint text NOT NULL,
  synced_at timestamptz NOT NULL,
  PRIMARY KEY (installation_id, run_id)
);
CREATE INDEX runs_weekly ON runs (installation_id, started_at DESC) WHERE command = 'weekly';
CREATE TABLE steps (
  installation_id text NOT NULL,
  run_id text NOT NULL,
  seq integer NOT NULL,
  phase text NOT NULL,
  step text NOT NULL,
  kind text NOT NULL,
  status text NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  duration_seconds double precision NOT NULL,
  error text NOT NULL,
  PRIMARY KEY (installation_id, run_id, seq),
  FOREIGN KEY (installation_id, run_id) REFERENCES runs ON DELETE CASCADE
);
CREATE TABLE actions (
  installation_id text NOT NULL,
  run_id text NOT NULL,
  seq integer NOT NULL,
  phase text NOT NULL,
  step text NOT NULL,
  what text NOT NULL,
  PRIMARY KEY (installation_id, run_id, seq),
  FOREIGN KEY (installation_id, run_id) REFERENCES runs ON DELETE CASCADE
);
CREATE TABLE measures (
  installation_id text NOT NULL,
  run_id text NOT NULL,
  name text NOT NULL,
  value double precision NOT NULL,
  unit text NOT NULL,
  PRIMARY KEY (installation_id, run_id, name),
  FOREIGN KEY (installation_id, run_id) REFERENCES runs ON DELETE CASCADE
);`},
}

// writerTables are the tables a sync writes (selects, inserts, updates,
// deletes); schema_migrations it only reads. A migration that adds a
// table adds it here, so that `fleet migrate` grants it to the writer
// role (TestGrantsCoverTheSchema fails otherwise).
var writerTables = []string{"installations", "runs", "steps", "actions", "measures"}

// SchemaVersion is the newest central schema this release knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrationLock is the advisory lock key of schema changes: the first
// eight bytes of "fossamaint-fleet" as a number.
const migrationLock int64 = 0x666f7373_616d6169

// schemaVersion is the central schema's version: 0 when it has none yet.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return 0, nil
	}
	return v, err
}

// migrate brings the central schema up to SchemaVersion and returns the
// versions it applied. The check runs without the lock (the common case:
// nothing to do); the changes run in one transaction that first takes the
// advisory lock, so that of installations starting at once one applies
// them and the others, once it commits, find them applied.
func migrate(ctx context.Context, conn *pgx.Conn, now time.Time) ([]int, error) {
	v, err := schemaVersion(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("reading the fleet schema version: %w", err)
	}
	if v >= SchemaVersion() {
		return nil, nil
	}
	if err := mayCreate(ctx, conn, v); err != nil {
		return nil, err
	}
	var applied []int
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, what text NOT NULL, applied_at timestamptz NOT NULL)`); err != nil {
			return err
		}
		v, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range migrations {
			if m.version <= v {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.what, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, what, applied_at) VALUES($1, $2, $3)`,
				m.version, m.what, now); err != nil {
				return err
			}
			applied = append(applied, m.version)
		}
		return nil
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
		return nil, fmt.Errorf("upgrading the fleet schema: %w: %w (%s)", ErrSchemaBehind, err, ownerHint)
	}
	if err != nil {
		return nil, fmt.Errorf("upgrading the fleet schema: %w", err)
	}
	return applied, nil
}

// ErrSchemaBehind is wrapped when the central schema is older than this
// release writes and the role of history.url may not upgrade it: a
// least-privilege writer, whose schema an owner upgrades with `fossamaint
// fleet migrate`. No retry cures it.
var ErrSchemaBehind = errors.New("the fleet schema needs an upgrade this role may not make")

// ownerHint says what to do about ErrSchemaBehind.
const ownerHint = "have the schema's owner run `fossamaint fleet migrate` (docs/fleet.md, Roles)"

// mayCreate refuses, with what to do, a role that may not create tables
// in the schema the migrations would create them in: without this check
// the first CREATE would fail with PostgreSQL's bare "permission denied".
func mayCreate(ctx context.Context, conn *pgx.Conn, from int) error {
	var role, schema string
	var ok bool
	err := conn.QueryRow(ctx, `SELECT current_user, coalesce(current_schema(), ''),
		coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)`).Scan(&role, &schema, &ok)
	if err != nil {
		return fmt.Errorf("reading the role's privileges: %w", err)
	}
	if ok {
		return nil
	}
	if schema == "" {
		return fmt.Errorf("%w: no schema of role %s's search_path exists to create the fleet tables in (create one, or set search_path)", ErrSchemaBehind, role)
	}
	return fmt.Errorf("%w: the fleet schema is at version %d and this fossamaint writes version %d, but role %s may not create tables in schema %s: %s",
		ErrSchemaBehind, from, SchemaVersion(), role, schema, ownerHint)
}
