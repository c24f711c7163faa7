package authlog

import (
	"fmt"
	"strings"
	"time"
)

// Source names a log family. The zero value and SourceAuto detect it per line.
type Source string

// The sources this package reads.
const (
	SourceAuto   Source = "auto"
	SourceSSHD   Source = "sshd"
	SourceNginx  Source = "nginx"
	SourceApache Source = "apache"
	SourcePAM    Source = "pam"
)

// Sources lists the values ParseSource accepts, for help texts.
var Sources = []Source{SourceAuto, SourceSSHD, SourceNginx, SourceApache, SourcePAM}

// ParseSource reads a --source value ("" means auto).
func ParseSource(s string) (Source, error) {
	if s == "" {
		return SourceAuto, nil
	}
	for _, v := range Sources {
		if strings.EqualFold(s, string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown log source %q (want one of auto, sshd, nginx, apache, pam)", s)
}

// Failure is one failed authentication (or, as fail2ban counts them, a
// pre-authentication abuse of the service) found on one line.
type Failure struct {
	// Line is the 1-based physical line number within its input.
	Line int
	// Host is the client's address (IPv6 canonical, v4-mapped unmapped) or
	// the name the log gave for it.
	Host string
	// User is the user name tried, "" when the line names none.
	User string
	// Time is when the line was logged; meaningful only when HasTime.
	Time    time.Time
	HasTime bool
	// Source is "sshd", "nginx", "apache" or "pam".
	Source string
	// Reason is a short kebab-case kind, e.g. "failed-password".
	Reason string
}

// maxUserBytes bounds a user name kept from a line: names are attacker input.
const maxUserBytes = 128

// ParseLine judges one line on its own. Without the connection context
// that Scan keeps, sshd lines that only count in context (an address-less
// "Too many authentication failures", a PAM failure later excused by a
// success) are not failures here. ref anchors year-less dates (the year is
// ref's, or the one before when the month is after ref's month); loc is
// where dates without a zone are read (time.Local when nil).
func ParseLine(line string, ref time.Time, loc *time.Location, source Source) (Failure, bool) {
	p := newParser(ref, loc, source, 0)
	return p.parse(1, line)
}

// event is what one line says, before the connection context is applied.
type event struct {
	kind   eventKind
	host   string
	user   string
	reason string
	source string
	// forget ends the connection's context (a disconnect or a success).
	forget bool
}

type eventKind uint8

const (
	evNone   eventKind = iota
	evHelper           // not a failure on its own; carries an address or a user
	evFail
)

// parser turns lines into failures; with a session table it applies
// sshd's per-connection rules.
type parser struct {
	ref      time.Time
	refYear  int
	refMonth time.Month
	loc      *time.Location
	source   Source
	sessions *sessionTable
}

func newParser(ref time.Time, loc *time.Location, source Source, maxSessions int) *parser {
	if loc == nil {
		loc = time.Local
	}
	if source == "" {
		source = SourceAuto
	}
	p := &parser{ref: ref, loc: loc, source: source}
	if !ref.IsZero() {
		r := ref.In(loc)
		p.refYear, p.refMonth = r.Year(), r.Month()
	}
	if maxSessions > 0 {
		p.sessions = newSessionTable(maxSessions)
	}
	return p
}

// parse classifies one line and applies the connection context.
func (p *parser) parse(n int, line string) (Failure, bool) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) < 8 {
		return Failure{}, false
	}
	h, ev := p.classify(line)
	if ev.kind == evNone {
		return Failure{}, false
	}
	if ev.source == string(SourceSSHD) {
		if ok := p.applySession(h, &ev); !ok {
			return Failure{}, false
		}
	} else if ev.kind != evFail || ev.host == "" {
		return Failure{}, false
	}
	// Scan hands lines that alias its read buffer: keep copies only.
	return Failure{
		Line: n, Host: strings.Clone(ev.host), User: strings.Clone(cleanUser(ev.user)),
		Time: h.time, HasTime: h.hasTime,
		Source: ev.source, Reason: ev.reason,
	}, true
}

// classify finds the line's source and what it says.
func (p *parser) classify(line string) (header, event) {
	src := p.source
	if line[0] == '[' && (src == SourceAuto || src == SourceApache) {
		if h, ev, ok := p.apache(line, header{msg: line}); ok {
			return h, ev
		}
	}
	if isDigit(line[0]) && (src == SourceAuto || src == SourceNginx) {
		if h, ev, ok := p.nginx(line, header{msg: line}); ok {
			return h, ev
		}
	}
	h := p.parseHeader(line)
	switch src {
	case SourceApache:
		h2, ev, _ := p.apacheMsg(h)
		return h2, ev
	case SourceNginx:
		h2, ev, _ := p.nginx(h.msg, h)
		return h2, ev
	case SourceSSHD:
		return h, classifySSHD(h.msg)
	case SourcePAM:
		return h, classifyPAM(h.msg)
	}
	if !h.ok {
		return h, event{}
	}
	return p.classifyAuto(h)
}

func (p *parser) classifyAuto(h header) (header, event) {
	if len(h.msg) > 0 && h.msg[0] == '[' {
		if h2, ev, ok := p.apacheMsg(h); ok {
			return h2, ev
		}
	}
	if h2, ev, ok := p.nginx(h.msg, h); ok {
		return h2, ev
	}
	if isSSHDaemon(h.daemon) {
		if ev := classifySSHD(h.msg); ev.kind != evNone {
			return h, ev
		}
	}
	return h, classifyPAM(h.msg)
}

// apacheMsg reads an Apache error line logged through syslog.
func (p *parser) apacheMsg(h header) (header, event, bool) {
	if h.msg == "" || h.msg[0] != '[' {
		return h, event{}, false
	}
	return p.apache(h.msg, h)
}

// isSSHDaemon matches the program names OpenSSH logs under (sshd-session and
// sshd-auth since OpenSSH 9.8/10).
func isSSHDaemon(d string) bool {
	return d == "sshd" || d == "sshd-session" || d == "sshd-auth"
}

// cleanUser keeps a printable, bounded copy of a user name: names are
// attacker input and end up in terminals and reports.
func cleanUser(u string) string {
	if len(u) > maxUserBytes {
		u = u[:maxUserBytes]
	}
	u = strings.ToValidUTF8(u, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, u)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
