package sandbox

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/pgdb"
)

// dialect is the backend's SQL for one engine. SQLite orders by rowid
// (insertion order); PostgreSQL has none, so its lists page by primary
// key and "recent" is by the indexed scheduled_date.
type dialect struct {
	engine                           string
	listWorkOrders, listDispensers   string
	firstUser, touchRecent           string
	insertWorkOrder, insertDispenser string
}

const (
	woColumns = `id, user_id, external_id, site_name, address,
		scheduled_date, status, work_type, store_number, service_code, visit_url, sync_status,
		created_at, updated_at`
	dispColumns = `id, work_order_id, dispenser_number,
		dispenser_type, status, progress_percentage, make, model, serial_number, meter_type,
		number_of_nozzles, created_at, updated_at`
	touchSet = `UPDATE work_orders SET status = ?, updated_at = ?, last_synced_at = ?,
		sync_status = 'synced' WHERE `
)

var sqliteDialect = dialect{
	engine:          "sqlite",
	listWorkOrders:  `SELECT ` + woColumns + ` FROM work_orders ORDER BY rowid LIMIT ? OFFSET ?`,
	listDispensers:  `SELECT ` + dispColumns + ` FROM dispensers ORDER BY rowid LIMIT ? OFFSET ?`,
	firstUser:       `SELECT id FROM users ORDER BY rowid LIMIT 1`,
	touchRecent:     touchSet + `rowid = (SELECT max(rowid) FROM work_orders) - ?`,
	insertWorkOrder: insertWorkOrder,
	insertDispenser: insertDispenser,
}

var pgDialect = dialect{
	engine:          "postgresql",
	listWorkOrders:  pgRebind(`SELECT ` + woColumns + ` FROM work_orders ORDER BY id LIMIT ? OFFSET ?`),
	listDispensers:  pgRebind(`SELECT ` + dispColumns + ` FROM dispensers ORDER BY id LIMIT ? OFFSET ?`),
	firstUser:       `SELECT id FROM users ORDER BY created_at, id LIMIT 1`,
	touchRecent:     pgRebind(touchSet + `id = (SELECT id FROM work_orders ORDER BY scheduled_date DESC OFFSET ? LIMIT 1)`),
	insertWorkOrder: pgRebind(insertWorkOrder),
	insertDispenser: pgRebind(insertDispenser),
}

// conflict reports whether err is a duplicate primary key.
func (d dialect) conflict(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" // unique_violation
	}
	return strings.Contains(err.Error(), "UNIQUE")
}

// openBackendDB opens the database the application would: the
// PostgreSQL database when the installation's .env sets a PostgreSQL
// DATABASE_URL (as FossaWork reads it), else the SQLite file s.DB.
func openBackendDB(s Settings) (*sql.DB, dialect, error) {
	url, err := config.PostgresURLFromEnvFile(s.EnvFile)
	if err != nil {
		return nil, dialect{}, fmt.Errorf("reading DATABASE_URL from %s: %w", s.EnvFile, err)
	}
	if url == "" {
		db, err := OpenDB(s.DB, "busy_timeout(5000)", "journal_mode(WAL)")
		return db, sqliteDialect, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, dialect{}, fmt.Errorf("opening %s: %w", pgdb.Redact(url), err)
	}
	return db, pgDialect, nil
}
