package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// notificationsSchema is created when the first notification is recorded
// (IF NOT EXISTS): a history written before it reads as holding none.
const notificationsSchema = `
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  event TEXT NOT NULL,
  run_id TEXT NOT NULL,
  window_start TEXT NOT NULL,
  destinations INTEGER NOT NULL,
  delivered INTEGER NOT NULL,
  failures TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_event_at ON notifications(event, at);
`

// Notification is one message sent (package notify) and how it went: the
// stakeholder notice, a run's started and finished messages.
type Notification struct {
	At    time.Time
	Event string
	// RunID is the run it was about ("" for the notice).
	RunID string
	// WindowStart is the window a notice announced (zero otherwise).
	WindowStart time.Time
	// Destinations were tried, Delivered took it; Failures are the
	// others, each "redacted URL: error".
	Destinations, Delivered int
	Failures                []string
}

// RecordNotification records a sent message.
func (s *Store) RecordNotification(ctx context.Context, n Notification) error {
	if _, err := s.db.ExecContext(ctx, notificationsSchema); err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	var win string
	if !n.WindowStart.IsZero() {
		win = ts(n.WindowStart)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO notifications(at, event, run_id, window_start, destinations, delivered, failures)
		VALUES(?,?,?,?,?,?,?)`, ts(n.At), n.Event, n.RunID, win, n.Destinations, n.Delivered, strings.Join(n.Failures, "\n"))
	if err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	return nil
}

// LastNotification returns the newest notification of event recorded in
// [from, to], and whether there is one. A history without the table
// holds none.
func (s *Store) LastNotification(ctx context.Context, event string, from, to time.Time) (Notification, bool, error) {
	var n Notification
	var has int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'notifications'`).Scan(&has); err != nil || has == 0 {
		return n, false, err
	}
	var at, win, failures string
	err := s.db.QueryRowContext(ctx, `SELECT at, event, run_id, window_start, destinations, delivered, failures FROM notifications
		WHERE event = ? AND julianday(at) BETWEEN julianday(?) AND julianday(?) ORDER BY julianday(at) DESC, id DESC LIMIT 1`,
		event, ts(from), ts(to)).Scan(&at, &n.Event, &n.RunID, &win, &n.Destinations, &n.Delivered, &failures)
	if errors.Is(err, sql.ErrNoRows) {
		return n, false, nil
	}
	if err != nil {
		return n, false, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	n.At, n.WindowStart = parseTS(at), parseTS(win)
	if failures != "" {
		n.Failures = strings.Split(failures, "\n")
	}
	return n, true, nil
}

// RecentDowntimes returns the measured downtime (seconds) of the newest
// finished procedure runs, at most n, newest first.
func (s *Store) RecentDowntimes(ctx context.Context, n int) ([]float64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT coalesce(json_extract(report, '$.downtime_seconds'), 0) FROM runs
		WHERE `+procedureRun+wholeRun+` AND status != 'running' AND finished_at IS NOT NULL
		ORDER BY julianday(started_at) DESC, id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []float64
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
