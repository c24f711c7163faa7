package authlog

import (
	"strings"
	"time"
)

const srcApache = string(SourceApache)

// apache reads an Apache error-log line: "[date] [module:level] [pid N]
// [client H:port] AHnnnnn: message", alone or after a syslog prefix. The
// failures are those of fail2ban's apache-auth filter: the modules under
// aaa/ refusing a client (unknown user, password mismatch, authorization
// failure, access denied by configuration, digest protocol abuse).
func (p *parser) apache(s string, h header) (header, event, bool) {
	var client, module string
	rest := s
	for len(rest) > 0 && rest[0] == '[' {
		end := groupEnd(rest)
		if end < 0 {
			return h, event{}, false
		}
		g := rest[1:end]
		rest = strings.TrimLeft(rest[end+1:], " ")
		switch {
		case strings.HasPrefix(g, "client "):
			if client == "" {
				client = g[7:]
			}
		case strings.HasPrefix(g, "pid "), strings.HasPrefix(g, "remote "):
		case module == "" && isApacheLevel(g):
			module = g
		case !h.hasTime:
			if t, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", g, p.loc); err == nil {
				h.time, h.hasTime = t, true
			}
		}
	}
	if client == "" || module == "" {
		return h, event{}, false
	}
	host, _, ok := parseHost(client)
	if !ok {
		return h, event{}, true
	}
	reason, user := apacheReason(stripAH(rest), module)
	if reason == "" {
		return h, event{}, true
	}
	return h, event{kind: evFail, host: host, user: user, reason: reason, source: srcApache}, true
}

// groupEnd finds the ']' closing the group that starts s, allowing the
// nested brackets of "[client [2001:db8::1]:443]".
func groupEnd(s string) int {
	depth := 0
	for i := 0; i < len(s) && i < 512; i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// isApacheLevel: "error", "crit", "auth_basic:error", ":error".
func isApacheLevel(g string) bool {
	lvl := g
	if i := strings.LastIndexByte(g, ':'); i >= 0 {
		lvl = g[i+1:]
	}
	switch lvl {
	case "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug":
		return !strings.ContainsAny(g, " []")
	}
	return strings.HasPrefix(lvl, "trace") && !strings.ContainsAny(g, " []")
}

func stripAH(s string) string {
	if strings.HasPrefix(s, "AH") {
		if _, n := leadingInt(s[2:], 6); n > 0 && strings.HasPrefix(s[2+n:], ": ") {
			return s[n+4:]
		}
	}
	return s
}

// apacheReason classifies the message; user names are client input and
// may hold spaces, so each rule reads up to its own fixed text.
func apacheReason(m, module string) (reason, user string) {
	switch {
	case strings.HasPrefix(m, "client denied by server configuration"):
		// mod_evasive logs its own (rate) denials this way: not an auth failure.
		if strings.HasPrefix(module, "evasive") {
			return "", ""
		}
		return "client-denied", ""
	case strings.HasPrefix(m, "client used wrong authentication scheme"):
		return "wrong-auth-scheme", ""
	case strings.HasPrefix(m, "Authorization of user "):
		u, rest, found := strings.Cut(m[22:], " to access ")
		if found && strings.Contains(rest, " failed") {
			return "authorization-failure", u
		}
		return "", ""
	case strings.HasPrefix(m, "invalid qop `"):
		return "digest-invalid-qop", ""
	case strings.HasPrefix(m, "Hostname "), strings.HasPrefix(m, "No hostname "):
		if strings.Contains(m, " provided via SNI") {
			return "sni-mismatch", ""
		}
		return "", ""
	}
	return apacheAuthType(skipAuthType(m))
}

// skipAuthType drops a "Digest: " or "Basic: " module prefix.
func skipAuthType(m string) string {
	i := strings.Index(m, ": ")
	if i > 0 && i < 16 && m[0] >= 'A' && m[0] <= 'Z' && isModName(m[1:i]) {
		return m[i+2:]
	}
	return m
}

func apacheAuthType(m string) (reason, user string) {
	switch {
	case strings.HasPrefix(m, "user `"):
		u, rest, found := strings.Cut(m[6:], "' in realm `")
		if found && containsAny(rest, "' authentication failure", "' authorization failure", "' not found", "' denied by provider") {
			return "user-not-found", u
		}
	case strings.HasPrefix(m, "user "):
		return apacheUser(m[5:])
	case strings.HasPrefix(m, "invalid nonce "):
		if strings.Contains(m, " received - length is not") || strings.Contains(m, " received - user attempted time travel") {
			return "digest-invalid-nonce", ""
		}
	case strings.HasPrefix(m, "realm mismatch - got `"):
		if strings.Contains(m, "' but expected") {
			return "digest-realm-mismatch", ""
		}
	case strings.HasPrefix(m, "unknown algorithm `"):
		if strings.Contains(m, "' received") {
			return "digest-unknown-algorithm", ""
		}
	}
	return "", ""
}

// apacheUser reads "U: password mismatch", "U not found", "U: authentication
// failure for ...", "U: authorization failure ...", "U denied by provider".
func apacheUser(s string) (reason, user string) {
	if i := strings.Index(s, ": password mismatch"); i >= 0 {
		return "password-mismatch", s[:i]
	}
	best, bestReason := -1, ""
	for _, r := range []struct{ text, reason string }{
		{" authentication failure", "auth-failure"},
		{" authorization failure", "authorization-failure"},
		{" not found", "user-not-found"},
		{" denied by provider", "denied-by-provider"},
	} {
		if i := strings.Index(s, r.text); i >= 0 && (best < 0 || i < best) {
			best, bestReason = i, r.reason
		}
	}
	if best < 0 {
		return "", ""
	}
	u := strings.TrimSuffix(s[:best], ":")
	if bestReason == "auth-failure" && strings.Contains(s[best:], "Password Mismatch") {
		bestReason = "password-mismatch"
	}
	return bestReason, u
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
