package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
)

// ScratchStaleAfter is the age past which a restore test's scratch
// database (fossamaint_verify_*) is a killed run's: a restore test that
// is still running has made its own within it.
const ScratchStaleAfter = time.Hour

// LeftoverDatabases lists what killed runs left on src's server: restore
// tests' scratch databases and restores' copies of src's database
// (pgdb.LeftoverDatabases), with their sizes and dates.
func LeftoverDatabases(ctx context.Context, src PostgresSource) ([]pgdb.Leftover, error) {
	db, err := pgdb.Open(ctx, src.URL)
	if err != nil {
		return nil, fmt.Errorf("listing leftover databases: %w", err)
	}
	defer db.Close()
	return pgdb.LeftoverDatabases(ctx, db)
}

// StaleScratch says whether l is a scratch database prune drops: older
// than ScratchStaleAfter at now, or of unknown date (its name predates
// dated names, so no running restore test made it). A restore's copy
// never is: recover deals with it.
func StaleScratch(l pgdb.Leftover, now time.Time) bool {
	return l.Scratch && (l.At.IsZero() || now.Sub(l.At) > ScratchStaleAfter)
}

// DescribeLeftover is one line about l for reports: its name, what it
// is, its size and its age at now.
func DescribeLeftover(l pgdb.Leftover, now time.Time) string {
	what := "a restore test's scratch database"
	if !l.Scratch {
		what = "a restore's copy, left by a killed restore (fossamaint recover deals with it)"
	}
	size := "size unknown"
	if l.Size >= 0 {
		size = human.Bytes(l.Size)
	}
	age := "age unknown"
	if !l.At.IsZero() {
		age = "age " + human.Age(now.Sub(l.At))
	}
	return fmt.Sprintf("%s: %s, %s, %s", l.Name, what, size, age)
}

// DropScratch drops one scratch database LeftoverDatabases listed.
func DropScratch(ctx context.Context, src PostgresSource, name string) error {
	db, err := pgdb.Open(ctx, src.URL)
	if err != nil {
		return fmt.Errorf("dropping %s: %w", name, err)
	}
	defer db.Close()
	return pgdb.DropScratch(ctx, db, name)
}
