package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/human"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// VerifyResult says whether a backup file is a usable database. A damaged
// or foreign file is a result with OK false and messages, not an error.
type VerifyResult struct {
	Path   string `json:"path"`
	Size   int64  `json:"size_bytes"`
	SHA256 string `json:"sha256"`
	// Tables counts user tables; zero makes the backup useless.
	Tables int `json:"tables"`
	// Check is the result of the check named by CheckName (CheckQuick
	// unless a full check was asked for); the JSON key stays
	// "quick_check" for compatibility.
	Check         sqlitedb.CheckResult `json:"quick_check"`
	CheckName     string               `json:"check"`
	PageSize      int64                `json:"page_size,omitempty"`
	PageCount     int64                `json:"page_count,omitempty"`
	SQLiteVersion string               `json:"sqlite_version,omitempty"`
	// TOC counts a PostgreSQL dump's table-of-contents entries by type.
	TOC      map[string]int `json:"toc,omitempty"`
	OK       bool           `json:"ok"`
	Messages []string       `json:"messages,omitempty"`
	Duration human.Seconds  `json:"duration_seconds"`
}

// Verify hashes path and runs quick_check and a table count on it, opened
// immutable so that nothing is written: no lock, no -wal or -shm file. A
// backup must be self-contained, so a -wal beside it is reported and its
// content is not read. Errors are for "could not verify": missing or
// unreadable file, cancelled ctx.
func Verify(ctx context.Context, path string) (VerifyResult, error) {
	return verifyFile(ctx, path, false)
}

// VerifyFull is Verify with integrity_check instead of quick_check.
func VerifyFull(ctx context.Context, path string) (VerifyResult, error) {
	return verifyFile(ctx, path, true)
}

// verifyFile hashes on one goroutine while SQLite checks on another: both
// are bound by reading the same file, which the page cache serves once,
// so on two cores the pair costs about as much as the slower of the two.
func verifyFile(ctx context.Context, path string, full bool) (res VerifyResult, err error) {
	if IsDump(path) {
		// A dump's full check is a restore test, which needs its server:
		// VerifyDeep with VerifyOptions.Postgres.
		return verifyDump(ctx, path, "")
	}
	start := time.Now()
	res.Path, res.CheckName = path, CheckQuick
	if full {
		res.CheckName = CheckFull
	}
	defer func() { res.Duration = human.Seconds(time.Since(start)) }()
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("verifying backup %s: %w", path, err)
	}
	if fi.IsDir() {
		return res, fmt.Errorf("verifying backup %s: is a directory, not a database file", path)
	}
	res.Size = fi.Size()
	for _, suffix := range []string{"-wal", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			res.Messages = append(res.Messages, fmt.Sprintf(
				"%s%s exists beside the backup: its content is not part of the backup file", path, suffix))
		}
	}
	type hashed struct {
		sum  string
		size int64
		err  error
	}
	hc := make(chan hashed, 1)
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		sum, size, err := hashFileSize(hctx, path)
		hc <- hashed{sum, size, err}
	}()
	checkErr := checkDatabase(ctx, path, full, &res)
	if checkErr != nil {
		cancel()
	}
	h := <-hc
	if checkErr != nil {
		return res, checkErr
	}
	if h.err != nil {
		return res, fmt.Errorf("verifying backup: %w", h.err)
	}
	res.SHA256 = h.sum
	if h.size != res.Size {
		// Something wrote to the file while we read it: neither the hash
		// nor the check describes one state of it.
		return res, fmt.Errorf("verifying backup %s: it changed size during verification (%d -> %d bytes)", path, res.Size, h.size)
	}
	res.OK = res.Check.OK && res.Tables > 0
	return res, nil
}

// checkDatabase fills the check and table count, turning "this is not a
// good database" into messages and returning only "could not run" errors.
func checkDatabase(ctx context.Context, path string, full bool, res *VerifyResult) error {
	opts := sqlitedb.MaintenanceOptions(true)
	opts.Immutable = true
	db, err := sqlitedb.Open(ctx, path, opts)
	if errors.Is(err, sqlitedb.ErrNotDatabase) {
		res.Messages = append(res.Messages, fmt.Sprintf("not an SQLite database: %v", err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("verifying backup: %w", err)
	}
	defer db.Close()
	if full {
		res.Check, err = db.IntegrityCheck(ctx, 0)
	} else {
		res.Check, err = db.QuickCheck(ctx)
	}
	if err != nil {
		return fmt.Errorf("verifying backup: %w", err)
	}
	if !res.Check.OK {
		res.Messages = append(res.Messages, res.CheckName+" failed:")
		res.Messages = append(res.Messages, res.Check.Messages...)
	}
	st, err := db.Stats(ctx, nil)
	switch {
	case errors.Is(err, sqlitedb.ErrCorrupt):
		res.Messages = append(res.Messages, fmt.Sprintf("cannot read the schema: %v", err))
	case err != nil:
		return fmt.Errorf("verifying backup: %w", err)
	default:
		res.Tables = st.Tables
		res.PageSize, res.PageCount, res.SQLiteVersion = st.PageSize, st.PageCount, st.SQLiteVersion
		res.Messages = append(res.Messages, st.Notes...)
	}
	return nil
}
