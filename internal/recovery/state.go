package recovery

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// stateLock is the state-dir lock, or nothing for a dry run on an
// installation that has no state dir yet.
type stateLock struct{ l *runbook.Lock }

// Release releases the lock, if one was taken.
func (s stateLock) Release() {
	if s.l != nil {
		_ = s.l.Release()
	}
}

// openState takes the state-dir lock and opens the history: read-only for
// a dry run, which must not even create the state dir. The lock is taken
// for dry runs too, so a run in progress is never mistaken for a dead one.
func (k *Kit) openState(ctx context.Context, dryRun bool) (stateLock, *history.Store, error) {
	return OpenState(ctx, k.in.StateDir, dryRun, k.now)
}

// OpenState takes the lock of the state dir and opens the history:
// read-only for a dry run, which must not even create the state dir (then
// the lock and store are zero when the dir does not exist). Release the
// lock and close the store when done.
func OpenState(ctx context.Context, dir string, dryRun bool, now func() time.Time) (stateLock, *history.Store, error) {
	if dryRun {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return stateLock{}, nil, nil
		}
	}
	l, err := runbook.AcquireLock(dir)
	if err != nil {
		return stateLock{}, nil, err
	}
	lock := stateLock{l}
	var store *history.Store
	if dryRun {
		store, err = history.OpenReadOnly(ctx, dir, now)
	} else {
		store, err = history.Open(ctx, dir, now)
	}
	if err != nil {
		lock.Release()
		return stateLock{}, nil, err
	}
	return lock, store, nil
}
