package recovery

import (
	"context"
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
// a dry run, which must write nothing (see OpenState).
func (k *Kit) openState(ctx context.Context, dryRun bool) (stateLock, *history.Store, error) {
	return OpenState(ctx, k.in.StateDir, dryRun, k.now)
}

// OpenState takes the lock of the state dir and opens the history.
// A dry run writes nothing, not even there: it takes the lock shared,
// without making the dir, the lock file or a pid file (none to take when
// no run ever made the lock file), and reads the history, if there is
// one, read-only (the store is nil without one). The lock is taken for
// dry runs too, so a run in progress is never mistaken for a dead one.
// Release the lock and close the store when done.
func OpenState(ctx context.Context, dir string, dryRun bool, now func() time.Time) (stateLock, *history.Store, error) {
	var l *runbook.Lock
	var err error
	if dryRun {
		l, err = runbook.AcquireSharedLock(dir)
	} else {
		l, err = runbook.AcquireLock(dir)
	}
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
