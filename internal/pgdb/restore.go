package pgdb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// RestoreOptions say how a dump replaces the live database.
type RestoreOptions struct {
	// Now names the kept database: <name>_replaced_YYYYMMDD_HHMMSS (UTC).
	Now time.Time
	// Tables are the counts the restored copy must hold before it is
	// switched in (the manifest's); nil: not compared.
	Tables map[string]int64
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Database is the live name (the target's), now the restored copy.
	Database string
	// Replaced is the name the previous database is kept under ("" when
	// there was none).
	Replaced string
	// Terminated counts the connections to the target that were ended.
	Terminated int
	Tables     map[string]int64
	// RestoreDuration is pg_restore into the new database; SwitchDuration
	// the renames (the only time the name points at nothing).
	RestoreDuration time.Duration
	SwitchDuration  time.Duration
	Duration        time.Duration
}

// restorePlan is what Restore works with: the server, the target and the
// names it makes.
type restorePlan struct {
	admin    *pgx.Conn
	adminURL string
	major    int
	target   string
	shape    dbShape
	exists   bool // the target exists (else there is nothing to replace)
	copy     string
	replaced string
}

// Restore puts the dump at path in place of the database targetURL names:
// it restores into a new database <name>_restore_<stamp> on the same
// server and compares its counts with o.Tables; only then are the
// target's connections terminated (pg_terminate_backend, new ones held
// off with ALTER DATABASE ... ALLOW_CONNECTIONS false), the target
// renamed to Replaced and the copy renamed to the target's name. The
// copy first gets the target's database-level properties (privileges,
// connection limit, settings, comment: a dump carries none of them).
// Nothing is dropped: a failure before the switch drops only the new copy
// and leaves the target as it was; a failure between the renames puts the
// target's name back. Replaced is set whenever the switch happened, even
// when Restore also returns an error.
func Restore(ctx context.Context, tools Tools, targetURL, path string, o RestoreOptions) (RestoreResult, error) {
	start := time.Now()
	if o.Now.IsZero() {
		return RestoreResult{}, errors.New("restore: RestoreOptions.Now is not set (it dates the replaced database)")
	}
	p, err := planRestore(ctx, targetURL, o.Now)
	if err != nil {
		return RestoreResult{}, err
	}
	defer p.admin.Close(context.Background())
	res := RestoreResult{Database: p.target}
	if res.Tables, res.RestoreDuration, err = p.restoreCopy(ctx, tools, targetURL, path, o.Tables); err != nil {
		return res, err
	}
	if p.exists {
		if err := p.copyProperties(ctx); err != nil {
			return res, errors.Join(err, dropDatabase(p.adminURL, p.major, p.copy))
		}
	}
	t0 := time.Now()
	err = p.switchIn(ctx, &res)
	res.SwitchDuration = time.Since(t0)
	res.Duration = time.Since(start)
	return res, err
}

// planRestore connects to the server's maintenance database and checks
// that the names Restore will make are free.
func planRestore(ctx context.Context, targetURL string, now time.Time) (*restorePlan, error) {
	cfg, err := pgx.ParseConfig(targetURL)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", Redact(targetURL), scrub(err, targetURL))
	}
	p := &restorePlan{target: cfg.Database}
	switch p.target {
	case "":
		return nil, fmt.Errorf("restore: database URL %s names no database: add it (postgres://host/NAME)", Redact(targetURL))
	case "postgres", "template0", "template1":
		return nil, fmt.Errorf("restore: refusing to replace the server's own database %s: restore into the application's database", p.target)
	}
	p.copy = DatedName(p.target, KindRestore, now)
	p.replaced = DatedName(p.target, KindReplaced, now)
	if p.adminURL, err = Sibling(targetURL, "postgres"); err != nil {
		return nil, err
	}
	if p.admin, err = connect(ctx, p.adminURL); err != nil {
		return nil, err
	}
	if err := p.inspect(ctx); err != nil {
		_ = p.admin.Close(context.Background())
		return nil, err
	}
	return p, nil
}

// inspect reads the server's version and the target's shape, and
// refuses names already taken (a restore in the same second, or a
// leftover copy).
func (p *restorePlan) inspect(ctx context.Context) error {
	var num string
	if err := p.admin.QueryRow(ctx, "SHOW server_version_num").Scan(&num); err != nil {
		return fmt.Errorf("restore: reading the server version: %w", err)
	}
	n, _ := strconv.Atoi(num)
	p.major = n / 10000
	var err error
	if p.shape, p.exists, err = readShape(ctx, p.admin, p.major, p.target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, name := range []string{p.copy, p.replaced} {
		if _, taken, err := readShape(ctx, p.admin, p.major, name); err != nil {
			return fmt.Errorf("restore: %w", err)
		} else if taken {
			return fmt.Errorf("restore: database %s already exists: drop it or restore a second later", name)
		}
	}
	return nil
}

// restoreCopy restores path into the new copy (owned like the target,
// ownership and privileges as dumped) and compares its counts with want.
// On any failure the copy is dropped and the target is untouched.
func (p *restorePlan) restoreCopy(ctx context.Context, tools Tools, targetURL, path string, want map[string]int64) (tables map[string]int64, took time.Duration, err error) {
	if _, err := p.admin.Exec(ctx, p.shape.createSQL(p.copy, p.exists)); err != nil {
		return nil, 0, fmt.Errorf("restore: creating database %s: %w (the user needs CREATEDB)", p.copy, err)
	}
	defer func() {
		if err != nil {
			if derr := dropDatabase(p.adminURL, p.major, p.copy); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	copyURL, err := Sibling(targetURL, p.copy)
	if err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	_, err = restoreDump(ctx, tools, copyURL, path, true, "--exit-on-error", "--single-transaction")
	took = time.Since(t0)
	if err != nil {
		var te *ToolError
		if ctx.Err() == nil && errors.As(err, &te) {
			return nil, took, fmt.Errorf("%w: %s does not restore (database %s is unchanged): %w", ErrBadDump, path, p.target, err)
		}
		return nil, took, fmt.Errorf("restore of %s: %w (database %s is unchanged)", path, err, p.target)
	}
	if tables, err = countDatabase(ctx, copyURL); err != nil {
		return nil, took, fmt.Errorf("restore: counting the rows of %s: %w", p.copy, err)
	}
	if want != nil {
		if diffs := compareTables(want, tables); len(diffs) > 0 {
			return nil, took, fmt.Errorf("%w: %s: %s (database %s is unchanged)", ErrBadDump, path, summarise(diffs), p.target)
		}
	}
	return tables, took, nil
}

// ReplacedDatabases lists the databases Restore kept for db's database
// (<name>_replaced_<stamp>), oldest first.
func ReplacedDatabases(ctx context.Context, db *DB) ([]Replaced, error) {
	prefix := DatedPrefix(db.Name, KindReplaced)
	rows, err := db.Conn().Query(ctx, `SELECT datname,
	  CASE WHEN has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid) ELSE -1 END
	  FROM pg_database WHERE left(datname, char_length($1)) = $1`, prefix)
	if err != nil {
		return nil, fmt.Errorf("listing the databases kept for %s: %w", db.Name, err)
	}
	var out []Replaced
	var r Replaced
	_, err = pgx.ForEachRow(rows, []any{&r.Name, &r.Size}, func() error {
		if at, ok := ParseDated(db.Name, KindReplaced, r.Name); ok {
			out = append(out, Replaced{Name: r.Name, At: at, Size: r.Size})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the databases kept for %s: %w", db.Name, err)
	}
	slices.SortFunc(out, func(a, b Replaced) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Replaced is a database Restore kept aside.
type Replaced struct {
	Name string
	At   time.Time
	// Size is in bytes; -1 when the user may not connect to it.
	Size int64
}

// DropReplaced drops one database ReplacedDatabases listed (retention);
// any other name is refused.
func DropReplaced(ctx context.Context, db *DB, name string) error {
	kept, err := ReplacedDatabases(ctx, db)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(kept, func(r Replaced) bool { return r.Name == name }) {
		return fmt.Errorf("refusing to drop %s: it is not a database a restore of %s kept (%s<YYYYMMDD_HHMMSS>)", name, db.Name, DatedPrefix(db.Name, KindReplaced))
	}
	if _, err := db.Conn().Exec(ctx, "DROP DATABASE "+QuoteIdent(name)); err != nil {
		return fmt.Errorf("dropping %s: %w (if someone is connected to it, retry once they left)", name, err)
	}
	return nil
}
