package sqlitedb

import (
	"github.com/fossawork/fossamaint/internal/fault"

	"github.com/fossawork/fossamaint/internal/durable"

	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// InstallFile puts src, a complete and verified database file in the same
// directory as target, in place of target, and keeps the file it replaces
// as asideDir/asideName (the rollback point). It returns that path, or ""
// when there was no target to keep.
//
// The sequence never leaves target missing or half-written:
//
//  1. src takes target's mode and owner (uid/gid, which needs root when
//     they differ from ours) before anything else changes.
//  2. The current target is kept aside by a hard link (same filesystem)
//     or a fsynced copy (another filesystem); target itself stays.
//  3. target-wal and target-journal belong to the replaced file: they are
//     kept aside the same way as <aside>-wal and <aside>-journal (the
//     aside without its -wal could miss committed transactions), then
//     removed, with target-shm (an index SQLite rebuilds from the -wal).
//     A stale -wal or hot journal left beside the new file would be
//     replayed into it and corrupt it.
//  4. src is renamed over target in one atomic step and both directories
//     are fsynced. If that rename fails, the -wal and journal are put back.
//
// A re-run after an interruption finds an aside that is the same file as
// (or byte-identical to) target and carries on; an aside holding anything
// else is never overwritten. If target does not exist, src is installed.
func InstallFile(ctx context.Context, src, target, asideDir, asideName string) (aside string, err error) {
	in, err := newInstall(src, target, asideDir, asideName)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", in.errorf("%w", err)
	}
	if err := os.MkdirAll(filepath.Dir(in.aside), 0o700); err != nil {
		return "", in.errorf("creating %s: %w", filepath.Dir(in.aside), err)
	}
	if in.old != nil {
		if err := in.adoptOwnerAndMode(); err != nil {
			return "", err
		}
		if err := keepAside(ctx, in.target, in.aside); err != nil {
			return "", in.errorf("%w", err)
		}
		if err := fault.Hit(fault.AfterPointB); err != nil {
			return "", in.errorf("%w", err)
		}
	}
	// Putting the sidecars back must happen even when ctx was cancelled.
	undoCtx := context.WithoutCancel(ctx)
	moved, err := in.clearSidecars(ctx)
	if err != nil {
		return "", in.errorf("%w", errors.Join(err, in.putBack(undoCtx, moved)))
	}
	if renamed, err := in.commit(); err != nil {
		if !renamed {
			err = errors.Join(err, in.putBack(undoCtx, moved))
		}
		return "", in.errorf("%w", err)
	}
	if in.old == nil {
		return "", nil
	}
	return in.aside, nil
}

// install holds one InstallFile call's resolved paths.
type install struct {
	src, target, aside string
	old                fs.FileInfo // the current target; nil when there is none
}

func newInstall(src, target, asideDir, asideName string) (*install, error) {
	in := &install{}
	var err error
	if in.src, err = filepath.Abs(src); err != nil {
		return nil, fmt.Errorf("installing %s: %w", src, err)
	}
	if in.target, err = filepath.Abs(target); err != nil {
		return nil, fmt.Errorf("installing %s: %w", src, err)
	}
	fi, err := os.Lstat(in.src)
	switch {
	case err != nil:
		return nil, in.errorf("the new database file: %w", err)
	case !fi.Mode().IsRegular():
		return nil, in.errorf("the new database %s is not a regular file", in.src)
	case filepath.Dir(in.src) != filepath.Dir(in.target):
		return nil, in.errorf("the new database %s must be in the same directory as %s, so that the swap is one rename", in.src, in.target)
	}
	old, err := os.Lstat(in.target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, in.errorf("%w", err)
	case !old.Mode().IsRegular():
		return nil, in.errorf("%s is not a regular file (a symbolic link?): configure the real database path", in.target)
	case os.SameFile(fi, old):
		return nil, in.errorf("%s and %s are the same file", in.src, in.target)
	default:
		in.old = old
	}
	if err := in.srcSelfContained(); err != nil {
		return nil, err
	}
	if asideDir == "" || asideName == "" || filepath.Base(asideName) != asideName {
		return nil, in.errorf("a directory and a plain file name for the replaced database are needed, got %q and %q", asideDir, asideName)
	}
	if in.aside, err = filepath.Abs(filepath.Join(asideDir, asideName)); err != nil {
		return nil, in.errorf("%w", err)
	}
	return in, nil
}

// srcSelfContained refuses a new file whose -wal or journal still holds
// data: the rename moves only the main file, so that data would be lost.
func (in *install) srcSelfContained() error {
	for _, suf := range sidecars {
		fi, err := os.Lstat(in.src + suf)
		if err == nil && fi.Size() > 0 {
			return in.errorf("%s is not empty: close every connection to %s (which checkpoints it) before installing it", in.src+suf, in.src)
		}
	}
	return nil
}

func (in *install) errorf(format string, args ...any) error {
	return fmt.Errorf("installing %s as %s: "+format, append([]any{in.src, in.target}, args...)...)
}

// adoptOwnerAndMode gives src the target's permission bits and owner, so
// the application can still open its database after the swap.
func (in *install) adoptOwnerAndMode() error {
	if err := os.Chmod(in.src, in.old.Mode().Perm()); err != nil {
		return in.errorf("setting mode %v: %w", in.old.Mode().Perm(), err)
	}
	uid, gid, ok := durable.FileOwner(in.old)
	if !ok {
		return nil
	}
	fi, err := os.Lstat(in.src)
	if err != nil {
		return in.errorf("%w", err)
	}
	if suid, sgid, _ := durable.FileOwner(fi); suid == uid && sgid == gid {
		return nil
	}
	if err := os.Lchown(in.src, uid, gid); err != nil {
		return in.errorf("giving it the database's owner %d:%d: %w: run fossamaint as root or as the owner of %s", uid, gid, err, in.target)
	}
	return nil
}

// keepAside makes to a copy of from without removing from: a hard link
// when both are on one filesystem, else a fsynced copy. An existing to is
// accepted only when it already holds from's bytes (a re-run).
func keepAside(ctx context.Context, from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		same, err := sameContent(ctx, from, to)
		if err != nil {
			return fmt.Errorf("comparing %s with the existing %s: %w", from, to, err)
		}
		if !same {
			return fmt.Errorf("keeping %s aside: %s already exists with other content; refusing to overwrite it", from, to)
		}
		return nil
	}
	if err := os.Link(from, to); err == nil {
		return noSpace(durable.SyncDir(filepath.Dir(to)))
	}
	// Another filesystem (EXDEV) or one without hard links: copy.
	fi, err := os.Stat(from)
	if err != nil {
		return fmt.Errorf("keeping %s aside: %w", from, err)
	}
	if err := copyFile(ctx, from, to, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("keeping %s aside as %s: %w", from, to, err)
	}
	return nil
}

// sidecars are the files that belong to the database under target's name:
// kept aside, because they may hold committed or in-flight transactions.
var sidecars = []string{"-wal", "-journal"}

// clearSidecars keeps target's -wal and -journal aside, then removes them
// and -shm. It returns the suffixes it removed, for putBack.
func (in *install) clearSidecars(ctx context.Context) ([]string, error) {
	var present []string
	for _, suf := range sidecars {
		fi, err := os.Lstat(in.target + suf)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			// An empty -wal or journal holds nothing: drop it rather
			// than leave an empty file beside the aside copy.
			if err := os.Remove(in.target + suf); err != nil {
				return nil, fileError("removing the replaced database's "+in.target+suf, err)
			}
			continue
		}
		if err == nil {
			err = keepAside(ctx, in.target+suf, in.aside+suf)
		}
		if err != nil {
			return nil, err
		}
		present = append(present, suf)
	}
	var removed []string
	for _, suf := range present {
		if err := os.Remove(in.target + suf); err != nil {
			return removed, fileError("removing the replaced database's "+in.target+suf, err)
		}
		removed = append(removed, suf)
	}
	if err := os.Remove(in.target + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return removed, fileError("removing "+in.target+"-shm", err)
	}
	return removed, nil
}

// putBack restores the sidecars clearSidecars removed, when the swap did
// not happen: the old file needs its -wal to show its latest commits.
func (in *install) putBack(ctx context.Context, removed []string) error {
	var errs []error
	for _, suf := range removed {
		if err := keepAside(ctx, in.aside+suf, in.target+suf); err != nil {
			errs = append(errs, fmt.Errorf("putting back %s (a copy is at %s): %w", in.target+suf, in.aside+suf, err))
		}
	}
	return errors.Join(errs...)
}

// commit is the swap itself: one rename, made durable. Once renamed,
// the old -wal must never come back beside the new file, so the caller
// puts sidecars back only when renamed is false.
func (in *install) commit() (renamed bool, err error) {
	if err := durable.SyncFile(in.src); err != nil {
		return false, fileError("committing "+in.target, err)
	}
	if err := os.Rename(in.src, in.target); err != nil {
		return false, fileError("renaming", err)
	}
	// Empty leftovers of the last connection to src, now orphaned.
	for _, suf := range []string{"-wal", "-shm", "-journal"} {
		os.Remove(in.src + suf)
	}
	return true, noSpace(durable.SyncDir(filepath.Dir(in.target)))
}
