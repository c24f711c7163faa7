package sqlitedb

import (
	"context"
	"fmt"
)

// QuickCheckFile opens the database at path for maintenance and runs
// PRAGMA quick_check; a damaged file is an error quoting SQLite's first
// messages.
func QuickCheckFile(ctx context.Context, path string) error {
	db, err := Open(ctx, path, MaintenanceOptions(true))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.QuickCheck(ctx)
	if err != nil {
		return err
	}
	if !res.OK {
		msgs := res.Messages
		if len(msgs) > 3 {
			msgs = msgs[:3]
		}
		return fmt.Errorf("quick_check of %s: %v", path, msgs)
	}
	return nil
}
