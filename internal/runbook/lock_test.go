package runbook

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSharedLockWritesNothing: a dry run's lock makes no dir, lock file
// or pid file, and excludes real runs both ways while dry runs share it.
func TestSharedLockWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	l, err := AcquireSharedLock(dir)
	if l != nil || err != nil {
		t.Fatalf("no lock file: got %v, %v; want nothing to lock", l, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the state dir was made: %v", err)
	}

	held, err := AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	var locked *ErrLocked
	if _, err := AcquireSharedLock(dir); !errors.As(err, &locked) || locked.PID != os.Getpid() {
		t.Fatalf("a dry run beside a real run: %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}

	before, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dir)
	dry, err := AcquireSharedLock(dir)
	if err != nil || dry == nil {
		t.Fatalf("shared lock: %v, %v", dry, err)
	}
	dry2, err := AcquireSharedLock(dir)
	if err != nil || dry2 == nil {
		t.Fatalf("a second dry run: %v, %v; dry runs share the lock", dry2, err)
	}
	if _, err := AcquireLock(dir); !errors.As(err, &locked) {
		t.Fatalf("a real run beside a dry run: %v, want ErrLocked", err)
	}
	_ = dry.Release()
	_ = dry2.Release()
	after, _ := os.ReadDir(dir)
	st2, _ := os.Stat(dir)
	if len(after) != len(before) || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the shared lock changed the state dir: %d entries -> %d, mtime %v -> %v", len(before), len(after), st.ModTime(), st2.ModTime())
	}
}
