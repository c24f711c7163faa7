package health

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
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

// ProbeDB opens path read-only (never creating it) and runs a cheap query.
// A missing file is reported with Exists false and an error; a corrupt one
// with the driver's error.
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
	db, err := sql.Open("sqlite", readOnlyURI(path))
	if err != nil {
		return res, fmt.Errorf("opening database %s: %w", path, err)
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&res.Objects)
	res.Latency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("querying database %s: %w", path, err)
	}
	return res, nil
}

// readOnlyURI builds a SQLite URI: mode=ro so the probe can neither create
// a missing file nor write, and a busy timeout so a writer holding the lock
// delays rather than fails the probe. Characters SQLite's URI parser treats
// specially are percent-escaped.
func readOnlyURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letters: file:///C:/...
	}
	p = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	return "file://" + p + "?mode=ro&_busy_timeout=2000"
}
