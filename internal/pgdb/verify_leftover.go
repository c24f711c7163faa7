package pgdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// scratchName is the name of a new scratch database made at now:
// fossamaint_verify_YYYYMMDD_HHMMSS_<16 hex> (UTC), its date read back
// by LeftoverDatabases to tell a killed run's from a running one's.
func scratchName(now time.Time) string {
	return scratchPrefix + now.UTC().Format(stampLayout) + "_" + randomHex(8)
}

// scratchDate is the date in a scratch database's name; ok is false for
// a name without one (made before names were dated).
func scratchDate(name string) (time.Time, bool) {
	rest, found := strings.CutPrefix(name, scratchPrefix)
	if !found || len(rest) <= len(stampLayout) || rest[len(stampLayout)] != '_' {
		return time.Time{}, false
	}
	at, err := time.Parse(stampLayout, rest[:len(stampLayout)])
	return at, err == nil
}

// Leftover is a database a killed run left on the server: a restore
// test's scratch database (fossamaint_verify_*) or a restore's copy of
// the application's database (<name>_restore_<stamp>).
type Leftover struct {
	Name string
	// Scratch is true for a restore test's database (dropped by backup
	// prune once stale), false for a restore's copy (recover deals with
	// it; never dropped automatically).
	Scratch bool
	// At is when it was made: from its name, else from its directory's
	// PG_VERSION file when the user may read it; zero when unknown.
	At time.Time
	// Size is in bytes; -1 when the user may not connect to it.
	Size int64
}

// LeftoverDatabases lists the server's scratch databases and the restore
// copies of db's database, oldest first (unknown dates first).
func LeftoverDatabases(ctx context.Context, db *DB) ([]Leftover, error) {
	restore := DatedPrefix(db.Name, KindRestore)
	rows, err := db.Conn().Query(ctx, `SELECT datname,
	  CASE WHEN has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid) ELSE -1 END,
	  CASE WHEN has_function_privilege('pg_catalog.pg_stat_file(text, boolean)', 'EXECUTE')
	       THEN (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification END
	  FROM pg_database
	  WHERE left(datname, char_length($1)) = $1 OR left(datname, char_length($2)) = $2`, scratchPrefix, restore)
	if err != nil {
		return nil, fmt.Errorf("listing leftover databases: %w", err)
	}
	var out []Leftover
	var name string
	var size int64
	var made *time.Time
	_, err = pgx.ForEachRow(rows, []any{&name, &size, &made}, func() error {
		l := Leftover{Name: name, Size: size, Scratch: strings.HasPrefix(name, scratchPrefix)}
		at, ok := scratchDate(name)
		if !l.Scratch {
			at, ok = ParseDated(db.Name, KindRestore, name)
		}
		switch {
		case ok:
			l.At = at
		case made != nil:
			l.At = made.UTC()
		}
		if l.Scratch || ok {
			out = append(out, l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing leftover databases: %w", err)
	}
	slices.SortFunc(out, func(a, b Leftover) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out, nil
}

// DropScratch drops a restore test's scratch database; any other name is
// refused. It does not end connections: one still connected is a restore
// test still running.
func DropScratch(ctx context.Context, db *DB, name string) error {
	if !strings.HasPrefix(name, scratchPrefix) {
		return fmt.Errorf("refusing to drop %s: it is not a restore test's scratch database (%s*)", name, scratchPrefix)
	}
	if _, err := db.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
		return fmt.Errorf("dropping the scratch database %s: %w (if a restore test is still using it, retry once it ended)", name, err)
	}
	return nil
}
