package authlog

import (
	"strings"
	"time"
)

// header is what precedes a message on a host log line: the syslog or
// journal timestamp, host name and program tag.
type header struct {
	time     time.Time
	hasTime  bool
	hostname string
	daemon   string
	pid      string
	msg      string
	// ok says a timestamp or a program tag was recognised.
	ok bool
}

// sessionKey identifies one sshd connection as fail2ban's mlfid does: the
// same host, program and pid.
func (h header) sessionKey() string {
	if h.daemon == "" && h.pid == "" {
		return ""
	}
	return h.hostname + " " + h.daemon + "[" + h.pid + "]"
}

// parseHeader reads the traditional syslog ("Mon DD HH:MM:SS host tag:"),
// RFC 5424, ISO-timestamped (rsyslog, journalctl -o short-iso) and
// timestamp-less journal ("host tag[pid]:") prefixes. When none fits, msg
// is the whole line and ok is false.
func (p *parser) parseHeader(line string) header {
	h := header{msg: line}
	s := line
	if len(s) > 2 && s[0] == '<' {
		if s5424, ok := p.rfc5424(s, &h); ok {
			return s5424
		}
		if i := strings.IndexByte(s[:min(len(s), 5)], '>'); i > 1 && allDigits(s[1:i]) {
			s = s[i+1:]
		}
	}
	timed := false
	if t, n, ok := p.syslogStamp(s); ok {
		h.time, h.hasTime, timed = t, !t.IsZero(), true
		s = s[n:]
	} else if t, n, ok := isoStamp(s, p.loc); ok {
		h.time, h.hasTime, timed = t, true, true
		s = s[n:]
	}
	if !timed && (len(s) == 0 || s[0] == ' ') {
		return h
	}
	if timed && (len(s) == 0 || s[0] != ' ') {
		return header{msg: line}
	}
	h.hostname, h.daemon, h.pid, h.msg = splitTag(s, timed)
	h.ok = timed || h.daemon != ""
	if !h.ok {
		h.msg = line
	}
	return h
}

// splitTag reads "[hostname ]tag: msg". Without a timestamp in front it
// insists on a program tag, so arbitrary text is not taken for a header.
func splitTag(s string, timed bool) (hostname, daemon, pid, msg string) {
	s = strings.TrimLeft(s, " ")
	tok, rest := cutSpace(s)
	if d, p, ok := parseTag(tok); ok {
		return "", d, p, rest
	}
	tok2, rest2 := cutSpace(rest)
	if d, p, ok := parseTag(tok2); ok {
		return tok, d, p, rest2
	}
	if timed {
		return tok, "", "", rest
	}
	return "", "", "", s
}

// parseTag reads a program tag: "sshd[123]:", "sshd:", "[sshd]:", "[sshd]".
func parseTag(tok string) (daemon, pid string, ok bool) {
	if len(tok) < 2 {
		return "", "", false
	}
	colon := tok[len(tok)-1] == ':'
	if colon {
		tok = tok[:len(tok)-1]
	}
	if tok == "" {
		return "", "", false
	}
	if tok[0] == '[' && tok[len(tok)-1] == ']' {
		return tok[1 : len(tok)-1], "", len(tok) > 2
	}
	if !colon {
		return "", "", false
	}
	if tok[len(tok)-1] == ']' {
		if i := strings.LastIndexByte(tok, '['); i > 0 {
			return tok[:i], tok[i+1 : len(tok)-1], true
		}
	}
	return tok, "", true
}

// rfc5424 reads "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG".
func (p *parser) rfc5424(s string, h *header) (header, bool) {
	i := strings.IndexByte(s[:min(len(s), 5)], '>')
	if i < 2 || !allDigits(s[1:i]) || !strings.HasPrefix(s[i+1:], "1 ") {
		return *h, false
	}
	s = s[i+3:]
	ts, s := cutSpace(s)
	if t, n, ok := isoStamp(ts, p.loc); ok && n == len(ts) {
		h.time, h.hasTime = t, true
	} else if ts != "-" {
		return *h, false
	}
	var procid string
	h.hostname, s = cutSpace(s)
	h.daemon, s = cutSpace(s)
	procid, s = cutSpace(s)
	_, s = cutSpace(s) // MSGID
	if procid != "-" {
		h.pid = procid
	}
	h.msg = skipStructuredData(s)
	h.ok = h.daemon != "" && h.daemon != "-"
	return *h, true
}

// skipStructuredData skips RFC 5424 SD-ELEMENTs ("-" or "[id k="v"]...");
// values are quoted and may hold brackets or escaped quotes.
func skipStructuredData(s string) string {
	if strings.HasPrefix(s, "-") {
		return strings.TrimPrefix(s[1:], " ")
	}
	for len(s) > 0 && s[0] == '[' {
		i, inQuote := 1, false
		for ; i < len(s); i++ {
			c := s[i]
			if inQuote && c == '\\' {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			} else if c == ']' && !inQuote {
				break
			}
		}
		if i >= len(s) {
			return ""
		}
		s = s[i+1:]
	}
	return strings.TrimPrefix(s, " ")
}

func cutSpace(s string) (tok, rest string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], strings.TrimLeft(s[i+1:], " ")
	}
	return s, ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
