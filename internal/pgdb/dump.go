package pgdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/jackc/pgx/v5"
)

// ErrBadDump is wrapped by errors that are a verdict on a dump file (not
// a custom-format dump, truncated, fails to restore, counts differ), as
// opposed to "could not verify" (server down, cancelled).
var ErrBadDump = errors.New("the dump is not sound")

// DumpResult describes a dump Dump wrote.
type DumpResult struct {
	Path   string
	Size   int64
	SHA256 string
	// ServerVersion is the server's ("15.18"); DumpVersion pg_dump's.
	ServerVersion string
	DumpVersion   string
	// Snapshot is the exported snapshot the dump and the counts share.
	Snapshot string
	// TOC counts the dump's table-of-contents entries by type, as
	// pg_restore --list names them ("TABLE", "TABLE DATA", "INDEX",
	// "CONSTRAINT", "SEQUENCE", ...).
	TOC map[string]int
	// Tables are the rows of each user table ("public.work_orders"),
	// counted in the dump's snapshot.
	Tables   map[string]int64
	Duration time.Duration
}

// tempPurpose names Dump's temporary file (durable's naming, so a later
// run sweeps it when this process died).
const tempPurpose = "pgdump"

// Dump writes a custom-format dump of db's database to dst (which must
// not exist): pg_dump --format=custom --snapshot=S, where S is exported
// by a repeatable-read transaction on db that also counts every user
// table's rows, so the counts are the dump's. The file is written under a
// temporary name beside dst, fsynced, renamed, mode 0600; on any failure
// or cancellation nothing is left under either name. The password of
// db's URL goes to pg_dump in PGPASSWORD, never in its argv.
func Dump(ctx context.Context, tools Tools, db *DB, dst string) (DumpResult, error) {
	start := time.Now()
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			return DumpResult{}, fmt.Errorf("dump %s: %w: choose another name (a dump is never overwritten)", dst, fs.ErrExist)
		}
		return DumpResult{}, fmt.Errorf("dump %s: %w", dst, err)
	}
	// Made here, 0600, before pg_dump writes into it: the rows are never
	// readable by others, not even while the dump is written.
	f, err := durable.CreateTemp(filepath.Dir(dst), tempPurpose)
	if err != nil {
		return DumpResult{}, fmt.Errorf("dump %s: %w", dst, err)
	}
	tmp := f.Name()
	_ = f.Close()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(tmp)
		}
	}()
	res := DumpResult{Path: dst, ServerVersion: db.Version, DumpVersion: tools.Version}
	res.Snapshot, res.Tables, err = dumpInSnapshot(ctx, tools, db, tmp)
	if err != nil {
		return DumpResult{}, err
	}
	if res.SHA256, res.Size, err = ctxio.HashFile(ctx, tmp); err != nil {
		return DumpResult{}, fmt.Errorf("reading the dump %s back: %w", tmp, err)
	}
	if res.TOC, err = ReadTOC(ctx, tools, tmp); err != nil {
		return DumpResult{}, fmt.Errorf("the dump pg_dump just wrote: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return DumpResult{}, fmt.Errorf("dump %s: %w", tmp, err)
	}
	if err := durable.SyncFile(tmp); err != nil {
		return DumpResult{}, fmt.Errorf("dump %s: %w", tmp, err)
	}
	// RenameNoReplace: dst may have appeared since the check above.
	if err := durable.RenameNoReplace(tmp, dst); err != nil {
		if _, serr := os.Lstat(dst); serr == nil && errors.Is(err, fs.ErrExist) {
			return DumpResult{}, fmt.Errorf("dump %s: %w: another process wrote it meanwhile; choose another name", dst, err)
		}
		_ = os.Remove(dst)
		return DumpResult{}, fmt.Errorf("dump %s: %w", dst, err)
	}
	done = true
	res.Duration = time.Since(start)
	return res, nil
}

// dumpInSnapshot opens a second connection to db's database, exports a
// repeatable-read snapshot, counts the tables in it and runs pg_dump on
// that snapshot into tmp while the transaction stays open (the snapshot
// lives only as long as it).
func dumpInSnapshot(ctx context.Context, tools Tools, db *DB, tmp string) (string, map[string]int64, error) {
	conn, err := connect(ctx, db.URL())
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(context.Background())
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return "", nil, fmt.Errorf("starting the dump's transaction on %s: %w", db.Name, err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	var snap string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snap); err != nil {
		return "", nil, fmt.Errorf("exporting a snapshot of %s: %w", db.Name, err)
	}
	tables, err := countUserRows(ctx, tx)
	if err != nil {
		return "", nil, fmt.Errorf("database %s: %w", db.Name, err)
	}
	if _, err := runTool(ctx, tools, "pg_dump", db.URL(), "--format=custom", "--snapshot="+snap, "--file="+tmp); err != nil {
		return "", nil, fmt.Errorf("dumping %s: %w", db.Name, err)
	}
	return snap, tables, nil
}

// ReadTOC reads a dump's table of contents (pg_restore --list, no
// server): entry counts by type. A file that is not a readable
// custom-format dump is an error wrapping ErrBadDump.
func ReadTOC(ctx context.Context, tools Tools, path string) (map[string]int, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("reading the dump's table of contents: %w", err)
	}
	out, err := runTool(ctx, tools, "pg_restore", "", "--list", path)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("reading the table of contents of %s: %w", path, ctx.Err())
	}
	var te *ToolError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("%w: %s is not a readable custom-format dump: %w", ErrBadDump, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the table of contents of %s: %w", path, err)
	}
	return parseTOC(string(out)), nil
}
