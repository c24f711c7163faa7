package authlog

import (
	"strings"
	"time"
)

const srcNginx = string(SourceNginx)

// nginx reads an nginx error-log line: "YYYY/MM/DD HH:MM:SS [level]
// PID#TID: *CID message, client: H, server: ...", alone or after a syslog
// or journal prefix. Failures are auth_basic's unknown user and password
// mismatch, auth_pam's refusals, an invalid token, and (as fail2ban's
// nginx-http-auth in its aggressive mode) TLS handshakes broken by
// scanners.
func (p *parser) nginx(s string, h header) (header, event, bool) {
	i := nginxStampAt(s)
	if i < 0 {
		return h, event{}, false
	}
	t, err := time.ParseInLocation("2006/01/02 15:04:05", s[i:i+19], p.loc)
	if err != nil {
		return h, event{}, false
	}
	rest := s[i+19:]
	level, rest, ok := nginxLevel(rest)
	if !ok {
		return h, event{}, false
	}
	h.time, h.hasTime = t, true
	ev := nginxMessage(level, skipConnID(rest))
	if ev.kind != evNone {
		ev.source = srcNginx
	}
	return h, ev, true
}

// nginxStampAt finds "YYYY/MM/DD HH:MM:SS [" near the start of s (after a
// journal prefix such as "host nginx: "). It looks only where a '/' is,
// so ordinary syslog lines cost one byte search.
func nginxStampAt(s string) int {
	limit := min(len(s), 160)
	for off := 0; off < limit; {
		j := strings.IndexByte(s[off:limit], '/')
		if j < 0 {
			return -1
		}
		i := off + j - 4
		off += j + 1
		if i < 0 || i+21 > len(s) || (i > 0 && s[i-1] != ' ') {
			continue
		}
		if s[i+7] == '/' && s[i+10] == ' ' && s[i+13] == ':' && s[i+16] == ':' &&
			s[i+19] == ' ' && s[i+20] == '[' && allDigits(s[i:i+4]) {
			return i
		}
	}
	return -1
}

// nginxLevel reads " [level] PID#TID: ".
func nginxLevel(s string) (level, rest string, ok bool) {
	if !strings.HasPrefix(s, " [") {
		return "", "", false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || end > 12 {
		return "", "", false
	}
	level = s[2:end]
	rest = strings.TrimPrefix(s[end+1:], " ")
	pid, after, found := strings.Cut(rest, ": ")
	if !found || !strings.Contains(pid, "#") {
		return "", "", false
	}
	return level, after, true
}

func skipConnID(s string) string {
	if strings.HasPrefix(s, "*") {
		if _, n := leadingInt(s[1:], 20); n > 0 && len(s) > n+1 && s[n+1] == ' ' {
			return s[n+2:]
		}
	}
	return s
}

// nginxMessage classifies the text after the connection id. The client is
// the last ", client: " on the line: user names and request lines come
// before it and may contain that text.
func nginxMessage(level, m string) event {
	reason, user := "", ""
	switch {
	case strings.HasPrefix(m, `user "`):
		reason, user = basicAuthReason(m[6:])
	case strings.HasPrefix(m, "PAM: user '"):
		u, rest, found := strings.Cut(m[11:], "' - ")
		if found && strings.HasPrefix(rest, "not authenticated") {
			reason, user = "pam-not-authenticated", u
		}
	case strings.HasPrefix(m, "client used invalid token"):
		reason = "invalid-token"
	case level == "crit" && isTLSProbe(m):
		reason = "tls-handshake"
	}
	if reason == "" {
		return event{}
	}
	i := strings.LastIndex(m, ", client: ")
	if i < 0 {
		return event{}
	}
	h, _, ok := parseHost(m[i+10:])
	return failIf(ok, reason, h, user)
}

// basicAuthReason reads `U": password mismatch`, `U" was not found in
// "F"` and the older `U": was not found in`, `U" not found`.
func basicAuthReason(s string) (reason, user string) {
	q := strings.IndexByte(s, '"')
	if q < 0 {
		return "", ""
	}
	user, rest := s[:q], strings.TrimPrefix(s[q+1:], ":")
	switch {
	case strings.HasPrefix(rest, " password mismatch"):
		return "password-mismatch", user
	case strings.HasPrefix(rest, " was not found in "), strings.HasPrefix(rest, " not found"):
		return "user-not-found", user
	}
	return "", ""
}

// isTLSProbe: an SSL handshake or read that failed on garbage (a plain
// HTTP or SSH client on the TLS port, broken records): scanners, not
// browsers. Certificate alerts are left out: they come from real clients
// that distrust the server's certificate.
func isTLSProbe(m string) bool {
	if !strings.HasPrefix(m, "SSL_do_handshake() failed (SSL:") && !strings.HasPrefix(m, "SSL_read() failed (SSL:") {
		return false
	}
	end := strings.Index(m, ") while ")
	if end < 0 {
		return false
	}
	detail := strings.ToLower(m[:end])
	for _, benign := range []string{"certificate", "unknown ca", "alert number 42", "alert number 46", "alert number 48"} {
		if strings.Contains(detail, benign) {
			return false
		}
	}
	return true
}
