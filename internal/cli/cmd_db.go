package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

func (a *app) dbCmds() []*cobra.Command {
	return []*cobra.Command{a.dbBackupCmd(), a.dbBenchCmd(), a.dbCheckCmd(), a.dbStatsCmd(), a.dbOptimizeCmd()}
}

// dbPathFrom is --db when given, else the configured database.
func (a *app) dbPathFrom(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	in, err := a.installation()
	if err != nil {
		return "", withCode(ExitUsage, fmt.Errorf("%w (or name the database with --db)", err))
	}
	return in.Database.Path, nil
}

// unusable maps "this is not a usable database" to exit 64 with a hint.
func unusable(err error) error {
	for _, e := range []error{sqlitedb.ErrNotExist, sqlitedb.ErrNotDatabase, sqlitedb.ErrPermission, sqlitedb.ErrEmpty} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// openDB opens the database named by --db (or the configured one) for
// maintenance, read-only; a file that is not a usable database, an empty
// one included, exits 64.
func (a *app) openDB(ctx context.Context, flag string) (*sqlitedb.DB, string, error) {
	path, err := a.dbPathFrom(flag)
	if err != nil {
		return nil, "", err
	}
	db, err := sqlitedb.Open(ctx, path, sqlitedb.MaintenanceOptions(true))
	if err != nil {
		return nil, path, unusable(err)
	}
	if err := db.RequireTables(ctx); err != nil {
		db.Close()
		return nil, path, unusable(err)
	}
	return db, path, nil
}

func (a *app) dbCheckCmd() *cobra.Command {
	var dbPath string
	var full, quick, asJSON bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Check a database's integrity: exit 0 ok, 2 corrupt, 64 not a usable database",
		Long: `Runs PRAGMA quick_check (default) or, with --full, integrity_check on the
database, read-only, with a large cache and mmap. Corruption exits 2 and
prints SQLite's messages. What is not a usable database exits 64: a
missing file, a directory, a FIFO, a symlink loop, a URL, a file that is
not an SQLite database, one that cannot be read, and an empty database (no
tables, such as a 0-byte file), which db backup refuses too.

With PostgreSQL (database.url, or DATABASE_URL in the application's .env;
--db names an SQLite file only) it runs pg_amcheck: every B-tree index and every
table's heap (--full: also that every row has its index entries), with
only the locks a read takes. Corruption exits 2; relations that could not
be checked exit 1; a server that does not answer, missing programs, or no
amcheck extension (CREATE EXTENSION amcheck, or
database.postgres.install_extensions: true) exit 64.`,
		Example: `  fossamaint db check --db backend/fossawork_v2.db
  fossamaint db check --full --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if full && quick {
				return usageErr("--quick and --full exclude each other")
			}
			if src := a.pgSource(dbPath); src != nil {
				return a.pgCheck(cmd.Context(), src, full, asJSON)
			}
			db, path, err := a.openDB(cmd.Context(), dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			check := "quick_check"
			var res sqlitedb.CheckResult
			if full {
				check = "integrity_check"
				res, err = db.IntegrityCheck(cmd.Context(), 100)
			} else {
				res, err = db.QuickCheck(cmd.Context())
			}
			if err != nil {
				return unusable(err)
			}
			if asJSON {
				if err := a.encodeJSON(struct {
					Path  string `json:"path"`
					Check string `json:"check"`
					sqlitedb.CheckResult
				}{path, check, res}); err != nil {
					return err
				}
			} else if res.OK {
				fmt.Fprintf(a.stdout, "%s: %s ok (%s)\n", path, check, res.Duration)
			} else {
				fmt.Fprintf(a.stdout, "%s: %s FAILED:\n  %s\n", path, check, strings.Join(res.Messages, "\n  "))
			}
			if !res.OK {
				return exitSilently(ExitFail)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dbPath, "db", "", "database file (default: the configured one)")
	c.Flags().BoolVar(&quick, "quick", false, "PRAGMA quick_check (the default)")
	c.Flags().BoolVar(&full, "full", false, "PRAGMA integrity_check (reads and cross-checks every index)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) dbStatsCmd() *cobra.Command {
	var dbPath string
	var asJSON bool
	c := &cobra.Command{
		Use:   "stats",
		Short: "Size, pages, freelist, journal mode, tables with row counts, largest tables and unused bytes",
		Long: `SQLite: size, pages, freelist ratio, journal mode, every table's rows,
unused bytes inside pages and the largest objects (dbstat).

PostgreSQL: the database's size, each table's live and dead tuples, size,
bloat (pgstattuple when installed, else an estimate) and last (auto)vacuum,
each index's size, bloat, validity and scans, and the transaction-ID age
with the distance to wraparound protection.`,
		Example: `  fossamaint db stats --db backend/fossawork_v2.db
  fossamaint db stats --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if src := a.pgSource(dbPath); src != nil {
				return a.pgStats(cmd.Context(), src, asJSON)
			}
			db, _, err := a.openDB(cmd.Context(), dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.Stats(cmd.Context(), []string{sqlitedb.AllTables})
			if err != nil {
				return unusable(err)
			}
			frag, err := db.Fragmentation(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return a.encodeJSON(struct {
					sqlitedb.Stats
					Fragmentation sqlitedb.Fragmentation `json:"fragmentation"`
				}{st, frag})
			}
			root := "" // a --db path is shown as given
			if dbPath == "" {
				if in, err := a.installation(); err == nil {
					root = in.Root
				}
			}
			printStats(a.stdout, root, st, frag)
			return nil
		},
	}
	c.Flags().StringVar(&dbPath, "db", "", "database file (default: the configured one)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printStats(w io.Writer, root string, st sqlitedb.Stats, frag sqlitedb.Fragmentation) {
	fmt.Fprintf(w, "%s\n  size %s (wal %s), page size %s, %s pages, %s free (%s), journal %s, SQLite %s\n",
		underRoot(root, st.Path), human.Bytes(st.FileSize), human.Bytes(st.WALSize), human.Bytes(st.PageSize),
		humanize.Comma(st.PageCount), humanize.Comma(st.FreelistCount),
		human.Percent(st.FreelistRatio*100), st.JournalMode, st.SQLiteVersion)
	fmt.Fprintf(w, "  %s, %s\n", countText(st.Tables, "table", "tables"), countText(st.Indexes, "index", "indexes"))
	for _, t := range st.Rows {
		fmt.Fprintf(w, "  %-32s %12s rows\n", t.Table, humanize.Comma(t.Rows))
	}
	if frag.DBStatAvailable {
		fmt.Fprintf(w, "  unused bytes inside pages: %s (%s)\n  largest:\n", human.Bytes(frag.UnusedBytes), human.Percent(frag.UnusedRatio*100))
		for i, t := range frag.Objects {
			if i == 10 {
				break
			}
			fmt.Fprintf(w, "    %-30s %10s (%s unused)\n", t.Name, human.Bytes(t.Bytes), human.Bytes(t.Unused))
		}
	}
}

func (a *app) dbOptimizeCmd() *cobra.Command {
	var vacuum string
	var f weeklyFlags
	c := &cobra.Command{
		Use:   "optimize",
		Short: "The database phase alone: verified backup, integrity check, then optimise with minimal downtime",
		Long: `Runs the database phase of the weekly procedure on its own: a verified online
backup, the full integrity check on that copy, and only then the downtime
part: stop the service, checkpoint the WAL, VACUUM INTO and swap when the
file is fragmented (or --vacuum always), PRAGMA optimize (ANALYZE when
sqlite_stat1 is missing), REINDEX only when the check found index problems,
journal_mode=WAL, quick_check, start, wait until ready. Any failure after
the stop restores the pre-maintenance file. The seed's synchronous,
cache_size and temp_store pragmas are not set: they are per-connection and
would do nothing for the application.

It stops the service, so outside the maintenance window it refuses (exit 3,
saying when the window opens) unless --force-window is given; then it warns
and proceeds. A dry run stops nothing and runs at any time. The history
records it as the single command "db optimize", not as a run.

With PostgreSQL it reads the statistics and plans only what they warrant:
VACUUM (ANALYZE) above database.postgres.dead_tuple_percent dead tuples,
ANALYZE of tables never analysed, REINDEX INDEX CONCURRENTLY above
index_bloat_percent, all while the application runs, at any time. VACUUM
FULL only when database.postgres.vacuum_full is downtime (--vacuum always
allows it, --vacuum never forbids it) for tables above
vacuum_full_bloat_percent: a dump is taken first as the rollback point,
the database's service is stopped, tables that would not finish before
the window closes are left for the next one, and the service is started
again. Only that step needs the window (or --force-window).`,
		Example: `  fossamaint db optimize --dry-run
  fossamaint db optimize --vacuum always
  fossamaint db optimize --force-window     # outside the window, on purpose`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			if src := a.pgSource(""); src != nil {
				return a.pgOptimize(cmd, in, src, vacuum, f)
			}
			if vacuum != "" {
				cfg := in.Config
				cfg.Database.Vacuum = vacuum
				if err := cfg.Validate(); err != nil {
					return usageErr("--vacuum: %v", err)
				}
				in.Database.Vacuum = vacuum
			}
			if err := a.optimizeWindow(in.Window, f); err != nil {
				return err
			}
			return a.runPhaseCommand(cmd, in, "database", weeklyFlags{dryRun: f.dryRun, forceWindow: true}, f.asJSON)
		},
	}
	c.Flags().StringVar(&vacuum, "vacuum", "", "auto (when fragmented), always, never or incremental (default: database.vacuum)")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "say what would be done, change nothing")
	c.Flags().BoolVar(&f.forceWindow, "force-window", false, "stop the service even outside the maintenance window")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON")
	return c
}

// checkOut refuses an --out that exists (or whose manifest does) or whose
// directory does not: usage errors, found before anything is opened.
// backup.BackupTo checks again, as it must: this only gives the exit code.
func checkOut(out string) error {
	for _, p := range []string{out, backup.ManifestPathFor(out)} {
		if _, err := os.Lstat(p); err == nil {
			return usageErr("--out %s: %s already exists: choose another path or remove it (backups are never overwritten)", out, p)
		}
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return usageErr("--out %s: directory %s does not exist: create it or choose another path", out, filepath.Dir(out))
	}
	return nil
}

// optimizeWindow lets db optimize stop the service inside the maintenance
// window; outside it only with --force-window (and a warning on stderr),
// else exit 3 saying when the window opens. A dry run stops nothing.
func (a *app) optimizeWindow(win runbook.Window, f weeklyFlags) error {
	now := a.now()
	if _, inside := win.Current(now); inside || f.dryRun {
		return nil
	}
	next := win.Next(now).Start.Format("Mon 2006-01-02 15:04 MST")
	if !f.forceWindow {
		return withCode(ExitOutside, fmt.Errorf("db optimize stops the service, and it is %s (%s %02d:%02d for %s, %s): now %s, next window opens %s; run it then, see what it would do with --dry-run, or stop the service now with --force-window",
			closedWhy(win, now), win.Weekday, win.Hour, win.Minute, human.Duration(win.Duration), win.Location, now.In(win.Location).Format("Mon 2006-01-02 15:04 MST"), next))
	}
	fmt.Fprintf(a.stderr, "warning: outside the maintenance window (next opens %s): --force-window, so db optimize runs now and may stop the service\n", next)
	return nil
}

func (a *app) dbBackupCmd() *cobra.Command {
	var dbPath, out, verify string
	var asJSON bool
	c := &cobra.Command{
		Use:   "backup --out PATH",
		Short: "Online backup of a live database (SQLite backup API), verified, hashed, with a manifest",
		Long: `Copies the database with SQLite's online backup API, so the copy is
consistent while the application writes and includes committed WAL content
(a plain cp of a WAL database can miss rows or tear). The copy is written to
a temp name beside --out, fsynced, renamed and its directory fsynced, mode
0600; then checked (quick_check, or integrity_check with --verify full),
hashed, and described in <out>.manifest.json. What db check calls not a
usable database (an empty one included) exits 64 before anything is
written.

With PostgreSQL it writes a pg_dump custom-format dump taken from one
snapshot (the manifest's per-table row counts are counted in it), with
the same guarantees; --verify quick reads its table of contents back,
full restores it into a scratch database, compares the counts and runs
pg_amcheck on the copy.`,
		Example: `  fossamaint db backup --db backend/fossawork_v2.db --out /srv/backups/fw.db
  fossamaint db backup --out /tmp/fw.db --verify full --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("--out is required (the backup file to write)")
			}
			if verify != "quick" && verify != "full" {
				return usageErr("--verify %q: use quick or full", verify)
			}
			if err := checkOut(out); err != nil {
				return err
			}
			if src := a.pgSource(dbPath); src != nil {
				return a.pgBackupTo(cmd.Context(), src, out, verify, asJSON)
			}
			// The checks of db check first: an empty database would
			// only fail verification after a copy was written.
			db, path, err := a.openDB(cmd.Context(), dbPath)
			if err != nil {
				return err
			}
			if err := db.Close(); err != nil {
				return err
			}
			created, err := backup.BackupTo(cmd.Context(), path, out, backup.ToOptions{Now: a.now(), Verify: verify, ToolVersion: Version})
			if err != nil {
				if errors.Is(err, backup.ErrVerificationFailed) {
					return withCode(ExitFail, err)
				}
				return unusable(err)
			}
			if asJSON {
				return a.encodeJSON(created)
			}
			m := created.Manifest
			fmt.Fprintf(a.stdout, "%s\n  %s, %d pages of %d, %s %s, sha256 %s\n  backup %s, verify %s, manifest %s\n",
				created.Path, human.Bytes(m.Size), m.PageCount, m.PageSize, m.Check, m.CheckResult, m.SHA256,
				created.BackupDuration, created.VerifyDuration, created.ManifestPath)
			return nil
		},
	}
	c.Flags().StringVar(&dbPath, "db", "", "database file (default: the configured one)")
	c.Flags().StringVar(&out, "out", "", "backup file to write (must not exist)")
	c.Flags().StringVar(&verify, "verify", "quick", "quick (quick_check) or full (integrity_check)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
