package recovery

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// recoverPostgres is recoverDatabase for PostgreSQL. A restore switches
// databases with two renames (the live one to <name>_replaced_<stamp>,
// the restored copy <name>_restore_<stamp> to <name>); a run that died
// between them leaves the name missing. The switch is undone: the newest
// replaced database gets the name back (the state before the restore,
// which the run can then redo); when there is none (there was no
// database to replace), the restored copy, complete and counted before
// any rename, is switched in. A name present means the database is whole
// (a rename is atomic); a leftover copy is reported, not dropped.
func (k *Kit) recoverPostgres(ctx context.Context, env *runbook.Env, a history.Abandoned, r *runbook.Result) error {
	src := k.postgres()
	name := src.Name()
	maint, err := pgdb.Sibling(src.URL, "postgres")
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
	names, err := databasesLike(ctx, db, name, datedPrefix(name, "replaced"), datedPrefix(name, "restore"))
	if err != nil {
		return err
	}
	var replaced, copies []string
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, datedPrefix(name, "replaced")):
			replaced = append(replaced, n)
		case strings.HasPrefix(n, datedPrefix(name, "restore")):
			copies = append(copies, n)
		}
	}
	if slices.Contains(names, name) {
		env.Record("run %s died while changing files; database %s is in place and kept", a.RunID, name)
		for _, c := range copies {
			r.Finding(runbook.Info, c, "database %s is the copy of a restore that did not finish: drop it (DROP DATABASE %s) once you no longer need it", c, pgdb.QuoteIdent(c))
		}
		return nil
	}
	var from, why string
	switch {
	case len(replaced) > 0:
		from, why = slices.Max(replaced), "the restore died between its renames: the database it replaced gets its name back"
	case len(copies) > 0:
		from, why = slices.Max(copies), "the restore died before switching in its copy, with no database to replace: the copy, counted before the switch, gets the name"
	default:
		r.Finding(runbook.Critical, name, "run %s died while changing the database and database %s is missing, with no replaced database or restored copy to put back", a.RunID, name)
		r.Recommend("Restore the newest verified backup: `fossamaint backup list`, then `fossamaint backup restore ID`.")
		return nil
	}
	r.Finding(runbook.Warning, from, "database %s was missing after run %s died: renaming %s back (%s)", name, a.RunID, from, why)
	return env.Do(ctx, fmt.Sprintf("rename database %s to %s", from, name), func(ctx context.Context) error {
		_, err := db.Conn().Exec(ctx, "ALTER DATABASE "+pgdb.QuoteIdent(from)+" RENAME TO "+pgdb.QuoteIdent(name))
		if err != nil {
			return fmt.Errorf("renaming database %s to %s: %w (as a superuser or the owner: ALTER DATABASE %s RENAME TO %s)", from, name, err, pgdb.QuoteIdent(from), pgdb.QuoteIdent(name))
		}
		return nil
	})
}

// datedPrefix is how pgdb.Restore begins the names of its copies and
// kept databases: <name>_<kind>_, name clipped so that the name with its
// YYYYMMDD_HHMMSS fits PostgreSQL's 63 bytes.
func datedPrefix(name, kind string) string {
	suffix := "_" + kind + "_"
	n := 63 - len(suffix) - len("20060102_150405")
	if len(name) > n {
		for n > 0 && !utf8.RuneStart(name[n]) {
			n--
		}
		name = name[:n]
	}
	return name + suffix
}

// databasesLike lists the server's databases named name or beginning
// with one of prefixes.
func databasesLike(ctx context.Context, db *pgdb.DB, name string, prefixes ...string) ([]string, error) {
	rows, err := db.Conn().Query(ctx, "SELECT datname FROM pg_database WHERE datname = $1 OR left(datname, char_length($2)) = $2 OR left(datname, char_length($3)) = $3 ORDER BY datname", name, prefixes[0], prefixes[1])
	if err != nil {
		return nil, fmt.Errorf("listing databases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
