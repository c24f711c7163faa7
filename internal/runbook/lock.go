package runbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Lock is the one-run-at-a-time lock of a state directory.
type Lock struct {
	fl      *flock.Flock
	pidPath string
}

// ErrLocked is returned when another run holds the lock.
type ErrLocked struct {
	Path string
	PID  int
}

func (e *ErrLocked) Error() string {
	who := "another fossamaint run"
	if e.PID > 0 {
		who = fmt.Sprintf("another fossamaint run (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s holds the lock %s: wait for it to finish, or check that process", who, e.Path)
}

// AcquireLock takes the flock on <dir>/fossamaint.lock without waiting and
// records our pid beside it so a refused second run can name the holder.
// The kernel drops a flock when its holder dies, so a stale lock cannot
// outlive a crash.
func AcquireLock(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating state dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "fossamaint.lock")
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	pidPath := path + ".pid"
	if !ok {
		pid, _ := readPID(pidPath)
		return nil, &ErrLocked{Path: path, PID: pid}
	}
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("writing %s: %w", pidPath, err)
	}
	return &Lock{fl: fl, pidPath: pidPath}, nil
}

// AcquireSharedLock takes a shared flock on an existing
// <dir>/fossamaint.lock for a dry run, which writes nothing: the file is
// opened read-only, and neither the dir, the lock file nor the pid file is
// made. It excludes AcquireLock's runs both ways; dry runs may share it.
// It returns nil and no error when there is no lock file: no run ever
// took the lock there, so none is in progress.
func AcquireSharedLock(dir string) (*Lock, error) {
	path := filepath.Join(dir, "fossamaint.lock")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	fl := flock.New(path, flock.SetFlag(os.O_RDONLY))
	ok, err := fl.TryRLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		pid, _ := readPID(path + ".pid")
		return nil, &ErrLocked{Path: path, PID: pid}
	}
	return &Lock{fl: fl}, nil
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l.pidPath != "" {
		_ = os.Remove(l.pidPath)
	}
	return l.fl.Unlock()
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
