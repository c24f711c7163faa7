package backup

// CONTRACT (helper pgint owns this file; the names below are fixed, the
// bodies are theirs).

import (
	"context"
	"errors"
)

// EnginePostgres is Manifest.Engine of a PostgreSQL dump.
const EnginePostgres = "postgresql"

// DumpExt is the extension of a PostgreSQL backup (custom format).
const DumpExt = ".dump"

// Check names of a PostgreSQL dump's manifest: the table of contents read
// back (quick) and a restore test into a scratch database (full).
const (
	CheckTOC     = "pg_restore_list"
	CheckRestore = "restore_test"
)

// PostgresSource is the PostgreSQL database a backup is taken from, or
// restored into, and the programs to use.
type PostgresSource struct {
	// URL is the application's database (libpq URL; may hold a password).
	URL string
	// BinDir is database.postgres.bin_dir ("" finds them).
	BinDir string
}

var errContract = errors.New("backup: PostgreSQL not written yet")

// VerifyPostgres verifies the dump at path: its sha256 against the
// manifest and its table of contents (quick), and with full a restore
// test into a scratch database on src's server with the manifest's row
// counts compared and pg_amcheck on the copy.
func VerifyPostgres(ctx context.Context, path string, src PostgresSource, full bool) (VerifyResult, error) {
	return VerifyResult{}, errContract
}
