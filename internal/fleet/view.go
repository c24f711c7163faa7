package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fossawork/fossamaint/internal/history"
)

// DB is the central database opened for reading the fleet view: a small
// pool, connected on first use (serve keeps it for its lifetime).
type DB struct {
	pool *pgxpool.Pool
	url  string
}

// Open prepares the connection pool; it does not connect yet, so an
// unreachable central database is reported by the first View.
func Open(rawURL string) (*DB, error) {
	cc, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, err
	}
	pc.ConnConfig = cc
	pc.MaxConns = 4
	pc.MaxConnIdleTime = time.Minute
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("history.url %s: %w", RedactURL(rawURL), scrub(err, rawURL))
	}
	return &DB{pool: pool, url: rawURL}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// URL is the central database without its password.
func (db *DB) URL() string { return RedactURL(db.url) }

// TrendMeasures are the measures the fleet view charts per installation,
// week by week.
var TrendMeasures = []string{history.MeasureDatabaseSize, history.MeasureErrors, history.MeasureFailedLogins, history.MeasureDowntime}

// States of an installation in the fleet view: its last weekly run's
// status, or one of these.
const (
	// StateOverdue: the window after its last run has ended without a
	// run (or without a sync of one).
	StateOverdue = "overdue"
	// StateNever: no weekly run recorded yet.
	StateNever = "never"
)

// View is the fleet at a time: one row per installation, by id.
type View struct {
	At            time.Time `json:"at"`
	Weeks         int       `json:"weeks"`
	Measures      []string  `json:"measures"`
	Installations []Row     `json:"installations"`
	// SchemaVersion is the central schema's version (0: nothing synced yet).
	SchemaVersion int `json:"schema_version"`
}

// Row is one installation.
type Row struct {
	ID         string    `json:"id"`
	Host       string    `json:"host"`
	Version    string    `json:"version"`
	Window     string    `json:"window"`
	Zone       string    `json:"zone"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	NextWindow *Span     `json:"next_window"`
	// Runs is how many runs of any command the central database holds.
	Runs int `json:"runs"`
	// Last is the newest weekly run; nil when there is none.
	Last *Run `json:"last"`
	// State is Last's status, StateOverdue or StateNever.
	State string `json:"state"`
	// Trends are the finished whole weekly runs' measures of the last
	// Weeks weeks, by measure, oldest first.
	Trends map[string][]Point `json:"trends"`
}

// Span is a window.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Run is a run's row in the central database.
type Run struct {
	ID         string     `json:"run_id"`
	Command    string     `json:"command"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Status     string     `json:"status"`
	ExitCode   *int       `json:"exit_code"`
	Partial    bool       `json:"partial"`
	Downtime   float64    `json:"downtime_seconds"`
	Critical   int        `json:"findings_critical"`
	Warning    int        `json:"findings_warning"`
	Info       int        `json:"findings_info"`
}

// Point is a measure of one run.
type Point struct {
	At    time.Time `json:"at"`
	RunID string    `json:"run_id"`
	Value float64   `json:"value"`
}

// View reads the fleet: every installation with its newest weekly run
// and the trend measures of the weeks runs of the last weeks weeks
// before now. Two queries, whatever the fleet's size.
func (db *DB) View(ctx context.Context, now time.Time, weeks int) (*View, error) {
	if weeks <= 0 {
		weeks = 12
	}
	v := &View{At: now, Weeks: weeks, Measures: TrendMeasures, Installations: []Row{}}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, db.URL(), scrub(err, db.url))
	}
	defer conn.Release()
	if v.SchemaVersion, err = schemaVersion(ctx, conn); err != nil {
		return nil, db.readErr(err)
	}
	if v.SchemaVersion == 0 {
		return v, nil
	}
	if v.Installations, err = readInstallations(ctx, conn, now); err != nil {
		return nil, db.readErr(err)
	}
	if err := readTrends(ctx, conn, v, now.AddDate(0, 0, -7*weeks)); err != nil {
		return nil, db.readErr(err)
	}
	return v, nil
}

func (db *DB) readErr(err error) error {
	return fmt.Errorf("reading the fleet from %s: %w", db.URL(), scrub(err, db.url))
}

// readInstallations reads every installation with its newest weekly run
// (through the index runs_weekly) and its count of runs.
func readInstallations(ctx context.Context, conn *pgxpool.Conn, now time.Time) ([]Row, error) {
	rows, err := conn.Query(ctx, `SELECT i.id, i.host, i.tool_version, i.window_text, i.zone, i.first_seen, i.last_seen,
		i.next_window_start, i.next_window_end, (SELECT count(*) FROM runs c WHERE c.installation_id = i.id),
		l.run_id, l.command, l.started_at, l.finished_at, l.status, l.exit_code, l.partial, l.downtime_seconds,
		l.findings_critical, l.findings_warning, l.findings_info
		FROM installations i LEFT JOIN LATERAL (SELECT * FROM runs r WHERE r.installation_id = i.id AND r.command = 'weekly'
		ORDER BY r.started_at DESC LIMIT 1) l ON true ORDER BY i.id`)
	if err != nil {
		return nil, err
	}
	out := []Row{}
	for rows.Next() {
		var r Row
		var nextStart, nextEnd *time.Time
		var id, cmd, status *string
		var started *time.Time
		var last Run
		var partial *bool
		var downtime *float64
		var crit, warn, info *int
		if err := rows.Scan(&r.ID, &r.Host, &r.Version, &r.Window, &r.Zone, &r.FirstSeen, &r.LastSeen, &nextStart, &nextEnd, &r.Runs,
			&id, &cmd, &started, &last.FinishedAt, &status, &last.ExitCode, &partial, &downtime, &crit, &warn, &info); err != nil {
			rows.Close()
			return nil, err
		}
		if nextStart != nil && nextEnd != nil {
			r.NextWindow = &Span{Start: *nextStart, End: *nextEnd}
		}
		if id != nil {
			last.ID, last.Command, last.StartedAt, last.Status = *id, *cmd, *started, *status
			last.Partial, last.Downtime, last.Critical, last.Warning, last.Info = *partial, *downtime, *crit, *warn, *info
			r.Last = &last
		}
		r.State = stateOf(r, now)
		r.Trends = map[string][]Point{}
		out = append(out, r)
	}
	return out, rows.Err()
}

// stateOf is an installation's state at now: overdue when the next
// window it last reported has ended and no run started in it; else its
// last run's status.
func stateOf(r Row, now time.Time) string {
	switch {
	case r.NextWindow != nil && now.After(r.NextWindow.End) && (r.Last == nil || r.Last.StartedAt.Before(r.NextWindow.Start)):
		return StateOverdue
	case r.Last == nil:
		return StateNever
	}
	return r.Last.Status
}

// readTrends fills the rows' trends: the measures of the finished whole
// weekly runs since since, oldest first.
func readTrends(ctx context.Context, conn *pgxpool.Conn, v *View, since time.Time) error {
	rows, err := conn.Query(ctx, `SELECT r.installation_id, r.run_id, r.started_at, m.name, m.value
		FROM runs r JOIN measures m ON m.installation_id = r.installation_id AND m.run_id = r.run_id
		WHERE r.command = 'weekly' AND NOT r.partial AND r.status <> 'running' AND r.started_at >= $1 AND r.started_at <= $2
		AND m.name = ANY($3) ORDER BY r.installation_id, r.started_at, r.run_id`, since, v.At, v.Measures)
	if err != nil {
		return err
	}
	byID := map[string]*Row{}
	for i := range v.Installations {
		byID[v.Installations[i].ID] = &v.Installations[i]
	}
	var inst, run, name string
	var at time.Time
	var value float64
	_, err = pgx.ForEachRow(rows, []any{&inst, &run, &at, &name, &value}, func() error {
		if r := byID[inst]; r != nil {
			r.Trends[name] = append(r.Trends[name], Point{At: at, RunID: run, Value: value})
		}
		return nil
	})
	return err
}
