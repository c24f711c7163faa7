package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// RecoverSets finishes the daily-set replacements a crash interrupted in
// dailyDir. installSet moves the earlier set into a temporary directory
// before renaming the new one into place; a process killed between the two
// renames leaves the date missing and the only copy of the earlier set in
// that temporary directory. RecoverSets puts such a set back under its
// date. A set whose date is present again was replaced: its temporary
// directory is left for the sweep. Call it under the state-dir lock and
// before sweeping temporaries; it returns what it put back.
func RecoverSets(ctx context.Context, dailyDir string, dryRun bool) ([]string, error) {
	entries, err := os.ReadDir(dailyDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking for interrupted backup sets in %s: %w", dailyDir, err)
	}
	var restored []string
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return restored, err
		}
		if !e.IsDir() || !isSetAside(e.Name()) {
			continue
		}
		aside := filepath.Join(dailyDir, e.Name())
		inner, err := os.ReadDir(aside)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading %s: %w", aside, err))
			continue
		}
		for _, in := range inner {
			final := filepath.Join(dailyDir, in.Name())
			if _, err := os.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if !dryRun {
				if err := os.Rename(filepath.Join(aside, in.Name()), final); err != nil {
					errs = append(errs, fmt.Errorf("putting back the backup set %s: %w", final, err))
					continue
				}
				if err := durable.SyncDir(dailyDir); err != nil {
					errs = append(errs, err)
				}
			}
			restored = append(restored, final)
		}
	}
	return restored, errors.Join(errs...)
}

// isSetAside recognises the directory a set waits in while it is being
// replaced, whose owner is gone: ours, or an older release's.
func isSetAside(name string) bool {
	if strings.HasPrefix(name, oldSetPrefix) {
		return true
	}
	pid, purpose, ok := durable.Owner(name)
	return ok && strings.HasPrefix(purpose, oldSetPurpose) && pid != os.Getpid() && !durable.ProcessAlive(pid)
}

// LegacyTemp recognises the temporary names releases before the durable
// naming left in backup directories: a daily set being built, a set being
// replaced, a weekly or pre-maintenance file being written
// (<name>.db.tmp) and a manifest being written (.<name>.tmp-<digits>).
func LegacyTemp(name string) bool {
	switch {
	case strings.HasPrefix(name, ".fossamaint-new-"), strings.HasPrefix(name, oldSetPrefix):
		return true
	case isDatabaseName(strings.TrimSuffix(name, ".tmp")) && strings.HasSuffix(name, ".tmp"):
		return true
	}
	if rest, ok := strings.CutPrefix(name, "."); ok {
		if i := strings.LastIndex(rest, ".tmp-"); i > 0 && allDigits(rest[i+len(".tmp-"):]) {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
