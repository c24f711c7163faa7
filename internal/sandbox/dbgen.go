package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// dbSpec sizes a generated database.
type dbSpec struct {
	WorkOrders int
	Users      int
	// History is how far back created_at reaches.
	History time.Duration
	// Purge is the fraction of the oldest work orders deleted after the
	// load, as the app's retention would: it leaves free pages behind.
	Purge float64
}

// dbStats are counted from the finished file, not assumed from the spec.
type dbStats struct {
	WorkOrders, Dispensers, Users, Jobs int
	PageCount, FreelistCount            int64
	// Bytes is a PostgreSQL database's size (SQLite: 0, PageCount says it).
	Bytes int64
}

// FreelistRatio is free pages over all pages.
func (s dbStats) FreelistRatio() float64 {
	if s.PageCount == 0 {
		return 0
	}
	return float64(s.FreelistCount) / float64(s.PageCount)
}

// OpenDB opens path with the given pragmas (modernc's _pragma URI
// parameters) on one connection, because SQLite pragmas are per connection.
func OpenDB(path string, pragmas ...string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// createDB writes a fresh database at path (which must not exist). The load
// runs without a journal: the file is a temp name until the caller renames it.
func createDB(ctx context.Context, path string, spec dbSpec, f *faker, now time.Time, progress io.Writer) (st dbStats, err error) {
	db, err := OpenDB(path, "journal_mode(OFF)", "synchronous(OFF)", "cache_size(-65536)")
	if err != nil {
		return st, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", path, cerr)
		}
	}()
	for _, ddl := range schema {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return st, fmt.Errorf("creating schema in %s: %w", path, err)
		}
	}
	if err := load(ctx, db, spec, f, now, progress); err != nil {
		return st, fmt.Errorf("loading %s: %w", path, err)
	}
	if err := purge(ctx, db, spec, now); err != nil {
		return st, fmt.Errorf("purging %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return st, fmt.Errorf("setting WAL on %s: %w", path, err)
	}
	return countStats(ctx, db)
}

// load inserts every row in one transaction with prepared statements.
func load(ctx context.Context, db *sql.DB, spec dbSpec, f *faker, now time.Time, progress io.Writer) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	if err := fill(ctx, &sqliteSink{tx: tx, stmts: map[string]*sql.Stmt{}}, spec, f, now, progress); err != nil {
		return err
	}
	return tx.Commit()
}

// rowSink takes the generated rows: an insert statement of schema.go (in
// SQLite's form, ? placeholders) and its arguments. SQLite and PostgreSQL
// (pgload.go) each have one, so both engines get the same rows.
type rowSink interface {
	insert(ctx context.Context, stmt string, args ...any) error
}

// sqliteSink inserts in a transaction, each statement prepared once.
type sqliteSink struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (s *sqliteSink) insert(ctx context.Context, stmt string, args ...any) error {
	p, ok := s.stmts[stmt]
	if !ok {
		var err error
		if p, err = s.tx.PrepareContext(ctx, stmt); err != nil {
			return fmt.Errorf("preparing an insert: %w", err)
		}
		s.stmts[stmt] = p
	}
	_, err := p.ExecContext(ctx, args...)
	return err
}

// fill generates every row of a database of spec into sink, in the order
// (and so with the faker's values) of every engine.
func fill(ctx context.Context, sink rowSink, spec dbSpec, f *faker, now time.Time, progress io.Writer) error {
	users := make([]string, spec.Users)
	for i := range users {
		users[i] = f.uuid4()
		if err := sink.insert(ctx, insertUser, f.userRow(users[i], i, now)...); err != nil {
			return fmt.Errorf("inserting user: %w", err)
		}
	}
	if err := loadWorkOrders(ctx, sink, spec, users, f, now, progress); err != nil {
		return err
	}
	return loadSide(ctx, sink, spec, users, f, now)
}

// loadWorkOrders inserts work orders in created_at order (so the oldest
// share contiguous pages, as in a real app's table), each with 2-4
// dispensers and sometimes an automation job.
func loadWorkOrders(ctx context.Context, sink rowSink, spec dbSpec, users []string, f *faker, now time.Time, progress io.Writer) error {
	start := now.Add(-spec.History)
	step := spec.History / time.Duration(spec.WorkOrders+1)
	for i := 0; i < spec.WorkOrders; i++ {
		if i%5000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if i > 0 && i%100000 == 0 && progress != nil {
				fmt.Fprintf(progress, "  %d/%d work orders\n", i, spec.WorkOrders)
			}
		}
		created := f.within(start.Add(time.Duration(i)*step), step)
		id, user := f.uuid4(), users[f.intn(len(users))]
		row := f.workOrderRow(id, user, created, now)
		if err := sink.insert(ctx, insertWorkOrder, row...); err != nil {
			return fmt.Errorf("inserting work order: %w", err)
		}
		done := row[6] == "completed"
		for n := range f.between(2, 4) {
			if err := sink.insert(ctx, insertDispenser, f.dispenserRow(f.uuid4(), id, n, created, done)...); err != nil {
				return fmt.Errorf("inserting dispenser: %w", err)
			}
		}
		if f.chance(0.12) {
			if err := sink.insert(ctx, insertJob, f.jobRow(f.uuid4(), user, id, created)...); err != nil {
				return fmt.Errorf("inserting automation job: %w", err)
			}
		}
	}
	return nil
}

// loadSide fills the filter, scraping and schedule tables.
func loadSide(ctx context.Context, sink rowSink, spec dbSpec, users []string, f *faker, now time.Time) error {
	n := spec.WorkOrders / 4
	start := now.Add(-spec.History)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * (spec.History / time.Duration(n+1)))
		if err := sink.insert(ctx, insertScrape, f.scrapeRow(f.uuid4(), users[f.intn(len(users))], at)...); err != nil {
			return fmt.Errorf("inserting scraping history: %w", err)
		}
	}
	parts := []string{"PCP-2-1", "PCN-2U-1", "400MB-10", "450MG-10", "800HS-30", "40510A"}
	for _, u := range users {
		for _, part := range parts[:f.between(2, len(parts))] {
			err := sink.insert(ctx, insertFilter,
				f.uuid4(), u, part, f.pick([]string{"gas", "diesel", "def"}), "Dispenser filter "+part,
				f.between(0, 60), f.between(6, 12), sqlTime(f.within(now.AddDate(0, 0, -60), 60*24*time.Hour)))
			if err != nil {
				return fmt.Errorf("inserting filter inventory: %w", err)
			}
		}
		last := now.Add(-time.Duration(f.between(1, 120)) * time.Minute)
		err := sink.insert(ctx, insertSchedule,
			f.uuid4(), u, "work_orders", 1.0, `{"start": 6, "end": 22}`, f.chance(0.9),
			sqlTime(last), sqlTime(last.Add(time.Hour)), f.between(0, 2), sqlTime(start), sqlTime(last))
		if err != nil {
			return fmt.Errorf("inserting scraping schedule: %w", err)
		}
	}
	return nil
}

// purge deletes the oldest work orders (with their dispensers and jobs) and
// old scraping history, as the app's cleanup does.
func purge(ctx context.Context, db *sql.DB, spec dbSpec, now time.Time) error {
	cut := int64(float64(spec.WorkOrders) * spec.Purge)
	cutoff := sqlTime(now.Add(-spec.History / 3))
	stmts := []struct {
		q    string
		args []any
	}{
		{`DELETE FROM dispensers WHERE work_order_id IN (SELECT id FROM work_orders WHERE rowid <= ?)`, []any{cut}},
		{`DELETE FROM automation_jobs WHERE work_order_id IN (SELECT id FROM work_orders WHERE rowid <= ?)`, []any{cut}},
		{`DELETE FROM work_orders WHERE rowid <= ?`, []any{cut}},
		{`DELETE FROM scraping_history WHERE started_at < ?`, []any{cutoff}},
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.q, err)
		}
	}
	return nil
}

func countStats(ctx context.Context, db *sql.DB) (dbStats, error) {
	var st dbStats
	for _, c := range []struct {
		q   string
		dst any
	}{
		{"SELECT count(*) FROM work_orders", &st.WorkOrders},
		{"SELECT count(*) FROM dispensers", &st.Dispensers},
		{"SELECT count(*) FROM users", &st.Users},
		{"SELECT count(*) FROM automation_jobs", &st.Jobs},
		{"PRAGMA page_count", &st.PageCount},
		{"PRAGMA freelist_count", &st.FreelistCount},
	} {
		if err := db.QueryRowContext(ctx, c.q).Scan(c.dst); err != nil {
			return st, fmt.Errorf("%s: %w", c.q, err)
		}
	}
	return st, nil
}

// removeDBFiles removes a database and its -wal/-shm/-journal companions.
func removeDBFiles(path string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + s)
	}
}
