package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/human"

	"modernc.org/sqlite"
)

// DefaultStepPages is how many pages one backup step copies when
// BackupOptions does not say: 4 MiB at the default 4 KiB page size, a few
// milliseconds of work, so cancellation and progress stay prompt while the
// per-step overhead stays negligible.
const DefaultStepPages = 1024

// defaultBackupBusyTimeout is how long Backup waits for a lock on the
// source when BackupOptions does not say.
const defaultBackupBusyTimeout = 5 * time.Second

// BackupOptions tune Backup. Zero values choose the defaults.
type BackupOptions struct {
	// StepPages is the number of pages copied between checks of ctx and
	// calls to Progress; 0 means DefaultStepPages.
	StepPages int
	// Progress, when set, is called after every step with the pages
	// copied so far and the total.
	Progress func(done, total int)
	// BusyTimeout bounds the wait for a lock on the source; 0 means 5 s.
	BusyTimeout time.Duration
}

// BackupResult describes a finished backup file.
type BackupResult struct {
	Path      string        `json:"path"`
	Size      int64         `json:"size_bytes"`
	PageSize  int64         `json:"page_size"`
	PageCount int64         `json:"page_count"`
	Duration  human.Seconds `json:"duration_seconds"`
}

// Backup copies the database srcPath into dstPath with SQLite's online
// backup API. The copy is one read snapshot of the source: it includes
// every transaction committed before the backup started (also those still
// only in the -wal file) and none committed after, and writers are not
// blocked while it runs in WAL mode (in rollback-journal mode they wait
// for it, up to their busy timeout). The source is opened read-only and
// never changed.
//
// dstPath is written as a single self-contained file in rollback-journal
// mode (no -wal beside it), mode 0600, through a private temp name in its
// directory that is fsynced, renamed and its directory fsynced; an
// existing dstPath is replaced atomically. On any error or cancellation
// the temp file is removed and dstPath is left as it was.
func Backup(ctx context.Context, srcPath, dstPath string, opts BackupOptions) (res BackupResult, err error) {
	start := time.Now()
	defer func() { res.Duration = human.Seconds(time.Since(start)) }()
	dst, err := filepath.Abs(dstPath)
	if err != nil {
		return res, fmt.Errorf("resolving backup path %s: %w", dstPath, err)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = defaultBackupBusyTimeout
	}
	src, err := Open(ctx, srcPath, Options{ReadOnly: true, BusyTimeout: opts.BusyTimeout})
	if err != nil {
		return res, fmt.Errorf("backing up to %s: %w", dst, err)
	}
	defer src.Close()
	if err := notSameFile(src.path, dst); err != nil {
		return res, err
	}
	tmp, err := tempBeside(dst, "backup")
	if err != nil {
		return res, copyError("backing up "+src.path, dst, err)
	}
	defer func() {
		if err != nil {
			removeTemp(tmp)
		}
	}()
	if err := src.backupTo(ctx, tmp, opts); err != nil {
		return res, copyError("backing up "+src.path, dst, err)
	}
	if res.PageSize, res.PageCount, err = selfContained(ctx, tmp); err != nil {
		return res, copyError("backing up "+src.path, dst, err)
	}
	if err := commitTemp(tmp, dst); err != nil {
		return res, copyError("backing up "+src.path, dst, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return res, fmt.Errorf("backing up %s: reading size of %s: %w", src.path, dst, err)
	}
	res.Path, res.Size = dst, fi.Size()
	return res, nil
}

// copyError names the destination, and its directory when that is full,
// since the operator fixes a full disk there, not at the source.
func copyError(op, dst string, err error) error {
	if errors.Is(err, ErrNoSpace) {
		return fmt.Errorf("%s to %s: no space left in %s: %w", op, dst, filepath.Dir(dst), err)
	}
	return fmt.Errorf("%s to %s: %w", op, dst, err)
}

// notSameFile refuses a destination that is the source itself (same path
// or a link to it): replacing it would destroy the database being copied.
func notSameFile(src, dst string) error {
	fs, err1 := os.Stat(src)
	fd, err2 := os.Stat(dst)
	if src == dst || (err1 == nil && err2 == nil && os.SameFile(fs, fd)) {
		return fmt.Errorf("backing up %s: the destination %s is the database itself; choose another path", src, dst)
	}
	return nil
}

// backuper is the method modernc.org/sqlite's driver connection has.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// backupTo runs the online backup into the empty file tmp. It holds one
// read transaction on the source for the whole copy: without it SQLite
// restarts the backup whenever another connection commits between steps,
// which under a steady writer never finishes.
func (d *DB) backupTo(ctx context.Context, tmp string, opts BackupOptions) error {
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return d.wrap(ctx, "connecting to", err)
	}
	defer conn.Close()
	if err := retryBusy(ctx, func() error { return beginSnapshot(ctx, conn) }); err != nil {
		return d.wrap(ctx, "starting a read snapshot of", err)
	}
	// The snapshot is read-only, so ending it cannot lose anything; it
	// must end even when ctx is already cancelled.
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	step := opts.StepPages
	if step <= 0 {
		step = DefaultStepPages
	}
	// A private temp file needs neither a journal nor syncs while it is
	// written: a failure discards it, and commitTemp fsyncs it once.
	dstURI := dsn(tmp, Options{}) + "&" + url.Values{"_pragma": {"journal_mode(OFF)", "synchronous(OFF)"}}.Encode()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) has no online backup API", dc)
		}
		bk, err := b.NewBackup(dstURI)
		if err != nil {
			return fileError("opening "+tmp, err)
		}
		return runSteps(ctx, bk, step, opts.Progress)
	})
	if err != nil {
		return d.wrap(ctx, "copying pages of", err)
	}
	return nil
}

func beginSnapshot(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	return nil
}

// runSteps copies step pages at a time until done, checking ctx between
// steps. Finish always runs: it releases the destination connection.
func runSteps(ctx context.Context, bk *sqlite.Backup, step int, progress func(done, total int)) (err error) {
	defer func() {
		if ferr := bk.Finish(); err == nil && ferr != nil {
			err = ferr
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var more bool
		err := retryBusy(ctx, func() error {
			var err error
			more, err = bk.Step(int32(step))
			return err
		})
		if err != nil {
			return err
		}
		if progress != nil {
			total := bk.PageCount()
			progress(total-bk.Remaining(), total)
		}
		if !more {
			return nil
		}
	}
}

// Busy retries: SQLite's busy handler already waited inside the call, so
// these few extra attempts (about one second in all) only absorb a lock
// that another process takes and releases at the wrong moment.
const (
	busyRetries  = 8
	busyFirstGap = 10 * time.Millisecond
	busyMaxGap   = 250 * time.Millisecond
)

// retryBusy calls fn until it succeeds, fails with something other than
// ErrBusy, runs out of attempts, or ctx ends.
func retryBusy(ctx context.Context, fn func() error) error {
	gap := busyFirstGap
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || attempt == busyRetries || !errors.Is(classify(err), ErrBusy) {
			return err
		}
		t := time.NewTimer(gap)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		gap = min(2*gap, busyMaxGap)
	}
}

// selfContained switches the finished copy to rollback-journal mode. The
// backup copies page 1 verbatim, so a copy of a WAL database says "WAL"
// in its header and would grow -wal and -shm files beside it on first use;
// a backup must be one file that can be moved and hashed alone.
func selfContained(ctx context.Context, tmp string) (pageSize, pageCount int64, err error) {
	db, err := Open(ctx, tmp, Options{})
	if err != nil {
		return 0, 0, err
	}
	var mode string
	err = db.sql.QueryRowContext(ctx, "PRAGMA journal_mode=DELETE").Scan(&mode)
	if err == nil && mode != "delete" {
		err = fmt.Errorf("journal_mode is still %q", mode)
	}
	if err == nil {
		err = db.sql.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize)
	}
	if err == nil {
		err = db.sql.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pageCount)
	}
	if err != nil {
		db.Close()
		return 0, 0, db.wrap(ctx, "switching to rollback-journal mode", err)
	}
	return pageSize, pageCount, db.Close()
}
