package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/durable"
)

// DailyBackups and WeeklyBackups are how many of each Generate writes. The
// daily series stops yesterday: today's backup is missing on purpose.
const (
	DailyBackups  = 20
	WeeklyBackups = 8
)

// backupEvent is one backup to write, in the upstream runbook layout.
type backupEvent struct {
	at     time.Time
	weekly bool
}

// Manifest is what a daily backup directory's manifest.json holds. A
// PostgreSQL dump's (pggen.go) has no pages or integrity_check: its
// engine, versions and the check it passed (pg_restore --list) instead.
type Manifest struct {
	Version        int            `json:"version"`
	Kind           string         `json:"type"`
	CreatedAt      string         `json:"created_at"`
	Database       string         `json:"database"`
	Source         string         `json:"source"`
	Method         string         `json:"method"`
	Size           int64          `json:"size"`
	SHA256         string         `json:"sha256"`
	PageSize       int64          `json:"page_size,omitempty"`
	PageCount      int64          `json:"page_count,omitempty"`
	IntegrityCheck string         `json:"integrity_check,omitempty"`
	Tables         map[string]int `json:"tables"`
	Engine         string         `json:"engine,omitempty"`
	ServerVersion  string         `json:"server_version,omitempty"`
	DumpVersion    string         `json:"dump_version,omitempty"`
	Check          string         `json:"check,omitempty"`
	CheckResult    string         `json:"check_result,omitempty"`
}

func backupEvents(now time.Time) []backupEvent {
	var ev []backupEvent
	today := startOfDay(now)
	for ago := 1; ago <= DailyBackups; ago++ {
		ev = append(ev, backupEvent{at: today.AddDate(0, 0, -ago).Add(90 * time.Minute)})
	}
	for k := 1; k <= WeeklyBackups; k++ {
		ev = append(ev, backupEvent{at: today.AddDate(0, 0, -7*k).Add(3*time.Hour + 15*time.Minute + 42*time.Second), weekly: true})
	}
	slices.SortFunc(ev, func(a, b backupEvent) int { return a.at.Compare(b.at) })
	return ev
}

// writeBackups builds a small source database in a private temp dir and
// takes every backup from it with VACUUM INTO, oldest first, adding a few
// work orders in between so the backups differ as real ones do.
func writeBackups(ctx context.Context, root string, now time.Time, f *faker) (int, error) {
	for _, d := range []string{"daily", "weekly", "maintenance"} {
		if err := os.MkdirAll(filepath.Join(root, "backups", d), 0o700); err != nil {
			return 0, fmt.Errorf("creating backup dir: %w", err)
		}
	}
	tmp, err := durable.MkdirTemp(os.TempDir(), "demo-src")
	if err != nil {
		return 0, fmt.Errorf("creating temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "fossawork_v2.db")
	evs := backupEvents(now)
	spec := dbSpec{WorkOrders: 300, Users: 10, History: 180 * 24 * time.Hour}
	if _, err := createDB(ctx, src, spec, f, evs[0].at, nil); err != nil {
		return 0, err
	}
	db, err := OpenDB(src, "busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	users, err := firstUser(ctx, db)
	if err != nil {
		return 0, err
	}
	for _, ev := range evs {
		if err := addWorkOrders(ctx, db, f, users, ev.at, 12); err != nil {
			return 0, fmt.Errorf("growing backup source: %w", err)
		}
		if err := takeBackup(ctx, db, root, ev); err != nil {
			return 0, err
		}
	}
	return len(evs), nil
}

func firstUser(ctx context.Context, db *sql.DB) (string, error) {
	var id string
	if err := db.QueryRowContext(ctx, "SELECT id FROM users ORDER BY rowid LIMIT 1").Scan(&id); err != nil {
		return "", fmt.Errorf("reading a user: %w", err)
	}
	return id, nil
}

func addWorkOrders(ctx context.Context, db *sql.DB, f *faker, user string, at time.Time, n int) error {
	for range n {
		if _, err := db.ExecContext(ctx, insertWorkOrder, f.workOrderRow(f.uuid4(), user, f.within(at.Add(-24*time.Hour), 24*time.Hour), at)...); err != nil {
			return err
		}
	}
	return nil
}

// takeBackup writes one backup under a temp name in its final directory,
// then renames it, so no partial file ever carries a backup's name.
func takeBackup(ctx context.Context, db *sql.DB, root string, ev backupEvent) error {
	dir := filepath.Join(root, "backups", "weekly")
	name := "fossawork_v2_full_" + ev.at.Format("20060102_150405") + ".db"
	if !ev.weekly {
		dir = filepath.Join(root, "backups", "daily", ev.at.Format("20060102"))
		name = "fossawork_v2.db"
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	final := filepath.Join(dir, name)
	tmp := durable.Path(dir, "backup")
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("VACUUM INTO %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return errors.Join(fmt.Errorf("chmod %s: %w", tmp, err), os.Remove(tmp))
	}
	// VACUUM INTO fsyncs its output (synchronous is not OFF here).
	if err := durable.Rename(tmp, final); err != nil {
		return errors.Join(fmt.Errorf("renaming %s: %w", tmp, err), os.Remove(tmp))
	}
	if err := os.Chtimes(final, ev.at, ev.at); err != nil {
		return fmt.Errorf("setting mtime of %s: %w", final, err)
	}
	if ev.weekly {
		return nil
	}
	m, err := manifestFor(ctx, db, final, ev.at)
	if err != nil {
		return err
	}
	return writeManifest(filepath.Join(dir, "manifest.json"), m, ev.at)
}

// writeManifest writes a daily set's manifest.json (0600, mtime at).
func writeManifest(path string, m Manifest, at time.Time) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	return writeFileTimes(path, append(data, '\n'), 0o600, at)
}

func manifestFor(ctx context.Context, db *sql.DB, path string, at time.Time) (Manifest, error) {
	m := Manifest{Version: 1, Kind: "daily", CreatedAt: at.Format("2006-01-02T15:04:05"),
		Database: filepath.Base(path), Source: "backend/fossawork_v2.db", Method: "vacuum_into",
		IntegrityCheck: "ok", Tables: map[string]int{}}
	sum, size, err := sha256File(path)
	if err != nil {
		return m, err
	}
	m.SHA256, m.Size = sum, size
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&m.PageSize); err != nil {
		return m, fmt.Errorf("reading page size: %w", err)
	}
	m.PageCount = size / m.PageSize
	for _, t := range []string{"work_orders", "dispensers"} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return m, fmt.Errorf("counting %s: %w", t, err)
		}
		m.Tables[t] = n
	}
	return m, nil
}

func sha256File(path string) (string, int64, error) {
	return ctxio.HashFile(context.Background(), path)
}
