package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Local is the local history a sync reads: *history.Store.
type Local interface {
	Runs(ctx context.Context, f history.RunFilter) ([]history.RunRow, error)
	Get(ctx context.Context, id string) (*runbook.Run, error)
}

var _ Local = (*history.Store)(nil)

// Installation is what the fleet view shows of the installation that
// syncs, besides its runs.
type Installation struct {
	// ID keys every row of this installation (config.InstallationID).
	ID      string `json:"id"`
	Host    string `json:"host"`
	Version string `json:"version"`
	// Window is the maintenance window as people read it
	// ("Saturday 02:00 for 4h0m0s (Europe/Berlin)"), Zone its zone.
	Window string `json:"window"`
	Zone   string `json:"zone"`
	// NextWindow is the next window as the installation's clock and
	// calendar (blackouts included) see it at the sync.
	NextWindow runbook.Span `json:"next_window"`
}

// SyncOptions say where and how to sync.
type SyncOptions struct {
	// URL is history.url.
	URL          string
	Installation Installation
	// Timeout bounds the whole sync, retries included (history.timeout).
	Timeout time.Duration
	// Now is the clock (last_seen, synced_at).
	Now func() time.Time
	// DryRun reads the central database and says what would be sent;
	// it writes nothing, not even the schema.
	DryRun bool
	// Redactor hides secrets in the texts sent (step errors, actions);
	// nil: redact.New(nil), which still hides what looks like one.
	Redactor *redact.Redactor
	// ExitCode is the exit code of a run (the CLI's table); nil leaves
	// the column empty.
	ExitCode func(*runbook.Run) int
	// Backoff is the wait before retry n (1, 2, ...); nil: 250 ms
	// doubling up to 4 s.
	Backoff func(n int) time.Duration
}

// Result is what a sync did.
type Result struct {
	Installation string `json:"installation"`
	// URL is the central database without its password.
	URL    string `json:"url"`
	DryRun bool   `json:"dry_run"`
	// Local is how many finished runs the local history holds (dry runs
	// and runs still running are not sent); Held how many of them the
	// central database held, up to date, before.
	Local int `json:"local"`
	Held  int `json:"held"`
	// Sent are the runs written (a dry run: that would be), oldest
	// first; Stale how many of them the central database held with an
	// older fingerprint.
	Sent  []string `json:"sent"`
	Stale int      `json:"stale"`
	// Migrated are the schema versions this sync applied.
	Migrated []int         `json:"migrated,omitempty"`
	Attempts int           `json:"attempts"`
	Took     time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
}

// Sync sends the finished runs of the local history that the central
// database lacks or holds stale, in Timeout at most. An unreachable
// central database is retried with backoff until the bound, then
// returned as ErrUnreachable; runs written before it stay written (each
// in its own transaction), and the next sync sends the rest.
func Sync(ctx context.Context, local Local, o SyncOptions) (res Result, err error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Redactor == nil {
		o.Redactor = redact.New(nil)
	}
	if o.Backoff == nil {
		o.Backoff = backoff
	}
	res = Result{Installation: o.Installation.ID, URL: RedactURL(o.URL), DryRun: o.DryRun, Sent: []string{}}
	start := time.Now()
	defer func() { res.Took = time.Since(start); res.Seconds = res.Took.Seconds() }()
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	rows, err := finishedRuns(ctx, local)
	if err != nil {
		return res, err
	}
	res.Local = len(rows)
	for {
		res.Attempts++
		err := syncOnce(ctx, local, rows, o, &res)
		if err == nil {
			return res, nil
		}
		if permanent(err) {
			return res, fmt.Errorf("syncing with the fleet database %s: %w%s", res.URL, err, grantHint(err))
		}
		wait := time.NewTimer(o.Backoff(res.Attempts))
		select {
		case <-ctx.Done():
			wait.Stop()
			if !errors.Is(err, ErrUnreachable) {
				err = fmt.Errorf("%w: %w", ErrUnreachable, err)
			}
			return res, fmt.Errorf("syncing with %s after %d attempts in %s: %w (the runs stay in the local history; the next sync sends them)",
				res.URL, res.Attempts, o.Timeout, err)
		case <-wait.C:
		}
	}
}

// finishedRuns are the local runs a sync sends: every run (single
// commands too) that ended, dry runs of older releases aside.
func finishedRuns(ctx context.Context, local Local) ([]history.RunRow, error) {
	all, err := local.Runs(ctx, history.RunFilter{All: true})
	if err != nil {
		return nil, err
	}
	out := make([]history.RunRow, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- { // oldest first
		r := all[i]
		if r.DryRun || r.Status == string(runbook.RunRunning) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// syncOnce is one attempt: connect, migrate, record the installation,
// then send what the central database lacks.
func syncOnce(ctx context.Context, local Local, rows []history.RunRow, o SyncOptions, res *Result) error {
	conn, err := connect(ctx, o.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	held := map[string]string{}
	if o.DryRun {
		if v, err := schemaVersion(ctx, conn); err != nil {
			return scrub(err, o.URL)
		} else if v > 0 {
			if held, err = heldRuns(ctx, conn, o.Installation.ID); err != nil {
				return scrub(err, o.URL)
			}
		}
	} else {
		applied, err := migrate(ctx, conn, o.Now())
		if err != nil {
			return scrub(err, o.URL)
		}
		res.Migrated = append(res.Migrated, applied...)
		if err := upsertInstallation(ctx, conn, o.Installation, o.Now()); err != nil {
			return scrub(err, o.URL)
		}
		if held, err = heldRuns(ctx, conn, o.Installation.ID); err != nil {
			return scrub(err, o.URL)
		}
	}
	todo := missing(rows, held)
	res.Held = len(rows) - len(todo) - len(res.Sent) // a retry finds the runs sent before it
	for _, r := range todo {
		if _, ok := held[r.ID]; ok {
			res.Stale++
		}
		if o.DryRun {
			res.Sent = append(res.Sent, r.ID)
			continue
		}
		run, err := local.Get(ctx, r.ID)
		if err != nil {
			return fmt.Errorf("reading run %s from the local history: %w", r.ID, err)
		}
		if err := writeRun(ctx, conn, o, r, run); err != nil {
			return scrub(fmt.Errorf("writing run %s: %w", r.ID, err), o.URL)
		}
		res.Sent = append(res.Sent, r.ID)
	}
	return nil
}

// missing are the rows the central database lacks or holds with another
// fingerprint, oldest first.
func missing(rows []history.RunRow, held map[string]string) (todo []history.RunRow) {
	for _, r := range rows {
		if fp, ok := held[r.ID]; !ok || fp != Fingerprint(r) {
			todo = append(todo, r)
		}
	}
	return todo
}

// heldRuns are the run ids the central database holds for an
// installation, with their fingerprints.
func heldRuns(ctx context.Context, conn *pgx.Conn, id string) (map[string]string, error) {
	rows, err := conn.Query(ctx, `SELECT run_id, fingerprint FROM runs WHERE installation_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("reading the runs the fleet database holds: %w", err)
	}
	held := map[string]string{}
	var rid, fp string
	_, err = pgx.ForEachRow(rows, []any{&rid, &fp}, func() error { held[rid] = fp; return nil })
	if err != nil {
		return nil, fmt.Errorf("reading the runs the fleet database holds: %w", err)
	}
	return held, nil
}

func upsertInstallation(ctx context.Context, conn *pgx.Conn, in Installation, now time.Time) error {
	_, err := conn.Exec(ctx, `INSERT INTO installations(id, host, tool_version, window_text, zone, next_window_start, next_window_end, first_seen, last_seen)
		VALUES($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO UPDATE SET host = excluded.host,
		tool_version = excluded.tool_version, window_text = excluded.window_text, zone = excluded.zone,
		next_window_start = excluded.next_window_start, next_window_end = excluded.next_window_end,
		last_seen = greatest(installations.last_seen, excluded.last_seen)`,
		in.ID, in.Host, in.Version, in.Window, in.Zone, nullTime(in.NextWindow.Start), nullTime(in.NextWindow.End), now)
	if err != nil {
		return fmt.Errorf("recording installation %s: %w", in.ID, err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
