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

// blocked says whether ip has used up its failures, and how long until
// it may try again.
func (l *limiter) blocked(ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(ip, now)
	if len(f) < l.max {
		return 0, false
	}
	return f[len(f)-l.max].Add(l.window).Sub(now), true
}

// fail counts a failure of ip.
func (l *limiter) fail(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(ip, now)
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
