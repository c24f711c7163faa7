package recovery

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// recoverPostgres is recoverDatabase for PostgreSQL. A restore holds off
// the live database's connections (ALLOW_CONNECTIONS false), then
// switches databases with two renames (the live one to
// <name>_replaced_<stamp>, the restored copy <name>_restore_<stamp> to
// <name>); a run that died between them leaves the name missing, and one
// that died anywhere after the hold-off may leave a database refusing
// every connection.
//
// A name present means the database is whole (a rename is atomic); a
// leftover copy is reported, not dropped. A missing name is given back to
// the newest replaced database (the state before the restore, which the
// run can then redo). A copy alone is never put in: the run may have died
// before or during pg_restore or the count, so it may be empty or partial;
// it is kept and reported Critical. Then the live database and the newest
// replaced one are made to accept connections again.
func (k *Kit) recoverPostgres(ctx context.Context, env *runbook.Env, a history.Abandoned, r *runbook.Result) error {
	name := k.postgres().Name()
	maint, err := pgdb.Sibling(k.postgres().URL, "postgres")
	if err != nil {
		return err
	}
	db, err := pgdb.Open(ctx, maint)
	if err != nil {
		r.Finding(runbook.Critical, err.Error(), "run %s died while changing the database and PostgreSQL cannot be reached to check it", a.RunID)
		r.Recommend("Start PostgreSQL, then run `fossamaint recover` again.")
		return nil
	}
	defer db.Close()
	st, err := readDated(ctx, db, name)
	if err != nil {
		return err
	}
	live := name
	switch {
	case st.present:
		env.Record("run %s died while changing files; database %s is in place and kept", a.RunID, name)
		for _, c := range st.copies {
			r.Finding(runbook.Info, c, "database %s is the copy of a restore that did not finish: drop it (DROP DATABASE %s) once you no longer need it", c, pgdb.QuoteIdent(c))
		}
	case len(st.replaced) > 0:
		from := st.replaced[len(st.replaced)-1]
		st.replaced = st.replaced[:len(st.replaced)-1]
		r.Finding(runbook.Warning, from, "database %s was missing after run %s died: renaming %s back (the restore died between its renames: the database it replaced gets its name back)", name, a.RunID, from)
		err := env.Do(ctx, fmt.Sprintf("rename database %s to %s", from, name), func(ctx context.Context) error {
			return alterDatabase(ctx, db, pgdb.QuoteIdent(from)+" RENAME TO "+pgdb.QuoteIdent(name))
		})
		if err != nil {
			return err
		}
		st.allow[name] = st.allow[from]
	case len(st.copies) > 0:
		c := st.copies[len(st.copies)-1]
		r.Finding(runbook.Critical, c, "run %s died while restoring database %s, which is missing: only %s, the copy the restore was filling, is there; the run may have died before or during pg_restore or the count, so it may be empty or partial and is not put in as %s (it is kept)", a.RunID, name, c, name)
		r.Recommend("Run the restore again: `fossamaint backup list`, then `fossamaint backup restore ID`; once it succeeded, drop the unfinished copy (DROP DATABASE %s).", pgdb.QuoteIdent(c))
		live = ""
	default:
		r.Finding(runbook.Critical, name, "run %s died while changing the database and database %s is missing, with no replaced database or restored copy to put back", a.RunID, name)
		r.Recommend("Restore the newest verified backup: `fossamaint backup list`, then `fossamaint backup restore ID`.")
		live = ""
	}
	return allowConnections(ctx, env, db, st, live, a, r)
}

// allowConnections ends what a restore's hold-off began: the live
// database (live; "" when there is none) and the newest replaced database
// left in st accept connections again.
func allowConnections(ctx context.Context, env *runbook.Env, db *pgdb.DB, st datedState, live string, a history.Abandoned, r *runbook.Result) error {
	var names []string
	if live != "" {
		names = append(names, live)
	}
	if n := len(st.replaced); n > 0 {
		names = append(names, st.replaced[n-1])
	}
	for _, n := range names {
		if st.allow[n] {
			continue
		}
		r.Finding(runbook.Warning, n, "database %s refused every connection (ALLOW_CONNECTIONS false: run %s died during a restore's switch): allowing connections again", n, a.RunID)
		err := env.Do(ctx, fmt.Sprintf("allow connections to database %s", n), func(ctx context.Context) error {
			return alterDatabase(ctx, db, pgdb.QuoteIdent(n)+" ALLOW_CONNECTIONS true")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// alterDatabase runs ALTER DATABASE clause.
func alterDatabase(ctx context.Context, db *pgdb.DB, clause string) error {
	if _, err := db.Conn().Exec(ctx, "ALTER DATABASE "+clause); err != nil {
		return fmt.Errorf("ALTER DATABASE %s: %w (run it as a superuser or the database's owner)", clause, err)
	}
	return nil
}

// datedState is what a restore of name left on the server.
type datedState struct {
	present bool
	// replaced and copies are the databases a restore kept and the
	// copies it made (pgdb.DatedName), oldest first.
	replaced, copies []string
	// allow is datallowconn of every database listed.
	allow map[string]bool
}

// readDated lists database name and the databases restores of it named
// (pgdb.DatedName, the one naming function).
func readDated(ctx context.Context, db *pgdb.DB, name string) (datedState, error) {
	st := datedState{allow: map[string]bool{}}
	rp, cp := pgdb.DatedPrefix(name, pgdb.KindReplaced), pgdb.DatedPrefix(name, pgdb.KindRestore)
	rows, err := db.Conn().Query(ctx, `SELECT datname, datallowconn FROM pg_database
	  WHERE datname = $1 OR left(datname, char_length($2)) = $2 OR left(datname, char_length($3)) = $3`, name, rp, cp)
	if err != nil {
		return st, fmt.Errorf("listing databases: %w", err)
	}
	defer rows.Close()
	at := map[string]time.Time{}
	for rows.Next() {
		var n string
		var allow bool
		if err := rows.Scan(&n, &allow); err != nil {
			return st, fmt.Errorf("listing databases: %w", err)
		}
		st.allow[n] = allow
		if t, ok := pgdb.ParseDated(name, pgdb.KindReplaced, n); ok {
			st.replaced, at[n] = append(st.replaced, n), t
		} else if t, ok := pgdb.ParseDated(name, pgdb.KindRestore, n); ok {
			st.copies, at[n] = append(st.copies, n), t
		} else if n == name {
			st.present = true
		}
	}
	byDate := func(x, y string) int {
		if c := at[x].Compare(at[y]); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	}
	slices.SortFunc(st.replaced, byDate)
	slices.SortFunc(st.copies, byDate)
	return st, rows.Err()
}
