package history

import (
	"context"
	"fmt"
	"time"
)

// OpenDashboard opens an existing <dir>/history.db for a long-running
// reader (`fossamaint serve`) while weekly runs, in other processes, write
// it: read-only and query-only, but not immutable (OpenReadOnly's
// immutable=1 would never see their writes), so every read sees the last
// committed transaction through the WAL; a busy_timeout rides out a
// checkpoint. It returns a nil Store and no error when there is no history
// yet: call it again later.
func OpenDashboard(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	// Pages and live streams read at once; each connection reads its own
	// snapshot, never blocking the writer (WAL).
	s, err := openRead(ctx, dir, now, readMode{conns: 4, then: ", then reload"})
	if s != nil {
		s.db.SetConnMaxIdleTime(time.Minute)
	}
	return s, err
}

// StepRow is one step of the journal (the steps table) as the run writes
// it: running when it starts, its outcome when it ends.
type StepRow struct {
	Phase, Step string
	Status      string
	Kind        string
	StartedAt   time.Time
	FinishedAt  time.Time // zero while running
}

// LiveRun returns the newest run still marked running that started at or
// after since, and whether there is one. A run that died stays marked
// running until `fossamaint recover`; since keeps such a run from being
// shown as live for ever.
func (s *Store) LiveRun(ctx context.Context, since time.Time) (RunRow, bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, command, started_at, '', status, dry_run, 1, 0, 0, 0, 0, 0
		FROM runs WHERE status = 'running' AND julianday(started_at) >= julianday(?)
		ORDER BY julianday(started_at) DESC, id DESC LIMIT 1`, ts(since))
	if err != nil {
		return RunRow{}, false, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	out, _, err := s.scanRunRows(rows)
	if err != nil || len(out) == 0 {
		return RunRow{}, false, err
	}
	return out[0], true, nil
}

// Steps returns a run's journalled steps in the order they started.
func (s *Store) Steps(ctx context.Context, runID string) ([]StepRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT phase, step, status, kind, started_at, coalesce(finished_at, '')
		FROM steps WHERE run_id = ? ORDER BY julianday(started_at), rowid`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []StepRow
	for rows.Next() {
		var r StepRow
		var started, finished string
		if err := rows.Scan(&r.Phase, &r.Step, &r.Status, &r.Kind, &started, &finished); err != nil {
			return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
		}
		r.StartedAt = parseTS(started)
		if finished != "" {
			r.FinishedAt = parseTS(finished)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Verification is one finding of a weekly run's backups/verify step: it
// names the backup it is about in its message; Severity is critical when
// the backup failed verification, info when it passed.
type Verification struct {
	RunID    string
	At       time.Time
	Severity string
	Message  string
}

// Verifications returns the findings of the backups/verify step of the
// newest runs runs (at most) that finished it, newest first. Only those
// runs' reports are read, by SQLite's JSON functions.
func (s *Store) Verifications(ctx context.Context, runs int) ([]Verification, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, coalesce(v.finished_at, v.started_at),
		coalesce(f.value ->> '$.severity', ''), coalesce(f.value ->> '$.message', '')
		FROM (SELECT run_id, started_at, finished_at FROM steps WHERE phase = 'backups' AND step = 'verify'
		      AND status != 'running' ORDER BY julianday(started_at) DESC LIMIT ?) v
		JOIN runs r ON r.id = v.run_id,
		json_each(r.report, '$.phases') p, json_each(p.value, '$.steps') st, json_each(st.value, '$.findings') f
		WHERE p.value ->> '$.name' = 'backups' AND st.value ->> '$.name' = 'verify'
		ORDER BY julianday(v.started_at) DESC, f.key`, runs)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []Verification
	for rows.Next() {
		var v Verification
		var at string
		if err := rows.Scan(&v.RunID, &at, &v.Severity, &v.Message); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		v.At = parseTS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}
