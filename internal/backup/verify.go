package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// VerifyResult says whether a backup file is a usable database. A damaged
// or foreign file is a result with OK false and messages, not an error.
type VerifyResult struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Tables counts user tables; zero makes the backup useless.
	Tables   int                  `json:"tables"`
	Check    sqlitedb.CheckResult `json:"quick_check"`
	OK       bool                 `json:"ok"`
	Messages []string             `json:"messages,omitempty"`
	Duration time.Duration        `json:"duration_ns"`
}

// Verify hashes path and runs quick_check and a table count on it, opened
// immutable so that nothing is written: no lock, no -wal or -shm file. A
// backup must be self-contained, so a -wal beside it is reported and its
// content is not read. Errors are for "could not verify": missing or
// unreadable file, cancelled ctx.
func Verify(ctx context.Context, path string) (res VerifyResult, err error) {
	start := time.Now()
	res.Path = path
	defer func() { res.Duration = time.Since(start) }()
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
	if res.SHA256, err = hashFile(ctx, path); err != nil {
		return res, err
	}
	if err := checkDatabase(ctx, path, &res); err != nil {
		return res, err
	}
	res.OK = res.Check.OK && res.Tables > 0
	return res, nil
}

// checkDatabase fills the check and table count, turning "this is not a
// good database" into messages and returning only "could not run" errors.
func checkDatabase(ctx context.Context, path string, res *VerifyResult) error {
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
	if res.Check, err = db.QuickCheck(ctx); err != nil {
		return fmt.Errorf("verifying backup: %w", err)
	}
	if !res.Check.OK {
		res.Messages = append(res.Messages, "quick_check failed:")
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
		res.Messages = append(res.Messages, st.Notes...)
	}
	return nil
}

// hashFile streams path through sha256, checking ctx between chunks so a
// multi-GB backup can be cancelled.
func hashFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing backup %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 1<<20)); err != nil {
		return "", fmt.Errorf("hashing backup %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
