package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/fleet"
)

func (a *app) fleetMigrateCmd() *cobra.Command {
	var asJSON, dryRun bool
	var grant, rawURL string
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the central schema as its owner; grant a writer role the fleet tables",
		Long: `For installations that write with a least-privilege role (docs/fleet.md,
Roles): run once as the fleet database's owner, and again after each
fossamaint upgrade, before the installations sync. It applies the pending
schema migrations (in one transaction, under the same advisory lock as a
sync) and prints the GRANT statements that let a writer role sync without
any right to create: CONNECT, USAGE on the schema, SELECT on
schema_migrations, SELECT, INSERT, UPDATE, DELETE on the fleet tables.
With --grant ROLE it runs them for ROLE (idempotent).

The database is history.url, or --url: give the owner's URL there and its
password in PGPASSWORD or ~/.pgpass, not on the command line. With
--dry-run it reads the schema version and prints what it would apply and
grant; it writes nothing. Exit 0 when the schema is current, 2 when the
database cannot be reached or refuses (a role that may not create tables
is told so), 64 without a URL.`,
		Example: `  PGPASSWORD=... fossamaint fleet migrate --url postgres://fleet_owner@fleet-db.internal/fleet --dry-run
  fossamaint fleet migrate --url postgres://fleet_owner@fleet-db.internal/fleet --grant fleet_writer
  fossamaint fleet migrate --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := fleet.MigrateOptions{URL: rawURL, DryRun: dryRun, Grant: grant, Now: a.now}
			if rawURL == "" {
				in, err := a.fleetInstallation()
				if err != nil {
					return err
				}
				o.URL, o.Timeout = in.Config.History.URL, in.Config.History.Timeout.D()
			}
			if err := fleet.CheckURL(o.URL); err != nil {
				return withCode(ExitUsage, err)
			}
			res, err := fleet.Migrate(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeJSON(res)
			}
			printMigrate(a.stdout, res, grant != "")
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print what was applied and the grants as JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be applied and granted; write nothing")
	c.Flags().StringVar(&grant, "grant", "", "run the GRANT statements for this writer `ROLE`")
	c.Flags().StringVar(&rawURL, "url", "", "the fleet database as its owner (default history.url; password in PGPASSWORD or ~/.pgpass)")
	return c
}

// printMigrate prints what Migrate did; toGrant: --grant was given.
func printMigrate(w io.Writer, r fleet.MigrateResult, toGrant bool) {
	fmt.Fprintf(w, "fleet database %s as role %s, schema %s\n", r.URL, r.User, r.Schema)
	switch {
	case len(r.Applied) == 0:
		fmt.Fprintf(w, "schema at version %d: current (this release writes version %d)\n", r.From, fleet.SchemaVersion())
	case r.DryRun:
		fmt.Fprintf(w, "schema at version %d; would apply:\n", r.From)
	default:
		fmt.Fprintf(w, "schema upgraded from version %d to %d:\n", r.From, r.To)
	}
	for _, m := range r.Applied {
		fmt.Fprintf(w, "  %d  %s\n", m.Version, m.What)
	}
	switch {
	case r.Granted:
		fmt.Fprintf(w, "granted to role %s:\n", r.Writer)
	case r.DryRun && toGrant:
		fmt.Fprintf(w, "would grant to role %s:\n", r.Writer)
	default:
		fmt.Fprintf(w, "for a writer role (here %s; --grant ROLE runs them), as the owner:\n", r.Writer)
	}
	for _, g := range r.Grants {
		fmt.Fprintf(w, "  %s;\n", g)
	}
}
