package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

// generatePG loads the application's schema and rows into the empty
// PostgreSQL database of opts.DatabaseURL: the same tables and the same
// generated rows as the SQLite file, in PostgreSQL's types.
func generatePG(ctx context.Context, inst *Installation, spec sizeSpec, opts Options, progress *syncWriter) error {
	progress.printf("generating database (PostgreSQL %s): %d work orders\n", pgdb.Redact(opts.DatabaseURL), spec.workOrders)
	st, err := createPG(ctx, opts.DatabaseURL, dbSpec{WorkOrders: spec.workOrders, Users: spec.users,
		History: 730 * 24 * time.Hour, Purge: purgeFraction}, newFaker(opts.Seed, 1), opts.Now, progress)
	if err != nil {
		return fmt.Errorf("generating the PostgreSQL database %s: %w", pgdb.Redact(opts.DatabaseURL), err)
	}
	inst.WorkOrders, inst.Dispensers, inst.Users, inst.AutomationJobs = st.WorkOrders, st.Dispensers, st.Users, st.Jobs
	inst.DBBytes = st.Bytes
	progress.printf("database: %d work orders, %d dispensers (PostgreSQL; the purged rows are dead tuples until a VACUUM)\n",
		st.WorkOrders, st.Dispensers)
	return nil
}

// envDatabaseURL is backend/.env's DATABASE_URL: the SQLite file's, or
// the PostgreSQL database's in the postgresql:// form SQLAlchemy reads
// (it refuses postgres://).
func envDatabaseURL(pgURL string) string {
	if pgURL == "" {
		return sqliteDatabaseURL
	}
	if rest, ok := strings.CutPrefix(pgURL, "postgres://"); ok {
		return "postgresql://" + rest
	}
	return pgURL
}

// pgHistoryDB is the scratch database the earlier backups are dumped
// from; it is dropped once they are written.
const pgHistoryDB = "fossawork_v2_demo_history"

// writePGBackups is writeBackups for a PostgreSQL installation: the same
// series of daily sets (directory, dump, manifest) and weekly files,
// each a pg_dump --format=custom of a small scratch database on the same
// server that grows between them, named .dump instead of .db.
func writePGBackups(ctx context.Context, root, appURL string, now time.Time, f *faker) (n int, err error) {
	for _, d := range []string{"daily", "weekly", "maintenance"} {
		if err := os.MkdirAll(filepath.Join(root, "backups", d), 0o700); err != nil {
			return 0, fmt.Errorf("creating backup dir: %w", err)
		}
	}
	tools, err := pgdb.FindTools(ctx, "", 0)
	if err != nil {
		return 0, fmt.Errorf("writing the demo's earlier backups: %w", err)
	}
	src, drop, err := pgScratchDB(ctx, appURL, pgHistoryDB)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, drop()) }()
	evs := backupEvents(now)
	spec := dbSpec{WorkOrders: 300, Users: 10, History: 180 * 24 * time.Hour}
	if _, err := createPG(ctx, src, spec, f, evs[0].at, nil); err != nil {
		return 0, fmt.Errorf("filling %s: %w", pgHistoryDB, err)
	}
	db, err := pgdb.Open(ctx, src)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var user string
	if err := db.Conn().QueryRow(ctx, "SELECT id FROM users ORDER BY created_at, id LIMIT 1").Scan(&user); err != nil {
		return 0, fmt.Errorf("reading a user: %w", err)
	}
	for _, ev := range evs {
		for range 12 {
			row := f.workOrderRow(f.uuid4(), user, f.within(ev.at.Add(-24*time.Hour), 24*time.Hour), ev.at)
			if _, err := db.Conn().Exec(ctx, pgDialect.insertWorkOrder, row...); err != nil {
				return 0, fmt.Errorf("growing the backup source: %w", err)
			}
		}
		if err := takePGBackup(ctx, tools, db, root, ev); err != nil {
			return 0, err
		}
	}
	return len(evs), nil
}

// pgScratchDB creates database name on appURL's server and returns its
// URL and what drops it.
func pgScratchDB(ctx context.Context, appURL, name string) (string, func() error, error) {
	admin, err := pgdb.Sibling(appURL, "postgres")
	if err != nil {
		return "", nil, err
	}
	exec := func(ctx context.Context, q string) error {
		db, err := pgdb.Open(ctx, admin)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Conn().Exec(ctx, q)
		return err
	}
	if err := exec(ctx, "CREATE DATABASE "+pgdb.QuoteIdent(name)); err != nil {
		return "", nil, fmt.Errorf("creating the scratch database %s: %w (drop it if a previous demo left it)", name, err)
	}
	u, err := pgdb.Sibling(appURL, name)
	drop := func() error {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := exec(dctx, "DROP DATABASE IF EXISTS "+pgdb.QuoteIdent(name)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping the scratch database %s: %w", name, err)
		}
		return nil
	}
	if err != nil {
		return "", nil, errors.Join(err, drop())
	}
	return u, drop, nil
}

// takePGBackup dumps db into one backup of ev with pgdb.Dump (temp name
// in the final directory, fsynced, 0600, renamed; its table of contents
// read back); a daily set gets its manifest.
func takePGBackup(ctx context.Context, tools pgdb.Tools, db *pgdb.DB, root string, ev backupEvent) error {
	dir := filepath.Join(root, "backups", "weekly")
	name := "fossawork_v2_full_" + ev.at.Format("20060102_150405") + ".dump"
	if !ev.weekly {
		dir = filepath.Join(root, "backups", "daily", ev.at.Format("20060102"))
		name = "fossawork_v2.dump"
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	final := filepath.Join(dir, name)
	res, err := pgdb.Dump(ctx, tools, db, final)
	if err != nil {
		return fmt.Errorf("dumping %s: %w", pgHistoryDB, err)
	}
	if err := os.Chtimes(final, ev.at, ev.at); err != nil {
		return fmt.Errorf("setting mtime of %s: %w", final, err)
	}
	if ev.weekly {
		return nil
	}
	return writeManifest(filepath.Join(dir, "manifest.json"), pgManifestFor(res, ev.at), ev.at)
}

// pgManifestFor is a daily set's manifest of a dump: its hash and size,
// the versions, the row counts taken in the dump's snapshot; Dump has
// read its table of contents back (the check).
func pgManifestFor(res pgdb.DumpResult, at time.Time) Manifest {
	m := Manifest{Version: 1, Kind: "daily", CreatedAt: at.Format("2006-01-02T15:04:05"),
		Database: filepath.Base(res.Path), Source: "postgresql:///fossawork_v2", Method: "pg_dump",
		Engine: "postgresql", ServerVersion: res.ServerVersion, DumpVersion: res.DumpVersion,
		Check: "pg_restore_list", CheckResult: "ok", SHA256: res.SHA256, Size: res.Size, Tables: map[string]int{}}
	for _, t := range []string{"work_orders", "dispensers"} {
		m.Tables[t] = int(res.Tables["public."+t])
	}
	return m
}
