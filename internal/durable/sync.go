package durable

import (
	"fmt"
	"os"
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
