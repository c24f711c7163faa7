package sqlitedb

import (
	"context"
	"fmt"
)

// CheckFile opens the database at path for maintenance (read-only) and
// runs the full integrity_check (at most 100 messages) when full is set,
// else quick_check.
func CheckFile(ctx context.Context, path string, full bool) (CheckResult, error) {
	db, err := Open(ctx, path, MaintenanceOptions(true))
	if err != nil {
		return CheckResult{}, err
	}
	defer db.Close()
	if full {
		return db.IntegrityCheck(ctx, 100)
	}
	return db.QuickCheck(ctx)
}

// QuickCheckFile is CheckFile's quick_check as an error: a damaged file is
// an error quoting SQLite's first messages.
func QuickCheckFile(ctx context.Context, path string) error {
	res, err := CheckFile(ctx, path, false)
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
