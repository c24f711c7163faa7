package health

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// dbProbeTimeout bounds the database probe: a locked or huge database must
// not stall the health report.
const dbProbeTimeout = 5 * time.Second

// dbProbeBusyTimeout is how long the probe waits for another connection's
// lock: well inside dbProbeTimeout, so a busy database is reported as
// locked rather than as a timeout.
const dbProbeBusyTimeout = 2 * time.Second

// DBProbe is the outcome of opening the database read-only and counting its
// schema objects.
type DBProbe struct {
	Path    string
	Exists  bool
	Objects int
	Latency time.Duration
}

// ProbeDB opens path read-only and runs a cheap query. Opening is
// sqlitedb's, the one place that knows how to open the FossaWork database:
// it never creates or writes the file and names a missing, unreadable or
// non-database one. A missing file is reported with Exists false and an
// error; a corrupt one, or one without a table (an empty file), with an
// error that says so, as `db check` does.
func ProbeDB(ctx context.Context, path string) (DBProbe, error) {
	res := DBProbe{Path: path, Exists: true}
	ctx, cancel := context.WithTimeout(ctx, dbProbeTimeout)
	defer cancel()
	opts := sqlitedb.MaintenanceOptions(true)
	opts.BusyTimeout = dbProbeBusyTimeout
	start := time.Now()
	db, err := sqlitedb.Open(ctx, path, opts)
	if err != nil {
		res.Exists = !errors.Is(err, sqlitedb.ErrNotExist)
		if errors.Is(err, fs.ErrNotExist) {
			// The health report's words for the common case, path as given.
			return res, fmt.Errorf("database %s does not exist", path)
		}
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
