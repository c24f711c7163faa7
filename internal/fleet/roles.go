package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WriterRole is the writer role's name in the GRANT statements Migrate
// prints when it is not told one.
const WriterRole = "fleet_writer"

// MigrateOptions say where and how to bring the central schema up to
// date: an owner's one-off, so that installations may write with a role
// that can only read and write the fleet tables.
type MigrateOptions struct {
	// URL is the central database, as a role that may create tables in
	// it (its owner).
	URL string
	// DryRun reads the schema version and says what would be applied
	// and granted; it writes nothing.
	DryRun bool
	// Grant is the writer role to grant the fleet tables to; "" only
	// returns the statements (for WriterRole).
	Grant string
	// Timeout bounds the whole of it (0: 30 s).
	Timeout time.Duration
	// Now is the clock (schema_migrations.applied_at).
	Now func() time.Time
}

// MigrateResult is what Migrate did.
type MigrateResult struct {
	// URL is the central database without its password.
	URL    string `json:"url"`
	DryRun bool   `json:"dry_run"`
	// User is the role Migrate connected as; Database and Schema where
	// the fleet tables are.
	User     string `json:"user"`
	Database string `json:"database"`
	Schema   string `json:"schema"`
	// From is the schema version before, To after (a dry run: would be).
	From int `json:"from"`
	To   int `json:"to"`
	// Applied are the versions applied (a dry run: that would be), with
	// what each makes.
	Applied []Migration `json:"applied"`
	// Writer is the role Grants are for; Granted says whether Migrate
	// ran them.
	Writer  string   `json:"writer"`
	Grants  []string `json:"grants"`
	Granted bool     `json:"granted"`
}

// Migration is one version of the central schema.
type Migration struct {
	Version int    `json:"version"`
	What    string `json:"what"`
}

// Migrate applies the pending migrations of the central schema (in one
// transaction under the advisory lock, as a sync would), and returns the
// GRANT statements that let a writer role sync without any right to
// create: CONNECT, USAGE on the schema, SELECT on schema_migrations and
// SELECT, INSERT, UPDATE, DELETE on the fleet tables. With Grant it runs
// them for that role, in one transaction. Run it as the schema's owner
// once, and again after each fossamaint upgrade that brings migrations.
func Migrate(ctx context.Context, o MigrateOptions) (MigrateResult, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	res := MigrateResult{URL: RedactURL(o.URL), DryRun: o.DryRun, Applied: []Migration{}, Writer: o.Grant}
	if res.Writer == "" {
		res.Writer = WriterRole
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	conn, err := connect(ctx, o.URL)
	if err != nil {
		return res, fmt.Errorf("migrating the fleet database %s: %w", res.URL, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := migrateOn(ctx, conn, o, &res); err != nil {
		return res, fmt.Errorf("migrating the fleet database %s: %w", res.URL, scrub(err, o.URL))
	}
	return res, nil
}

func migrateOn(ctx context.Context, conn *pgx.Conn, o MigrateOptions, res *MigrateResult) error {
	err := conn.QueryRow(ctx, `SELECT current_user, current_database(), coalesce(current_schema(), '')`).
		Scan(&res.User, &res.Database, &res.Schema)
	if err != nil {
		return fmt.Errorf("reading the role and schema: %w", err)
	}
	if res.Schema == "" {
		return fmt.Errorf("no schema of role %s's search_path exists to create the fleet tables in (create one, or set search_path)", res.User)
	}
	if res.From, err = schemaVersion(ctx, conn); err != nil {
		return fmt.Errorf("reading the fleet schema version: %w", err)
	}
	res.To = max(res.From, SchemaVersion())
	res.Grants = grantStatements(res.Database, res.Schema, res.Writer)
	if o.DryRun {
		for _, m := range migrations {
			if m.version > res.From {
				res.Applied = append(res.Applied, Migration{m.version, m.what})
			}
		}
		return nil
	}
	applied, err := migrate(ctx, conn, o.Now())
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if slices.Contains(applied, m.version) {
			res.Applied = append(res.Applied, Migration{m.version, m.what})
		}
	}
	if o.Grant == "" {
		return nil
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, g := range res.Grants {
			if _, err := tx.Exec(ctx, g); err != nil {
				return fmt.Errorf("%s: %w", g, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("granting the fleet tables to role %s (does it exist? CREATE ROLE %s LOGIN): %w",
			o.Grant, pgx.Identifier{o.Grant}.Sanitize(), err)
	}
	res.Granted = true
	return nil
}

// grantStatements are what a writer role needs to sync into a current
// schema, and nothing more: no CREATE anywhere, no ownership. The
// fleet tables have no sequences (their keys are the installation's id
// and the run's), and the advisory lock needs no privilege.
func grantStatements(database, schema, role string) []string {
	r := pgx.Identifier{role}.Sanitize()
	tables := make([]string, len(writerTables))
	for i, t := range writerTables {
		tables[i] = pgx.Identifier{schema, t}.Sanitize()
	}
	return []string{
		fmt.Sprintf("GRANT CONNECT ON DATABASE %s TO %s", pgx.Identifier{database}.Sanitize(), r),
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", pgx.Identifier{schema}.Sanitize(), r),
		fmt.Sprintf("GRANT SELECT ON TABLE %s TO %s", pgx.Identifier{schema, "schema_migrations"}.Sanitize(), r),
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %s", strings.Join(tables, ", "), r),
	}
}

// grantHint says what to do when the role of history.url was refused a
// table: the writer lacks a grant (a newer release's table, say).
func grantHint(err error) string {
	var pe *pgconn.PgError
	if errors.Is(err, ErrSchemaBehind) || !errors.As(err, &pe) || pe.Code != "42501" {
		return ""
	}
	return " (the role of history.url lacks a privilege on the fleet tables: have the schema's owner run `fossamaint fleet migrate --grant ROLE`; docs/fleet.md, Roles)"
}
