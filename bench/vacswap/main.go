// Command vacswap times fossamaint's own compaction path, the one the
// weekly database phase takes during its downtime when the file is
// fragmented: sqlitedb.VacuumInto a temp file beside the database, then
// sqlitedb.InstallFile to swap it in by rename, keeping the original as
// the rollback point under -aside-dir.
//
//	vacswap -db FILE -aside-dir DIR
//
// It prints the two durations; bench/db.sh times the whole process. The
// aside file must not exist with other content (InstallFile never
// overwrites one), so the caller clears DIR between runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dbPath := flag.String("db", "", "database file to compact in place")
	asideDir := flag.String("aside-dir", "", "directory for the replaced file (the rollback point)")
	flag.Parse()
	if *dbPath == "" || *asideDir == "" {
		fmt.Fprintln(os.Stderr, "usage: vacswap -db FILE -aside-dir DIR")
		os.Exit(64)
	}
	if err := run(ctx, *dbPath, *asideDir); err != nil {
		fmt.Fprintln(os.Stderr, "vacswap:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dbPath, asideDir string) (err error) {
	db, err := sqlitedb.Open(ctx, dbPath, sqlitedb.MaintenanceOptions(true))
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(db.Path()), "."+filepath.Base(db.Path())+".vacuum-new")
	vac, err := db.VacuumInto(ctx, tmp)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	start := time.Now()
	aside, err := sqlitedb.InstallFile(ctx, tmp, dbPath, asideDir, "pre_vacuum.db")
	if err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	fmt.Printf("VacuumInto %s (%d bytes), InstallFile %s (original kept as %s)\n",
		vac.Duration.D().Round(time.Millisecond), vac.Size, time.Since(start).Round(time.Millisecond), aside)
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}
