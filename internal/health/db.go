package health

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// dbProbeTimeout bounds the database probe: a locked or huge database must
// not stall the health report.
const dbProbeTimeout = 5 * time.Second

// dbProbeBusyTimeout is how long the probe waits for another connection's
// lock: well inside dbProbeTimeout, so a busy database is reported as
// locked rather than as a timeout.
const dbProbeBusyTimeout = 2 * time.Second

// DBProbe is the outcome of opening the database read-only and counting its
// schema objects.
type DBProbe struct {
	Path    string
	Exists  bool
	Objects int
	Latency time.Duration
}

// ProbeDB opens path read-only and runs a cheap query. Opening is
// sqlitedb's, the one place that knows how to open the FossaWork database:
// it never creates or writes the file and names a missing, unreadable or
// non-database one. A missing file is reported with Exists false and an
// error; a corrupt one, or one without a table (an empty file), with an
// error that says so, as `db check` does.
func ProbeDB(ctx context.Context, path string) (DBProbe, error) {
	res := DBProbe{Path: path, Exists: true}
	ctx, cancel := context.WithTimeout(ctx, dbProbeTimeout)
	defer cancel()
	opts := sqlitedb.MaintenanceOptions(true)
	opts.BusyTimeout = dbProbeBusyTimeout
	start := time.Now()
	db, err := sqlitedb.Open(ctx, path, opts)
	if err != nil {
		res.Exists = !errors.Is(err, sqlitedb.ErrNotExist)
		if errors.Is(err, fs.ErrNotExist) {
			// The health report's words for the common case, path as given.
			return res, fmt.Errorf("database %s does not exist", path)
		}
		return res, err
	}
	defer db.Close()
	err = db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&res.Objects)
	if err == nil {
		err = db.RequireTables(ctx)
	}
	res.Latency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("querying database %s: %w", path, err)
	}
	return res, nil
}

// ProbePostgres is ProbeDB for a PostgreSQL database (database.url): it
// connects, counts the tables of the public schema and refuses a
// database without one, as ProbeDB refuses an empty SQLite file. Path is
// the URL without its password; Exists is false when the server answers
// but the database is not there. Errors never show the password.
func ProbePostgres(ctx context.Context, rawURL string) (DBProbe, error) {
	name := config.PostgresURLRedacted(rawURL)
	// Scrubbed as libpq reads it: the +driver scheme removed.
	scrub := func(err error) error { return redact.ScrubPGURL(err, config.NormalizePostgresURL(rawURL)) }
	res := DBProbe{Path: name, Exists: true}
	ctx, cancel := context.WithTimeout(ctx, dbProbeTimeout)
	defer cancel()
	start := time.Now()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name
			res.Exists = false
			return res, fmt.Errorf("database %s does not exist", name)
		}
		return res, fmt.Errorf("cannot connect to database %s: %w", name, scrub(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`).Scan(&res.Objects)
	res.Latency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("querying database %s: %w", name, scrub(err))
	}
	if res.Objects == 0 {
		return res, fmt.Errorf("database %s has no tables", name)
	}
	return res, nil
}
