package fault

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// The fault points, by the step they are in. Names are
// "<phase>/<step>/<moment>"; Points lists them all.
const (
	AfterStop       = "database/optimize/after-stop"
	AfterVacuum     = "database/optimize/after-vacuum"
	AfterPointB     = "database/optimize/after-point-b"
	AfterSwap       = "database/optimize/after-swap"
	BeforeStart     = "database/optimize/before-start"
	RestoreStopped  = "restore/after-stop"
	RestoreReplaced = "restore/after-replace"
	BackupTemp      = "backup/temp-written"
	SetAside        = "backup/set-aside"
)

// Points are every fault point, for the crash campaign and the help text.
var Points = []string{AfterStop, AfterVacuum, AfterPointB, AfterSwap, BeforeStart,
	RestoreStopped, RestoreReplaced, BackupTemp, SetAside}

// ErrInjected is wrapped by the error an armed point returns.
var ErrInjected = errors.New("injected fault")

var (
	armed atomic.Bool
	mu    sync.Mutex
	hooks = map[string]func(name string) error{}
	hits  = map[string]int{}
)

// Hit is a fault point. Unarmed (always, in production) it costs one
// atomic load and returns nil. Armed, it runs the hook, which may return
// an error for the caller to fail with, cancel a context, or end the
// process.
func Hit(name string) error {
	if !armed.Load() {
		return nil
	}
	mu.Lock()
	hits[name]++
	h := hooks[name]
	mu.Unlock()
	if h == nil {
		return nil
	}
	return h(name)
}

// Arm makes point name run hook when hit, and returns the function that
// disarms it. For tests; a hook may be Fail.
func Arm(name string, hook func(name string) error) (disarm func()) {
	mu.Lock()
	defer mu.Unlock()
	hooks[name] = hook
	armed.Store(true)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(hooks, name)
		armed.Store(len(hooks) > 0)
	}
}

// Fail is a hook that makes the point return an error.
func Fail(name string) error { return fmt.Errorf("%w at %s", ErrInjected, name) }

// Hits returns how often each point was reached while any was armed,
// so a test can tell that its point is on the path it exercises.
func Hits() map[string]int {
	mu.Lock()
	defer mu.Unlock()
	out := make(map[string]int, len(hits))
	for k, v := range hits {
		out[k] = v
	}
	return out
}
