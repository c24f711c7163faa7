package authlog

import "strings"

const srcSSHD = string(SourceSSHD)

// classifySSHD reads one OpenSSH message (the text after the program tag).
// The rules follow fail2ban's sshd filter in its "aggressive" mode: the
// normal failures plus the "ddos" and "extra" ones (scanners that never
// authenticate, negotiation failures, disconnects before authentication).
func classifySSHD(msg string) event {
	body, preauth := sshdBody(msg)
	if len(body) < 10 {
		return event{}
	}
	var ev event
	switch body[0] {
	case 'F':
		ev = sshdF(body)
	case 'A', 'a':
		ev = sshdA(body)
	case 'I', 'i':
		ev = sshdInvalid(body)
	case 'U':
		ev = sshdU(body)
	case 'C', 'D':
		ev = sshdConnection(body, preauth)
	case 'R':
		ev = sshdR(body)
	default:
		ev = sshdOther(body)
	}
	if ev.kind != evNone {
		ev.source = srcSSHD
	}
	return ev
}

// sshdBody strips the prefixes sshd and its hosts put before the message
// ("error: ", "fatal: ", "PAM: ", Solaris "[ID n facility]", a kernel
// timestamp from the journal) and the " [preauth]" suffix.
func sshdBody(msg string) (body string, preauth bool) {
	body = strings.TrimRight(msg, " \t\r\n")
	for {
		switch {
		case strings.HasPrefix(body, "error: "), strings.HasPrefix(body, "fatal: "):
			body = body[7:]
		case strings.HasPrefix(body, "PAM: "):
			body = body[5:]
		case strings.HasPrefix(body, "[ID "):
			i := strings.IndexByte(body, ']')
			if i < 0 {
				return body, false
			}
			body = strings.TrimLeft(body[i+1:], " ")
		case strings.HasPrefix(body, "kernel:"):
			body = skipKernelStamp(body[7:])
		default:
			if strings.HasSuffix(body, " [preauth]") {
				return strings.TrimRight(body[:len(body)-10], " "), true
			}
			return body, false
		}
	}
}

// skipKernelStamp skips "[  970.699396]:" or " [970.699396]".
func skipKernelStamp(s string) string {
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimLeft(strings.TrimPrefix(s, ":"), " ")
}

func fail(reason, host, user string) event {
	return event{kind: evFail, reason: reason, host: host, user: user}
}

func helper(host, user string) event {
	return event{kind: evHelper, host: host, user: user}
}

// sshdF: "Failed <method> for [invalid user ]U from H ...".
func sshdF(body string) event {
	if !strings.HasPrefix(body, "Failed ") {
		return event{}
	}
	method, rest := cutSpace(body[7:])
	if !strings.HasPrefix(rest, "for ") || method == "" {
		return event{}
	}
	rest = rest[4:]
	invalid := strings.HasPrefix(rest, "invalid user ")
	host, user, ok := failedTarget(rest, invalid)
	if !ok {
		return event{}
	}
	// A valid user offering several keys logs a failure per key before
	// the one that works: only the connection's outcome counts.
	if method == "publickey" && !invalid {
		return helper(host, user)
	}
	return fail("failed-"+strings.ToLower(strings.SplitN(method, "/", 2)[0]), host, user)
}

// failedTarget finds the user and address in "[invalid user ]U from H
// [port N] [sshN][: info]". The user name (for invalid users) and the info
// after ": " are client input and may contain " from ": a single-word user
// followed by the address and ": " is taken first; otherwise the address is
// the last " from " whose user part holds no ':' (sshd's own text never
// does).
func failedTarget(rest string, invalid bool) (host, user string, ok bool) {
	u := rest
	if invalid {
		u = rest[len("invalid user "):]
	}
	if tok, after := cutSpace(u); strings.HasPrefix(after, "from ") {
		if h, tail, ok := parseHost(after[5:]); ok {
			tail = skipSSHVersion(skipPortOn(tail))
			if strings.HasPrefix(tail, ": ") {
				return h, tok, true
			}
		}
	}
	i := strings.LastIndex(u, " from ")
	if i < 0 || strings.IndexByte(u[:i], ':') >= 0 {
		return "", "", false
	}
	h, _, ok := parseHost(u[i+6:])
	return h, u[:i], ok
}

func skipSSHVersion(s string) string {
	if strings.HasPrefix(s, " ssh") {
		j := 4
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return s[j:]
	}
	return s
}

// sshdA: PAM's "Authentication failure for U from H [via X]" and
// "Accepted <method> for U from H".
func sshdA(body string) event {
	if strings.HasPrefix(body, "Accepted ") {
		_, rest := cutSpace(body[9:])
		if !strings.HasPrefix(rest, "for ") {
			return event{}
		}
		user, after, found := strings.Cut(rest[4:], " from ")
		if !found {
			return event{}
		}
		h, _, ok := parseHost(after)
		if !ok {
			return event{}
		}
		// A success ends the connection; it is a failure only when the
		// connection tried other user names first.
		ev := helper(h, user)
		ev.forget = true
		return ev
	}
	lower := strings.ToLower(body[:min(len(body), 30)])
	for _, p := range []string{"authentication failure for ", "authentication error for ", "authentication failed for "} {
		if strings.HasPrefix(lower, p) {
			return fromVia(body[len(p):], "pam-auth-failure")
		}
	}
	return event{}
}

// fromVia reads "U from H[ via X]".
func fromVia(s, reason string) event {
	if i := strings.LastIndex(s, " via "); i >= 0 && !strings.Contains(s[i+5:], " ") {
		s = s[:i]
	}
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return event{}
	}
	h, rest, ok := parseHost(s[i+6:])
	if !ok || strings.TrimSpace(rest) != "" {
		return event{}
	}
	return fail(reason, h, s[:i])
}

// sshdInvalid: "Invalid user U from H [port N]" ("Illegal" in old sshd).
func sshdInvalid(body string) event {
	var rest string
	switch {
	case strings.HasPrefix(body, "Invalid user "), strings.HasPrefix(body, "invalid user "):
		rest = body[13:]
	case strings.HasPrefix(body, "Illegal user "), strings.HasPrefix(body, "illegal user "):
		rest = body[13:]
	default:
		return event{}
	}
	i := strings.LastIndex(" "+rest, " from ")
	if i < 0 {
		return event{}
	}
	h, tail, ok := parseHost(rest[i+5:])
	if !ok || strings.TrimSpace(skipPortOn(tail)) != "" {
		return event{}
	}
	return fail("invalid-user", h, strings.TrimSuffix(rest[:max(i-1, 0)], " "))
}
