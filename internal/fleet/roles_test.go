package fleet_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// asRole is url (the superuser's, over the socket, trusted) as role.
func asRole(t *testing.T, rawURL, role string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

func execSQL(t *testing.T, rawURL string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// leastPrivilegeRoles makes database fleet in a private cluster with
// the roles as docs/fleet.md (Roles) sets them up, and returns the URLs
// of its owner (no superuser; on PostgreSQL 15 the database's owner owns
// public) and of a writer role that may create nothing.
func leastPrivilegeRoles(t *testing.T) (admin, writer string) {
	t.Helper()
	c := testkit.Postgres(t)
	super := testkit.PostgresDB(t, c, "fleet")
	execSQL(t, super,
		`CREATE ROLE fleet_owner LOGIN`,
		`CREATE ROLE writer LOGIN`,
		`ALTER DATABASE fleet OWNER TO fleet_owner`,
		`REVOKE ALL ON DATABASE fleet FROM PUBLIC`,
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`DO $$ BEGIN IF current_setting('server_version_num')::int < 150000 THEN ALTER SCHEMA public OWNER TO fleet_owner; END IF; END $$`)
	admin, writer = asRole(t, super, "fleet_owner"), asRole(t, super, "writer")
	if !query[bool](t, admin, `SELECT NOT has_database_privilege('writer', 'fleet', 'CREATE')
		AND NOT has_database_privilege('writer', 'fleet', 'TEMP') AND NOT has_schema_privilege('writer', 'public', 'CREATE')`) {
		t.Fatal("the writer role may create: the test proves nothing")
	}
	return admin, writer
}

// TestLeastPrivilegeWriter: an installation whose role may only read and
// write the fleet tables (no CREATE on the database or the schema, no
// TEMP, owning nothing) is refused with what to do while the schema is
// behind, and syncs once an owner ran Migrate with its grants; a re-sync
// and a stale run (UPDATE, DELETE) work too, and the view reads.
func TestLeastPrivilegeWriter(t *testing.T) {
	admin, writer := leastPrivilegeRoles(t)
	s := newSite(t, "least-priv")
	s.record(t)
	s.record(t)

	// Before any grant the role cannot even connect.
	if _, err := s.sync(t, writer); err == nil || !strings.Contains(err.Error(), "refused the connection") {
		t.Errorf("sync before the grants: %v, want the connection refused", err)
	}

	// The owner's dry run says what it would apply and grant, and does
	// nothing.
	ctx := context.Background()
	dry, err := fleet.Migrate(ctx, fleet.MigrateOptions{URL: admin, DryRun: true, Grant: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	if dry.From != 0 || dry.To != fleet.SchemaVersion() || len(dry.Applied) != fleet.SchemaVersion() || dry.Granted || len(dry.Grants) == 0 {
		t.Errorf("dry run: %+v", dry)
	}
	if n := query[int](t, admin, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Fatalf("the dry run made %d tables", n)
	}
	if _, err := s.sync(t, writer); err == nil {
		t.Error("the dry run granted something")
	}

	// Grants only, schema behind: the writer may connect, and is told
	// to have the owner migrate, without a retry.
	execSQL(t, admin, `GRANT CONNECT ON DATABASE fleet TO writer`)
	start := time.Now()
	res, err := s.sync(t, writer)
	if !errors.Is(err, fleet.ErrSchemaBehind) || !strings.Contains(err.Error(), "run `fossamaint fleet migrate`") ||
		!strings.Contains(err.Error(), "role writer may not create tables in schema public") {
		t.Errorf("sync into a schema behind: %v, want ErrSchemaBehind naming fleet migrate", err)
	}
	if res.Attempts != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("sync into a schema behind: %d attempts in %s, want 1 (no retry cures it)", res.Attempts, time.Since(start))
	}

	// The owner migrates and grants; the writer syncs.
	got, err := fleet.Migrate(ctx, fleet.MigrateOptions{URL: admin, Grant: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	if got.From != 0 || got.To != fleet.SchemaVersion() || len(got.Applied) != fleet.SchemaVersion() || !got.Granted || !slices.Equal(got.Grants, dry.Grants) {
		t.Errorf("migrate: %+v", got)
	}
	res, err = s.sync(t, writer)
	if err != nil {
		t.Fatalf("the writer's sync after the migration: %v", err)
	}
	if len(res.Sent) != 2 || len(res.Migrated) != 0 {
		t.Errorf("the writer's sync: sent %v, migrated %v; want both runs, no migration", res.Sent, res.Migrated)
	}
	s.record(t)
	if res, err = s.sync(t, writer); err != nil || len(res.Sent) != 1 {
		t.Fatalf("the writer's second sync: sent %v, %v", res.Sent, err)
	}
	// A stale run (its fingerprint changed, as a rollback changes it) is
	// updated and its children replaced: UPDATE and DELETE.
	execSQL(t, admin, `UPDATE runs SET fingerprint = 'old' WHERE run_id = '`+s.runs[0].RunID+`'`)
	if res, err = s.sync(t, writer); err != nil || res.Stale != 1 {
		t.Fatalf("the writer's sync of a stale run: %+v, %v", res, err)
	}
	checkCentral(t, admin, []*site{s})
	checkView(t, writer, []*site{s}, s.runs[2].StartedAt.Add(5*time.Hour))

	checkMigrateAgain(t, admin, writer, s)
}

// checkMigrateAgain: a second Migrate applies nothing (the grants are
// idempotent); with the schema behind again, the writer is refused both
// Migrate and a sync, with ErrSchemaBehind.
func checkMigrateAgain(t *testing.T, admin, writer string, s *site) {
	t.Helper()
	ctx := context.Background()
	again, err := fleet.Migrate(ctx, fleet.MigrateOptions{URL: admin, Grant: "writer"})
	if err != nil || len(again.Applied) != 0 || again.From != fleet.SchemaVersion() {
		t.Errorf("a second migrate: %+v, %v", again, err)
	}
	// The writer itself is told it may not migrate (schema behind again:
	// its newest version gone from schema_migrations).
	execSQL(t, admin, `DELETE FROM schema_migrations WHERE version = `+strconv.Itoa(fleet.SchemaVersion()))
	if _, err := fleet.Migrate(ctx, fleet.MigrateOptions{URL: writer}); !errors.Is(err, fleet.ErrSchemaBehind) {
		t.Errorf("migrate as the writer: %v, want ErrSchemaBehind", err)
	}
	if _, err := s.sync(t, writer); !errors.Is(err, fleet.ErrSchemaBehind) {
		t.Errorf("sync as the writer into a schema behind: %v, want ErrSchemaBehind", err)
	}
}

// TestGrantsCoverTheSchema: every relation the migrations make is one the
// grants name (or an index), and none is a sequence, which the writer
// would need USAGE on: a migration adding a table or a serial column
// fails here until the grants cover it.
func TestGrantsCoverTheSchema(t *testing.T) {
	c := testkit.Postgres(t)
	admin := testkit.PostgresDB(t, c, "fleet")
	res, err := fleet.Migrate(context.Background(), fleet.MigrateOptions{URL: admin})
	if err != nil {
		t.Fatal(err)
	}
	if res.Granted || res.Writer != fleet.WriterRole {
		t.Errorf("migrate without a role: %+v", res)
	}
	grants := strings.Join(res.Grants, "\n")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind <> 'i' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var name, kind string
	n := 0
	if _, err := pgx.ForEachRow(rows, []any{&name, &kind}, func() error {
		n++
		if kind == "S" {
			t.Errorf("sequence %s: the writer needs USAGE on it; grant it in grantStatements", name)
		} else if !strings.Contains(grants, `"public"."`+name+`"`) {
			t.Errorf("relation %s (kind %s) is not granted:\n%s", name, kind, grants)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Errorf("%d relations in the schema, want the fleet tables and schema_migrations", n)
	}
}
