package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// SyncDir makes a create, rename or remove in dir durable. Windows cannot
// open a directory for syncing and journals metadata itself, so it is a
// no-op there.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// WriteFile writes data to path atomically: a private temp file in the
// same directory, mode perm, fsynced, renamed over path, the directory
// fsynced. A crash leaves the old file or the new one, never a torn file
// under the final name, and no temporary that a sweep would not find.
func WriteFile(path string, data []byte, perm os.FileMode, purpose string) (err error) {
	dir := filepath.Dir(path)
	f, err := CreateTemp(dir, purpose)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", tmp, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, path, err)
	}
	return SyncDir(dir)
}
