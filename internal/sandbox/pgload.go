package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

// pgTypes translates schema.go's SQLite DDL into what SQLAlchemy creates
// on PostgreSQL for the same models: DateTime is TIMESTAMP WITHOUT TIME
// ZONE and boolean defaults are true/false; VARCHAR, TEXT, INTEGER,
// FLOAT and JSON are the same words.
var pgTypes = strings.NewReplacer(
	"DATETIME", "TIMESTAMP",
	"BOOLEAN NOT NULL DEFAULT 1", "BOOLEAN NOT NULL DEFAULT true",
	"BOOLEAN NOT NULL DEFAULT 0", "BOOLEAN NOT NULL DEFAULT false",
	"BOOLEAN DEFAULT 1", "BOOLEAN DEFAULT true",
	"BOOLEAN DEFAULT 0", "BOOLEAN DEFAULT false",
)

// pgSchema is the same tables and indexes as schema, in PostgreSQL's types.
func pgSchema() []string {
	out := make([]string, len(schema))
	for i, ddl := range schema {
		out[i] = pgTypes.Replace(ddl)
	}
	return out
}

// pgRebind turns SQLite's ? placeholders into PostgreSQL's $1, $2, ...
// (the demo's statements hold no ? inside string literals).
func pgRebind(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pgBatchRows is how many inserts go to the server in one round trip.
const pgBatchRows = 2000

// pgSink queues the rows on one connection inside a transaction and
// sends them pgBatchRows at a time (one round trip each, not one a row).
// Each statement is rebound once (rebound), not once a row.
type pgSink struct {
	tx      pgx.Tx
	batch   pgx.Batch
	rebound map[string]string
}

func (s *pgSink) insert(ctx context.Context, stmt string, args ...any) error {
	q, ok := s.rebound[stmt]
	if !ok {
		if s.rebound == nil {
			s.rebound = map[string]string{}
		}
		q = pgRebind(stmt)
		s.rebound[stmt] = q
	}
	s.batch.Queue(q, args...)
	if s.batch.Len() >= pgBatchRows {
		return s.flush(ctx)
	}
	return nil
}

func (s *pgSink) flush(ctx context.Context) error {
	if s.batch.Len() == 0 {
		return nil
	}
	err := s.tx.SendBatch(ctx, &s.batch).Close()
	s.batch = pgx.Batch{}
	return err
}

// createPG loads the schema and the rows of spec into the empty database
// at url, then deletes the oldest work orders as createDB does (on
// PostgreSQL that leaves dead tuples for VACUUM, not free pages).
func createPG(ctx context.Context, url string, spec dbSpec, f *faker, now time.Time, progress io.Writer) (st dbStats, err error) {
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	conn := db.Conn()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return st, fmt.Errorf("beginning the load: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback(context.WithoutCancel(ctx)))
		}
	}()
	for _, ddl := range pgSchema() {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return st, fmt.Errorf("creating the schema: %w", err)
		}
	}
	sink := &pgSink{tx: tx}
	if err := fill(ctx, sink, spec, f, now, progress); err != nil {
		return st, err
	}
	if err := sink.flush(ctx); err != nil {
		return st, fmt.Errorf("loading rows: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return st, fmt.Errorf("committing the load: %w", err)
	}
	if err := purgePG(ctx, conn, spec, now); err != nil {
		return st, err
	}
	return countPG(ctx, conn)
}

// purgePG is purge on PostgreSQL: no rowid, but the work orders were
// inserted in created_at order, so the oldest by created_at are the same
// rows.
func purgePG(ctx context.Context, conn *pgx.Conn, spec dbSpec, now time.Time) error {
	cut := int64(float64(spec.WorkOrders) * spec.Purge)
	oldest := `SELECT id FROM work_orders ORDER BY created_at LIMIT $1`
	stmts := []struct {
		q   string
		arg any
	}{
		{`DELETE FROM dispensers WHERE work_order_id IN (` + oldest + `)`, cut},
		{`DELETE FROM automation_jobs WHERE work_order_id IN (` + oldest + `)`, cut},
		{`DELETE FROM work_orders WHERE id IN (` + oldest + `)`, cut},
		{`DELETE FROM scraping_history WHERE started_at < $1`, sqlTime(now.Add(-spec.History / 3))},
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s.q, s.arg); err != nil {
			return fmt.Errorf("%s: %w", s.q, err)
		}
	}
	return nil
}

func countPG(ctx context.Context, conn *pgx.Conn) (dbStats, error) {
	var st dbStats
	for _, c := range []struct {
		table string
		dst   *int
	}{
		{"work_orders", &st.WorkOrders}, {"dispensers", &st.Dispensers},
		{"users", &st.Users}, {"automation_jobs", &st.Jobs},
	} {
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+c.table).Scan(c.dst); err != nil {
			return st, fmt.Errorf("counting %s: %w", c.table, err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&st.Bytes); err != nil {
		return st, fmt.Errorf("reading the database size: %w", err)
	}
	return st, nil
}
