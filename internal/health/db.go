package health

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// dbProbeTimeout bounds the database probe: a locked or huge database must
// not stall the health report.
const dbProbeTimeout = 5 * time.Second

// DBProbe is the outcome of opening the database read-only and counting its
// schema objects.
type DBProbe struct {
	Path    string
	Exists  bool
	Objects int
	Latency time.Duration
}

// ProbeDB opens path read-only through sqlitedb (never creating it, never
// writing) and runs a cheap query. A missing file is reported with Exists
// false and an error; a corrupt one, or one without a table (an empty
// file), with an error that says so, as `db check` does.
func ProbeDB(ctx context.Context, path string) (DBProbe, error) {
	res := DBProbe{Path: path}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("database %s does not exist", path)
		}
		return res, fmt.Errorf("database %s: %w", path, err)
	}
	res.Exists = true
	ctx, cancel := context.WithTimeout(ctx, dbProbeTimeout)
	defer cancel()
	start := time.Now()
	db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{ReadOnly: true, BusyTimeout: 2 * time.Second})
	if err != nil {
		return res, err
	}
	defer db.Close()
	err = db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&res.Objects)
	if err == nil {
		err = db.RequireTables(ctx)
	}
	res.Latency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("querying database %s: %w", path, err)
	}
	return res, nil
}
