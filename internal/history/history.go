package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the history database. It implements runbook.Journal.
type Store struct {
	db   *sql.DB
	path string
	// now is the clock of the run (it follows --now); wall is the real
	// clock, which decides whether a run lies in the future.
	now, wall func() time.Time
}

var _ runbook.Journal = (*Store)(nil)

// ErrNoRuns is returned when the history holds no run matching a query.
var ErrNoRuns = errors.New("no run in history")

const schema = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
  run_id TEXT NOT NULL REFERENCES runs(id),
  phase TEXT NOT NULL,
  step TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (run_id, phase, step)
);
CREATE TABLE IF NOT EXISTS actions (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  step TEXT NOT NULL,
  at TEXT NOT NULL,
  what TEXT NOT NULL,
  outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollback_points (
  run_id TEXT NOT NULL,
  at TEXT NOT NULL,
  path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
`

// Open opens (creating if needed) <dir>/history.db.
func Open(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating state dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "history.db")
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening history %s: %w (move the file aside if it is damaged; it holds only past reports)", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("upgrading history %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	return &Store{db: db, path: path, now: now, wall: time.Now}, nil
}

// columns added since the first schema, with their definitions. A history
// written by an older fossamaint gets them on first open; the defaults say
// what its rows were (every old run was a weekly run).
var columns = []struct{ table, name, def string }{
	{"runs", "command", "TEXT NOT NULL DEFAULT 'weekly'"},
	{"steps", "kind", "TEXT NOT NULL DEFAULT ''"},
	// The run list's summary (runs.go), kept at save time so that listing
	// 500 runs decodes no report; backfilled once for older rows.
	{"runs", "summarised", "INTEGER NOT NULL DEFAULT 0"},
	{"runs", "partial", "INTEGER NOT NULL DEFAULT 0"},
	{"runs", "downtime_seconds", "REAL NOT NULL DEFAULT 0"},
	{"runs", "findings_critical", "INTEGER NOT NULL DEFAULT 0"},
	{"runs", "findings_warning", "INTEGER NOT NULL DEFAULT 0"},
	{"runs", "findings_info", "INTEGER NOT NULL DEFAULT 0"},
}

func migrate(ctx context.Context, db *sql.DB) error {
	for _, c := range columns {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.name).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := db.ExecContext(ctx, "ALTER TABLE "+c.table+" ADD COLUMN "+c.name+" "+c.def); err != nil {
				return err
			}
		}
	}
	return backfillSummaries(ctx, db)
}

// OpenReadOnly opens an existing <dir>/history.db for reading only, for a
// dry run, which must not write even its own bookkeeping. It returns a nil
// Store and no error when there is no history yet. The caller (a dry run)
// holds the state-dir lock, so no run writes the history meanwhile:
// closed cleanly (no -wal file), it is read as immutable, which makes no
// -wal or -shm file beside it.
func OpenReadOnly(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	return openRead(ctx, dir, now, readMode{immutableWhenClean: true, conns: 1, then: " before a dry run"})
}

// readMode is how openRead opens the history.
type readMode struct {
	// immutableWhenClean reads a history without a -wal file as
	// immutable: only for a reader no run writes meanwhile.
	immutableWhenClean bool
	conns              int
	// then ends the "older fossamaint" error: what to do after recover.
	then string
}

// openRead opens <dir>/history.db read-only and query-only (nil, nil
// when there is none). A history from an older release may lack the
// newer columns; reading it read-only cannot add them, so the error says
// what to do.
func openRead(ctx context.Context, dir string, now func() time.Time, m readMode) (*Store, error) {
	path := filepath.Join(dir, "history.db")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	dsn := "file:" + path + "?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)"
	if _, err := os.Stat(path + "-wal"); m.immutableWhenClean && errors.Is(err, fs.ErrNotExist) {
		dsn += "&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening history %s: %w", path, err)
	}
	db.SetMaxOpenConns(m.conns)
	s := &Store{db: db, path: path, now: now, wall: time.Now}
	ok, err := s.hasColumn(ctx, "runs", "command")
	if err != nil {
		db.Close()
		return nil, err
	}
	if !ok {
		db.Close()
		return nil, fmt.Errorf("history %s was written by an older fossamaint: run `fossamaint recover` once (it upgrades it)%s", path, m.then)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (s *Store) saveRun(ctx context.Context, run *runbook.Run) error {
	blob, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("encoding run %s: %w", run.RunID, err)
	}
	var fin any
	if !run.FinishedAt.IsZero() {
		fin = ts(run.FinishedAt)
	}
	cmd := run.Command
	if cmd == "" {
		cmd = runbook.CommandWeekly
	}
	sm := summaryOf(run)
	_, err = s.db.ExecContext(ctx, `INSERT INTO runs(id, started_at, finished_at, status, dry_run, report, command,
		summarised, partial, downtime_seconds, findings_critical, findings_warning, findings_info)
		VALUES(?,?,?,?,?,?,?,1,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET finished_at=excluded.finished_at,
		status=excluded.status, report=excluded.report, summarised=1, partial=excluded.partial,
		downtime_seconds=excluded.downtime_seconds, findings_critical=excluded.findings_critical,
		findings_warning=excluded.findings_warning, findings_info=excluded.findings_info`,
		run.RunID, ts(run.StartedAt), fin, string(run.Status), run.DryRun, string(blob), cmd,
		run.Partial, sm.downtime, sm.critical, sm.warning, sm.info)
	if err != nil {
		return fmt.Errorf("writing run %s to %s: %w", run.RunID, s.path, err)
	}
	return nil
}

// RunStarted records a new run.
func (s *Store) RunStarted(ctx context.Context, run *runbook.Run) error { return s.saveRun(ctx, run) }

// RunFinished records the final state of a run.
func (s *Store) RunFinished(ctx context.Context, run *runbook.Run) error { return s.saveRun(ctx, run) }

// StepStarted records that a step began.
func (s *Store) StepStarted(ctx context.Context, runID, phase, step string, kind runbook.Kind) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO steps(run_id, phase, step, status, started_at, kind) VALUES(?,?,?,?,?,?)
		ON CONFLICT(run_id, phase, step) DO UPDATE SET status=excluded.status, started_at=excluded.started_at, kind=excluded.kind`,
		runID, phase, step, "running", ts(s.now()), string(kind))
	if err != nil {
		return fmt.Errorf("journal %s: step %s/%s: %w", s.path, phase, step, err)
	}
	return nil
}

// StepFinished records a step's outcome and the run so far, so a crash
// leaves a readable partial report.
func (s *Store) StepFinished(ctx context.Context, run *runbook.Run, phase string, res runbook.StepResult) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO steps(run_id, phase, step, status, started_at, finished_at) VALUES(?,?,?,?,?,?)
		ON CONFLICT(run_id, phase, step) DO UPDATE SET status=excluded.status, finished_at=excluded.finished_at`,
		run.RunID, phase, res.Name, string(res.Status), ts(res.StartedAt), ts(res.FinishedAt))
	if err != nil {
		return fmt.Errorf("journal %s: step %s/%s: %w", s.path, phase, res.Name, err)
	}
	return nil
}

// Action records the intent ("begin") and outcome of a mutating action.
func (s *Store) Action(ctx context.Context, runID, phase, step, what, outcome string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO actions(run_id, phase, step, at, what, outcome) VALUES(?,?,?,?,?,?)`,
		runID, phase, step, ts(s.now()), what, outcome)
	if err != nil {
		return fmt.Errorf("journal %s: action %q: %w", s.path, what, err)
	}
	return nil
}

// RollbackPoint records the file a run can be rolled back to.
func (s *Store) RollbackPoint(ctx context.Context, runID, path string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO rollback_points(run_id, at, path) VALUES(?,?,?)`, runID, ts(s.now()), path)
	if err != nil {
		return fmt.Errorf("journal %s: rollback point of run %s: %w", s.path, runID, err)
	}
	return nil
}

// RollbackPointOf returns the last rollback point a run recorded, or ""
// when it recorded none. It works for runs that died mid-way.
func (s *Store) RollbackPointOf(ctx context.Context, runID string) (string, error) {
	var p string
	err := s.db.QueryRowContext(ctx, `SELECT path FROM rollback_points WHERE run_id = ? ORDER BY rowid DESC LIMIT 1`, runID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	return p, nil
}

// PinnedRollbackPoints returns the files `fossamaint rollback` (without
// --run) would restore from: every rollback point the latest real run
// recorded, each with why it is pinned. Retention must never delete them:
// a later ad-hoc backup can make a run's point look superseded. No runs
// yet is no pins, not an error.
func (s *Store) PinnedRollbackPoints(ctx context.Context) (map[string]string, error) {
	id, err := s.LatestID(ctx)
	if errors.Is(err, ErrNoRuns) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT path FROM rollback_points WHERE run_id = ? ORDER BY rowid`, id)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	pins := map[string]string{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
		}
		pins[p] = "rollback point of run " + id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	return pins, nil
}

// FailingSince returns when a step started failing: the start of the
// oldest run in the unbroken series of most recent runs in which the step
// failed. ok is false when its latest recorded outcome was not a failure.
func (s *Store) FailingSince(ctx context.Context, phase, step string) (since time.Time, ok bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, started_at FROM steps WHERE phase = ? AND step = ? AND status != 'running'
		ORDER BY started_at DESC`, phase, step)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var st, at string
		if err := rows.Scan(&st, &at); err != nil {
			return time.Time{}, false, err
		}
		if st != string(runbook.StatusFail) {
			break
		}
		since, ok = parseTS(at), true
	}
	return since, ok, rows.Err()
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// A run, for "latest" and the run list, is a procedure run: what
// `fossamaint weekly` records (CommandWeekly), not a single command such as
// `preflight` or `db optimize` run on its own, not a rollback, restore or
// prune, and not a dry run an older release recorded.
const procedureRun = `command = 'weekly' AND dry_run = 0`

// LatestID returns the id of the newest real run: a procedure run (see
// procedureRun) whose start is not after the wall clock. A run made with
// a --now in the future is in the history but is not "latest": it would
// otherwise stay the default of `report` and `rollback` until that date.
func (s *Store) LatestID(ctx context.Context) (string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, started_at FROM runs WHERE `+procedureRun)
	if err != nil {
		return "", fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	var id string
	var newest time.Time
	wall := s.wall()
	for rows.Next() {
		var rid, started string
		if err := rows.Scan(&rid, &started); err != nil {
			return "", fmt.Errorf("reading history %s: %w", s.path, err)
		}
		at := parseTS(started)
		if at.After(wall) {
			continue
		}
		if id == "" || at.After(newest) || (at.Equal(newest) && rid > id) {
			id, newest = rid, at
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("reading history %s: %w", s.path, err)
	}
	if id == "" {
		return "", fmt.Errorf("%w %s: run `fossamaint weekly` first (`fossamaint report --list --all` shows single commands too)", ErrNoRuns, s.path)
	}
	return id, nil
}

// Get loads a run by id, or the latest (LatestID) when id is "" or
// "latest".
func (s *Store) Get(ctx context.Context, id string) (*runbook.Run, error) {
	if id == "" || id == "latest" {
		latest, err := s.LatestID(ctx)
		if err != nil {
			return nil, err
		}
		id = latest
	}
	var blob string
	err := s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE id = ?`, id).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w %s with id %q: `fossamaint report --list --all` shows the ids", ErrNoRuns, s.path, id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	var run runbook.Run
	if err := json.Unmarshal([]byte(blob), &run); err != nil {
		return nil, fmt.Errorf("decoding run %s from %s: %w (move %s aside if it is damaged; it holds only past reports)", id, s.path, err, s.path)
	}
	return &run, nil
}

// Summary is one line of the run list.
type Summary struct {
	ID      string `json:"run_id"`
	Command string `json:"command"`
	// Run is true for a procedure run (weekly), false for a single
	// command recorded on its own.
	Run       bool      `json:"run"`
	StartedAt time.Time `json:"started_at"`
	Status    string    `json:"status"`
	DryRun    bool      `json:"dry_run"`
	// Future is true when the run started after the wall clock (it was
	// made with a --now ahead of it); such a run is never the latest.
	Future bool `json:"future,omitempty"`
	// Latest marks the run `report` and `rollback` take by default.
	Latest bool `json:"latest"`
}

// ListOptions select the lines of List.
type ListOptions struct {
	// Limit is the number of lines, newest first (0: 50).
	Limit int
	// All includes single commands, rollbacks, restores, prunes and dry
	// runs; without it only procedure runs are listed.
	All bool
}

// List returns the newest runs, never nil.
func (s *Store) List(ctx context.Context, o ListOptions) ([]Summary, error) {
	latest, err := s.LatestID(ctx)
	if err != nil && !errors.Is(err, ErrNoRuns) {
		return nil, err
	}
	where := procedureRun
	if o.All {
		where = "1"
	}
	if o.Limit <= 0 {
		o.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, command, started_at, status, dry_run FROM runs WHERE `+where+
		` ORDER BY julianday(started_at) DESC, id DESC LIMIT ?`, o.Limit)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	defer rows.Close()
	out := []Summary{}
	wall := s.wall()
	for rows.Next() {
		var sm Summary
		var started string
		if err := rows.Scan(&sm.ID, &sm.Command, &started, &sm.Status, &sm.DryRun); err != nil {
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		sm.StartedAt = parseTS(started)
		sm.Run = sm.Command == runbook.CommandWeekly && !sm.DryRun
		sm.Future = sm.StartedAt.After(wall)
		sm.Latest = sm.ID == latest
		out = append(out, sm)
	}
	return out, rows.Err()
}

// Abandoned finds runs still marked running. Call it only while holding
// the state-dir lock: then their process is gone. It changes nothing, so a
// dry run can look; MarkRecovered records that a run's leftovers were
// dealt with.
func (s *Store) Abandoned(ctx context.Context) ([]Abandoned, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, command, started_at FROM runs WHERE status = ? ORDER BY started_at, id`, string(runbook.RunRunning))
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	var out []Abandoned
	for rows.Next() {
		var a Abandoned
		var started string
		if err := rows.Scan(&a.RunID, &a.Command, &started); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		a.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		out = append(out, a)
	}
	rows.Close()
	for i := range out {
		if err := s.fillAbandoned(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) fillAbandoned(ctx context.Context, a *Abandoned) error {
	var err error
	if a.OpenActions, err = s.openActions(ctx, a.RunID); err != nil {
		return err
	}
	if a.RunningSteps, a.Mutating, err = s.runningSteps(ctx, a.RunID); err != nil {
		return err
	}
	a.RollbackPoint, err = s.RollbackPointOf(ctx, a.RunID)
	return err
}

// MarkRecovered records that what an abandoned run left was dealt with:
// it is failed from now on and no longer abandoned. The stored report
// says so too.
func (s *Store) MarkRecovered(ctx context.Context, runID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, report = json_set(report, '$.status', ?)
		WHERE id = ? AND status = ?`, string(runbook.RunFail), string(runbook.RunFail), runID, string(runbook.RunRunning))
	if err != nil {
		return fmt.Errorf("marking run %s recovered in %s: %w", runID, s.path, err)
	}
	return nil
}

// Abandoned is a run that died without finishing.
type Abandoned struct {
	RunID     string
	Command   string
	StartedAt time.Time
	// OpenActions are actions journalled as begun, with no outcome.
	OpenActions []string
	// RunningSteps are "phase/step" entries started and never finished.
	RunningSteps []string
	// Mutating is true when one of them may have changed something (a
	// step that is not read-only, or one recorded before kinds were).
	Mutating      bool
	RollbackPoint string
}

func (s *Store) runningSteps(ctx context.Context, runID string) (steps []string, mutating bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT phase || '/' || step, kind FROM steps WHERE run_id = ? AND status = 'running' ORDER BY started_at`, runID)
	if err != nil {
		return nil, false, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v, kind string
		if err := rows.Scan(&v, &kind); err != nil {
			return nil, false, err
		}
		steps = append(steps, v)
		mutating = mutating || kind != string(runbook.ReadOnly)
	}
	return steps, mutating, rows.Err()
}

// MarkRolledBack records that a run was rolled back, so a second
// `fossamaint rollback` of it does nothing.
func (s *Store) MarkRolledBack(ctx context.Context, runID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ? WHERE id = ?`, string(runbook.RunRolledBack), runID)
	if err != nil {
		return fmt.Errorf("writing history %s: %w", s.path, err)
	}
	return nil
}

// Status returns a run's recorded status.
func (s *Store) Status(ctx context.Context, runID string) (runbook.RunStatus, error) {
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, runID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w %s with id %q: `fossamaint report --list` shows the ids", ErrNoRuns, s.path, runID)
	}
	return runbook.RunStatus(st), err
}

// openActions lists actions journalled as begun with no recorded outcome.
func (s *Store) openActions(ctx context.Context, runID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT b.phase || '/' || b.step || ': ' || b.what FROM actions b
		WHERE b.run_id = ? AND b.outcome = 'begin' AND NOT EXISTS (
		  SELECT 1 FROM actions e WHERE e.run_id = b.run_id AND e.step = b.step AND e.what = b.what
		  AND e.outcome != 'begin' AND e.id > b.id) ORDER BY b.id`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
