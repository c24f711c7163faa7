package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// KindManual marks a backup written to a path of the operator's choosing
// (`fossamaint db backup --out`); it is outside the layout and retention.
const KindManual Kind = "manual"

// ToOptions configure BackupTo.
type ToOptions struct {
	Now         time.Time
	Verify      string // quick or full
	Tags        []string
	ToolVersion string
	Progress    func(done, total int)
	// Postgres, when set, is dumped (pg_dump) instead of dbPath.
	Postgres *PostgresSource
}

// BackupTo writes a verified online backup of dbPath to out with the same
// guarantees as Create (temp name in out's directory, fsync, rename, dir
// fsync, 0600, check, sha256) and its manifest beside it as
// <out>.manifest.json. An existing out is never overwritten.
func BackupTo(ctx context.Context, dbPath, out string, o ToOptions) (Created, error) {
	start := time.Now()
	co := CreateOptions{Kind: KindManual, DBPath: dbPath, Now: o.Now, Tags: o.Tags, Verify: o.Verify,
		ToolVersion: o.ToolVersion, Progress: o.Progress, Postgres: o.Postgres}
	if o.Now.IsZero() {
		return Created{}, errors.New("backing up: no time given")
	}
	c := Created{Path: out, Dir: filepath.Dir(out), ManifestPath: ManifestPathFor(out)}
	for _, p := range []string{out, c.ManifestPath} {
		if _, err := os.Lstat(p); err == nil {
			return c, fmt.Errorf("backing up to %s: %s already exists; choose another --out (backups are never overwritten)", out, p)
		}
	}
	if fi, err := os.Stat(c.Dir); err != nil || !fi.IsDir() {
		return c, fmt.Errorf("backing up to %s: directory %s does not exist", out, c.Dir)
	}
	m, err := backupAndVerify(ctx, co, out, &c)
	if err != nil {
		os.Remove(out)
		return c, err
	}
	if err := WriteManifest(c.ManifestPath, m); err != nil {
		return c, fmt.Errorf("backing up to %s: %w", out, err)
	}
	c.Manifest = m
	c.Duration = human.Seconds(time.Since(start))
	return c, nil
}
