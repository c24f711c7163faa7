package web

import (
	"sync"
	"time"
)

// The login rate limit: loginFailures failed logins (or wrong bearer
// tokens) from one address within loginWindow, and that address gets 429
// until the oldest of them is loginWindow old. maxLimited bounds the
// addresses remembered.
const (
	loginFailures = 5
	loginWindow   = 5 * time.Minute
	maxLimited    = 10000
)

// limiter counts failures per client address over a sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	cap    int
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration, capacity int) *limiter {
	return &limiter{max: max, window: window, cap: capacity, fails: map[string][]time.Time{}}
}

// recent drops ip's failures older than the window; the caller holds mu.
func (l *limiter) recent(ip string, now time.Time) []time.Time {
	f := l.fails[ip]
	i := 0
	for i < len(f) && !now.Before(f[i].Add(l.window)) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, ip)
	} else {
		l.fails[ip] = f
	}
	return f
}

// attempt says whether ip has used up its failures, and how long until
// it may try again; when it may, it counts the attempt as a failure
// before its secret is checked, in one step under the lock:
// parallel attempts cannot all pass the check before any failure is
// counted (each bcrypt check costs tens of milliseconds). A right secret
// then takes it back (forgive) or clears ip (reset).
func (l *limiter) attempt(ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(ip, now)
	if len(f) >= l.max {
		return f[len(f)-l.max].Add(l.window).Sub(now), true
	}
	l.add(ip, f, now)
	return 0, false
}

// forgive takes back one attempt of ip made at t (its secret was right).
func (l *limiter) forgive(ip string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[ip]
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].Equal(t) {
			f = append(f[:i:i], f[i+1:]...)
			break
		}
	}
	if len(f) == 0 {
		delete(l.fails, ip)
	} else {
		l.fails[ip] = f
	}
}

// add appends a failure at now to ip's recent ones f; the caller holds mu.
func (l *limiter) add(ip string, f []time.Time, now time.Time) {
	if len(f) == 0 && len(l.fails) >= l.cap {
		l.evict(now)
	}
	if len(f) >= l.max { // keep the last max: enough to decide
		f = f[1:]
	}
	l.fails[ip] = append(f, now)
}

// evict makes room for a new address: the addresses whose failures are
// all old, or else the one whose last failure is the oldest.
func (l *limiter) evict(now time.Time) {
	var oldest string
	for ip := range l.fails {
		f := l.recent(ip, now)
		if len(f) > 0 && (oldest == "" || f[len(f)-1].Before(l.fails[oldest][len(l.fails[oldest])-1])) {
			oldest = ip
		}
	}
	if len(l.fails) >= l.cap {
		delete(l.fails, oldest)
	}
}

// reset forgets ip's failures (it signed in).
func (l *limiter) reset(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, ip)
}
