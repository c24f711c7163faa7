package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// SyncFile fsyncs the file at path: the step before a rename that must
// not publish a file whose data is still only in the page cache.
func SyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening %s to fsync it: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsyncing %s: %w", path, err)
	}
	return f.Close()
}

// Rename gives src the name dst (replacing a file there, as os.Rename
// does) and fsyncs dst's directory, then src's when it is another one, so
// the new name survives a crash and the old one does not come back. The
// rename's own error is returned as os.Rename gives it (a *os.LinkError);
// an error after it means dst is in place but may not be durable yet.
func Rename(src, dst string) error {
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	return syncDirs(filepath.Dir(dst), filepath.Dir(src))
}

// syncDirs fsyncs dst, then src when it is a different directory.
func syncDirs(dst, src string) error {
	if err := SyncDir(dst); err != nil {
		return err
	}
	if src == dst {
		return nil
	}
	return SyncDir(src)
}

// Commit makes the temporary tmp durable and gives it the name dst:
// fsync the file, rename, fsync the directory (or directories). A crash
// at any point leaves the old dst or the complete new one.
func Commit(tmp, dst string) error {
	if err := SyncFile(tmp); err != nil {
		return err
	}
	if err := Rename(tmp, dst); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, dst, err)
	}
	return nil
}

// RenameNoReplace gives src the name dst unless dst exists, in which case
// it returns an error matching fs.ErrExist and changes nothing. A hard link
// makes the check and the placing one atomic step; on a filesystem without
// links it checks, then renames. Across filesystems it returns an error
// matching syscall.EXDEV and changes nothing, so the caller can copy. Both
// directories are fsynced: dst's once the new name exists, src's once the
// old name is gone.
func RenameNoReplace(src, dst string) error {
	err := os.Link(src, dst)
	if err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.EXDEV) {
		if _, serr := os.Lstat(dst); !errors.Is(serr, fs.ErrNotExist) {
			return fmt.Errorf("renaming %s to %s: %w", src, dst, fs.ErrExist)
		}
		err = os.Rename(src, dst)
	}
	if err != nil {
		return err
	}
	if err := SyncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	if err := os.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// Always synced, even when it is dst's directory: the removal of the
	// old name came after the first fsync.
	return SyncDir(filepath.Dir(src))
}

// CreateExclusive creates a new file at path, opened for writing, failing
// with an error matching fs.ErrExist if anything is there already: nothing
// is ever overwritten. The mode is set to perm exactly after creation,
// since the umask may have narrowed it.
func CreateExclusive(path string, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return f, nil
}
