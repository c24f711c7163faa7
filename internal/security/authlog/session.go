package authlog

import (
	"strings"
	"time"
)

// Connection context, as fail2ban keeps it per "mlfid" (host, program and
// pid of the sshd process serving one connection).
const (
	// DefaultMaxSessions bounds the connection table.
	DefaultMaxSessions = 16384
	// sessionTTL forgets a connection not heard of for this long, so a
	// reused pid does not inherit an old connection's state.
	sessionTTL = 10 * time.Minute
)

type session struct {
	host     string
	user     string // the first user name tried
	multi    bool   // more than one user name was tried
	pending  bool   // a failure is waiting for the connection's address
	pReason  string
	pUser    string
	last     time.Time
	seq      uint64
	lastLine bool // last has a time
}

// sessionTable is a bounded map; the oldest connections are evicted first.
type sessionTable struct {
	max   int
	seq   uint64
	m     map[string]*session
	order []sessionRef // insertion order; stale refs are skipped on eviction
	head  int
}

type sessionRef struct {
	key string
	seq uint64
}

func newSessionTable(max int) *sessionTable {
	return &sessionTable{max: max, m: make(map[string]*session)}
}

// get returns the live connection for key, or nil.
func (t *sessionTable) get(key string, now time.Time, hasTime bool) *session {
	s := t.m[key]
	if s == nil {
		return nil
	}
	if hasTime && s.lastLine {
		if d := now.Sub(s.last); d > sessionTTL || d < -sessionTTL {
			delete(t.m, key)
			return nil
		}
	}
	return s
}

func (t *sessionTable) put(key string) *session {
	t.seq++
	s := &session{seq: t.seq}
	t.m[key] = s
	t.order = append(t.order, sessionRef{key, t.seq})
	for len(t.m) > t.max && t.head < len(t.order) {
		ref := t.order[t.head]
		t.order[t.head] = sessionRef{}
		t.head++
		if cur := t.m[ref.key]; cur != nil && cur.seq == ref.seq {
			delete(t.m, ref.key)
		}
	}
	if t.head > len(t.order)/2 && t.head > 1024 {
		t.order = append(t.order[:0:0], t.order[t.head:]...)
		t.head = 0
	}
	return s
}

func (t *sessionTable) drop(key string) { delete(t.m, key) }

// applySession turns an sshd event into a failure or not, given what the
// connection logged before. It reports whether the line is a failure and
// fills in the address (and user) the line itself lacks.
func (p *parser) applySession(h header, ev *event) bool {
	key := h.sessionKey()
	if p.sessions == nil || key == "" {
		return ev.kind == evFail && ev.host != ""
	}
	s := p.sessions.get(key, h.time, h.hasTime)
	if s == nil {
		if ev.forget {
			return ev.kind == evFail && ev.host != ""
		}
		s = p.sessions.put(key)
	}
	s.last, s.lastLine = h.time, h.hasTime
	s.addUser(ev.user)
	failed := ev.kind == evFail
	if s.pending || s.multi {
		// Several user names tried on one connection, or an earlier failure
		// still waiting for its address: helper lines count too.
		failed = true
		if ev.kind != evFail && s.pending {
			ev.reason, ev.user = s.pReason, firstNonEmpty(ev.user, s.pUser)
		} else if ev.kind != evFail {
			ev.reason = "multiple-users"
		}
	}
	// Lines alias Scan's read buffer: the table keeps copies.
	if ev.host == "" {
		ev.host = s.host
	} else if ev.host != s.host {
		s.host = strings.Clone(ev.host)
	}
	if ev.user == "" {
		ev.user = s.user
	}
	switch {
	case failed && ev.host == "":
		s.pending, s.pReason, s.pUser = true, ev.reason, strings.Clone(ev.user)
		failed = false
	case failed:
		s.pending = false
	}
	if ev.forget {
		p.sessions.drop(key)
	}
	return failed
}

func (s *session) addUser(u string) {
	if u == "" {
		return
	}
	if s.user == "" {
		s.user = strings.Clone(u)
	} else if s.user != u {
		s.multi = true
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
