package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// The run list (the dashboard's first page) shows every run with its
// downtime and its findings by severity. Those are in each run's stored
// report, but decoding 500 reports per page view is too slow, so saveRun
// keeps them beside the report in columns of runs (summarised = 1), and
// the first open by this release fills them for the rows an older one
// wrote (backfillSummaries). A reader of a history not yet upgraded (the
// dashboard opens it read-only) decodes the rows that lack them.

// runSummary is what the columns hold.
type runSummary struct {
	downtime                float64
	critical, warning, info int
}

// summaryOf counts a run's findings by severity (ok findings are not
// counted) and takes its downtime.
func summaryOf(run *runbook.Run) runSummary {
	sm := runSummary{downtime: run.DowntimeSeconds}
	for _, f := range run.Findings() {
		switch f.Severity {
		case runbook.Critical:
			sm.critical++
		case runbook.Warning:
			sm.warning++
		case runbook.Info:
			sm.info++
		}
	}
	return sm
}

// runsList is a covering index of the run list's columns: the columns
// added by migrations sit after the report in each row, so reading them
// from the table would walk every report's overflow pages.
const runsList = `CREATE INDEX IF NOT EXISTS runs_list ON runs(started_at, id, command, status, dry_run, finished_at,
	summarised, partial, downtime_seconds, findings_critical, findings_warning, findings_info)`

// backfillSummaries fills the summary columns of rows written before
// they existed. It runs on every read-write open and finds nothing to do
// after the first.
func backfillSummaries(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, runsList); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, report FROM runs WHERE summarised = 0`)
	if err != nil {
		return err
	}
	type filled struct {
		id      string
		partial bool
		sm      runSummary
	}
	var todo []filled
	for rows.Next() {
		var id, blob string
		if err := rows.Scan(&id, &blob); err != nil {
			rows.Close()
			return err
		}
		var run runbook.Run
		if json.Unmarshal([]byte(blob), &run) != nil {
			continue // an undecodable report stays unsummarised; Get says why
		}
		todo = append(todo, filled{id, run.Partial, summaryOf(&run)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range todo {
		_, err := db.ExecContext(ctx, `UPDATE runs SET summarised = 1, partial = ?, downtime_seconds = ?,
			findings_critical = ?, findings_warning = ?, findings_info = ? WHERE id = ?`,
			f.partial, f.sm.downtime, f.sm.critical, f.sm.warning, f.sm.info, f.id)
		if err != nil {
			return err
		}
	}
	return nil
}

// RunFilter selects the rows of Runs.
type RunFilter struct {
	// Status keeps the runs of this status ("" : any).
	Status string
	// All includes single commands (see List); without it only procedure
	// runs are listed.
	All bool
	// Query keeps the runs whose id contains it (case-insensitive).
	Query string
	// Limit is the number of rows, newest first (0: no limit), after
	// skipping Offset rows.
	Limit, Offset int
}

// where is the filter's WHERE clause and its arguments.
func (f RunFilter) where() (string, []any) {
	where, args := []string{"1"}, []any{}
	if !f.All {
		where = append(where, procedureRun)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where, args = append(where, "instr(lower(id), lower(?)) > 0"), append(args, q)
	}
	return strings.Join(where, " AND "), args
}

// CountRuns counts the runs f selects (Limit and Offset aside).
func (s *Store) CountRuns(ctx context.Context, f RunFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return n, nil
}

// RunRow is one line of the dashboard's run list.
type RunRow struct {
	ID         string
	Command    string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string
	DryRun     bool
	Partial    bool
	// Future: started after the wall clock (a --now ahead of it).
	Future bool
	// Downtime is the measured downtime, in seconds.
	Downtime float64
	// Findings by severity.
	Critical, Warning, Info int
}

// Duration is how long the run took; 0 while it runs.
func (r RunRow) Duration() time.Duration {
	if r.FinishedAt.IsZero() {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt)
}

// Runs returns the runs f selects, newest first, never nil. It reads the
// covering index runs_list, and no report, of a history this release
// wrote or upgraded.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]RunRow, error) {
	summarised, err := s.hasColumn(ctx, "runs", "summarised")
	if err != nil {
		return nil, err
	}
	// An older history read-only: every row is decoded.
	cols := `0, 0, 0, 0, 0, 0`
	if summarised {
		cols = `summarised, partial, downtime_seconds, findings_critical, findings_warning, findings_info`
	}
	where, args := f.where()
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := s.db.QueryContext(ctx, `SELECT id, command, started_at, coalesce(finished_at, ''), status, dry_run, `+cols+
		` FROM runs WHERE `+where+` ORDER BY julianday(started_at) DESC, id DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	out, todo, err := s.scanRunRows(rows)
	if err != nil {
		return nil, err
	}
	for _, i := range todo {
		if err := s.summarise(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanRunRows reads the rows of Runs and LiveRun and closes them; todo
// are the indexes of the rows without a summary.
func (s *Store) scanRunRows(rows *sql.Rows) (out []RunRow, todo []int, err error) {
	defer rows.Close()
	out = []RunRow{}
	wall := s.wall()
	for rows.Next() {
		var r RunRow
		var started, finished string
		var summarised bool
		if err := rows.Scan(&r.ID, &r.Command, &started, &finished, &r.Status, &r.DryRun, &summarised, &r.Partial,
			&r.Downtime, &r.Critical, &r.Warning, &r.Info); err != nil {
			return nil, nil, fmt.Errorf("reading history %s: %w", s.path, err)
		}
		r.StartedAt = parseTS(started)
		if finished != "" {
			r.FinishedAt = parseTS(finished)
		}
		r.Future = r.StartedAt.After(wall)
		if !summarised {
			todo = append(todo, len(out))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return out, todo, nil
}

// summarise fills r's summary from its stored report, for a row an older
// release wrote.
func (s *Store) summarise(ctx context.Context, r *RunRow) error {
	var blob string
	if err := s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE id = ?`, r.ID).Scan(&blob); err != nil {
		return fmt.Errorf("reading history %s: %w", s.path, err)
	}
	var run runbook.Run
	if err := json.Unmarshal([]byte(blob), &run); err != nil {
		return fmt.Errorf("decoding run %s from %s: %w (move %s aside if it is damaged; it holds only past reports)", r.ID, s.path, err, s.path)
	}
	sm := summaryOf(&run)
	r.Partial, r.Downtime, r.Critical, r.Warning, r.Info = run.Partial, sm.downtime, sm.critical, sm.warning, sm.info
	return nil
}

// hasColumn tells whether table has the column (a history an older
// release wrote, opened read-only, may lack it).
func (s *Store) hasColumn(ctx context.Context, table, column string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading history %s: %w", s.path, err)
	}
	return n > 0, nil
}
