package history

import (
	"context"
	"fmt"
	"time"
)

// updateChangesSchema is created when the first change is recorded (IF
// NOT EXISTS): a history written before it reads as holding none.
const updateChangesSchema = `
CREATE TABLE IF NOT EXISTS update_changes (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  manager TEXT NOT NULL,
  package TEXT NOT NULL,
  from_version TEXT NOT NULL,
  to_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS update_changes_run ON update_changes(run_id);
`

// UpdateChange is one package a run upgraded (or, when it undid its
// updates, put back: From is then the version it had after the upgrade).
type UpdateChange struct {
	RunID   string `json:"run_id"`
	Manager string `json:"manager"`
	Package string `json:"package"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// RecordUpdateChanges records changes, in one transaction.
func (s *Store) RecordUpdateChanges(ctx context.Context, changes []UpdateChange) error {
	if len(changes) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, updateChangesSchema); err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO update_changes(run_id, manager, package, from_version, to_version) VALUES(?,?,?,?,?)`,
			c.RunID, c.Manager, c.Package, c.From, c.To); err != nil {
			return fmt.Errorf("writing history %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	return nil
}

// UpdateChanges are the changes recorded for runID, in the order they
// were recorded. A history without the table holds none.
func (s *Store) UpdateChanges(ctx context.Context, runID string) ([]UpdateChange, error) {
	if has, err := s.hasUpdateChanges(ctx); err != nil || !has {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, manager, package, from_version, to_version FROM update_changes WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []UpdateChange
	for rows.Next() {
		var c UpdateChange
		if err := rows.Scan(&c.RunID, &c.Manager, &c.Package, &c.From, &c.To); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecordedChange is an UpdateChange with when its run started.
type RecordedChange struct {
	UpdateChange
	At time.Time `json:"at"`
}

// ChangeFilter narrows RecentUpdateChanges.
type ChangeFilter struct {
	// Package keeps one package's changes (exact name, any manager).
	Package string
	// Limit is the number of changes, newest first (0: 100).
	Limit int
}

// RecentUpdateChanges are the recorded changes of every run, newest run
// first (within a run, in the order they were made): which package moved
// from which version to which, when. A history without the table holds
// none; never nil.
func (s *Store) RecentUpdateChanges(ctx context.Context, f ChangeFilter) ([]RecordedChange, error) {
	out := []RecordedChange{}
	if has, err := s.hasUpdateChanges(ctx); err != nil || !has {
		return out, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.run_id, c.manager, c.package, c.from_version, c.to_version, coalesce(r.started_at, '')
		FROM update_changes c LEFT JOIN runs r ON r.id = c.run_id
		WHERE ? = '' OR c.package = ?
		ORDER BY julianday(r.started_at) DESC, c.id LIMIT ?`, f.Package, f.Package, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c RecordedChange
		var at string
		if err := rows.Scan(&c.RunID, &c.Manager, &c.Package, &c.From, &c.To, &at); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		c.At = parseTS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// hasUpdateChanges says whether the table exists: it is made when the
// first change is recorded, so a history without it holds none.
func (s *Store) hasUpdateChanges(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'update_changes'`).Scan(&n); err != nil {
		return false, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return n > 0, nil
}
