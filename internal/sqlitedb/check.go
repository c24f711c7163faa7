package sqlitedb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// DefaultMaxErrors bounds the messages a check collects when the caller
// does not say: past a hundred, more lines do not change the verdict.
const DefaultMaxErrors = 100

// CheckResult is the verdict of quick_check or integrity_check. Corruption
// is a result (OK false, with SQLite's messages), never an error.
type CheckResult struct {
	OK       bool          `json:"ok"`
	Messages []string      `json:"messages,omitempty"`
	Duration human.Seconds `json:"duration_seconds"`
}

// QuickCheck runs PRAGMA quick_check: the b-tree structure without
// matching index contents to tables, O(N) and seconds on 500 MB. A
// cancelled ctx interrupts the running check.
func (d *DB) QuickCheck(ctx context.Context) (CheckResult, error) {
	return d.check(ctx, "quick_check", DefaultMaxErrors)
}

// IntegrityCheck runs PRAGMA integrity_check(maxErrors), which also checks
// that every index matches its table; maxErrors <= 0 means
// DefaultMaxErrors. A cancelled ctx interrupts the running check.
func (d *DB) IntegrityCheck(ctx context.Context, maxErrors int) (CheckResult, error) {
	if maxErrors <= 0 {
		maxErrors = DefaultMaxErrors
	}
	return d.check(ctx, "integrity_check", maxErrors)
}

func (d *DB) check(ctx context.Context, pragma string, maxErrors int) (CheckResult, error) {
	start := time.Now()
	msgs, err := d.pragmaLines(ctx, fmt.Sprintf("PRAGMA %s(%d)", pragma, maxErrors))
	res := CheckResult{Duration: human.Seconds(time.Since(start))}
	if err != nil {
		if ctx.Err() == nil {
			// Damage bad enough that SQLite aborts the check (e.g. an
			// unreadable schema page) is still a finding about the file.
			if c := classify(err); errors.Is(c, ErrCorrupt) || errors.Is(c, ErrNotDatabase) {
				res.Messages = []string{err.Error()}
				return res, nil
			}
		}
		return res, d.wrap(ctx, "running "+pragma+" on", err)
	}
	res.OK = len(msgs) == 1 && msgs[0] == "ok"
	if !res.OK {
		res.Messages = msgs
		if len(msgs) == 0 {
			res.Messages = []string{pragma + " returned no rows"}
		}
	}
	return res, nil
}

func (d *DB) pragmaLines(ctx context.Context, query string) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
