package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Options tune one connection. Zero values leave SQLite's defaults.
type Options struct {
	// ReadOnly opens with mode=ro: every write fails and a missing file is
	// never created.
	ReadOnly bool
	// Immutable opens with immutable=1 (implies ReadOnly): no locks, no
	// -wal/-shm files are created or read. Only for files nothing else
	// writes, such as a finished backup: WAL content beside it is ignored.
	Immutable bool
	// BusyTimeout is how long a statement waits for another connection's
	// lock before failing with "database is locked".
	BusyTimeout time.Duration
	// MmapSize is PRAGMA mmap_size in bytes.
	MmapSize int64
	// CacheSizeKiB is the page cache size (PRAGMA cache_size = -N).
	CacheSizeKiB int
}

// MaintenanceOptions are the settings for fossamaint's own connections.
// DESIGN.md measured integrity_check on 500 MB at 18.8 s without mmap and
// 11.9 s with it; a 64 MiB cache keeps index pages of typical FossaWork
// databases resident across the checks.
func MaintenanceOptions(readOnly bool) Options {
	return Options{
		ReadOnly:     readOnly,
		BusyTimeout:  5 * time.Second,
		MmapSize:     1 << 30,
		CacheSizeKiB: 64 << 10,
	}
}

// DB is one open database file on a single connection, so the
// per-connection pragmas in Options apply to every statement.
type DB struct {
	path string
	opts Options
	sql  *sql.DB
}

// Path is the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// SQL exposes the underlying handle for the packages that build on this one
// (backup, history). Its pool holds exactly one connection.
func (d *DB) SQL() *sql.DB { return d.sql }

// Close closes the connection.
func (d *DB) Close() error {
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("closing database %s: %w", d.path, err)
	}
	return nil
}

// Open opens an existing SQLite database. It never creates a file: a
// missing one is an error wrapping ErrNotExist; a file that is not a
// database wraps ErrNotDatabase; an unreadable one wraps ErrPermission.
// A database whose pages are damaged still opens, so that QuickCheck can
// say what is wrong.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if isURL(path) {
		// Never filepath.Abs a URL: cleaning postgres://u:pw@h into
		// postgres:/u:pw@h hides it from redaction and from the reader.
		return nil, fmt.Errorf("database %s: %w: it is a URL; fossamaint maintains an SQLite database file: give the file's path", path, ErrNotDatabase)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving database path %s: %w", path, err)
	}
	if err := preflight(abs, opts); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(abs, opts))
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", abs, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	d := &DB{path: abs, opts: opts, sql: db}
	// SQLite opens lazily: reading the schema is what finds a file that is
	// not a database, so do it now rather than in the first check.
	var n int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n)
	if err != nil && !errors.Is(classify(err), ErrCorrupt) {
		db.Close()
		return nil, d.wrap(ctx, "opening", err)
	}
	return d, nil
}

// preflight checks the file with the OS before SQLite sees it, because
// SQLite reports a missing or unreadable file as the same CANTOPEN and,
// without mode=ro, would create a missing one; and opening a FIFO would
// block for ever.
func preflight(abs string, opts Options) error {
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s: %w (%w): check the configured database path; fossamaint never creates a database", abs, ErrNotExist, err)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("database %s: %w (%w: a parent is a file): check the configured database path", abs, ErrNotExist, err)
	case errors.Is(err, syscall.ELOOP):
		return fmt.Errorf("database %s: %w: it is a loop of symbolic links (%w); point the configuration at the database file", abs, ErrNotDatabase, err)
	case errors.Is(err, fs.ErrPermission):
		return permissionError(abs, err)
	case err != nil:
		return fmt.Errorf("database %s: %w", abs, err)
	case fi.IsDir():
		return fmt.Errorf("database %s: %w: it is a directory; point the configuration at the database file", abs, ErrNotDatabase)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("database %s: %w: it is a %s, not a file; point the configuration at the database file", abs, ErrNotDatabase, fileKind(fi.Mode()))
	}
	flag := os.O_RDONLY
	if !opts.ReadOnly && !opts.Immutable {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(abs, flag, 0)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return permissionError(abs, err)
		}
		return fmt.Errorf("database %s: %w", abs, err)
	}
	return f.Close()
}

// fileKind names a file type that is not a regular file or a directory.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file (" + m.Type().String() + ")"
}

// isURL reports whether a database path is a URL (postgres://..., file:///...):
// a scheme of two or more letters before "://", so that C:/ stays a path.
func isURL(path string) bool {
	scheme, _, ok := strings.Cut(path, "://")
	if !ok || len(scheme) < 2 {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-')) {
			return false
		}
	}
	return true
}

func permissionError(abs string, err error) error {
	return fmt.Errorf("database %s: %w (%w): run fossamaint as the user that owns the database, or fix its owner and mode", abs, ErrPermission, err)
}

// RequireTables returns ErrEmpty, naming the file, when the database has
// no tables: a 0-byte file (what an application leaves where it opened a
// path that did not exist) or a header without a schema. Such a file is
// not the application's database, and a backup of it fails verification.
func (d *DB) RequireTables(ctx context.Context) error {
	var n int
	err := d.sql.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").Scan(&n)
	if err != nil {
		return d.wrap(ctx, "reading the schema of", err)
	}
	if n > 0 {
		return nil
	}
	size := int64(-1)
	if fi, err := os.Stat(d.path); err == nil {
		size = fi.Size()
	}
	return fmt.Errorf("database %s: %w (%d bytes): this is not the application's database; check the configured database path", d.path, ErrEmpty, size)
}

// dsn builds a file: URI so SQLite honours mode=ro and immutable=1 (the
// driver drops them from plain names) and escapes '?', '#' and '%' in the
// path. Pragmas go in the DSN, not in Exec calls, so a connection that
// database/sql reopens after an interrupted query gets them too.
func dsn(abs string, opts Options) string {
	q := url.Values{}
	switch {
	case opts.Immutable:
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	case opts.ReadOnly:
		q.Set("mode", "ro")
	default:
		q.Set("mode", "rw")
	}
	var pragmas []string
	if opts.BusyTimeout > 0 {
		pragmas = append(pragmas, fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	}
	if opts.MmapSize > 0 {
		pragmas = append(pragmas, fmt.Sprintf("mmap_size(%d)", opts.MmapSize))
	}
	if opts.CacheSizeKiB > 0 {
		pragmas = append(pragmas, fmt.Sprintf("cache_size(-%d)", opts.CacheSizeKiB))
	}
	q["_pragma"] = pragmas
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive paths: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}
