package authlog

import "strings"

// sshdU: "User U from H not allowed because ...", "User U not allowed
// because ..." (no address: attributed through the connection) and PAM's
// "User not known to the underlying authentication module for U from H".
func sshdU(body string) event {
	if strings.HasPrefix(body, "Unable ") {
		return negotiation(body)
	}
	if rest, ok := strings.CutPrefix(body, "User not known to the underlying authentication module for "); ok {
		return fromVia(strings.TrimPrefix(rest, "illegal user "), "unknown-user")
	}
	rest, ok := strings.CutPrefix(body, "User ")
	if !ok {
		return event{}
	}
	i := strings.LastIndex(rest, " not allowed because ")
	if i < 0 {
		return event{}
	}
	who := rest[:i]
	if j := strings.LastIndex(who, " from "); j >= 0 {
		if h, tail, ok := parseHost(who[j+6:]); ok && tail == "" {
			return fail("user-not-allowed", h, who[:j])
		}
	}
	return fail("user-not-allowed", "", who)
}

// sshdConnection: the close/reset/disconnect family and "Connection from".
// A close before authentication ([preauth]) counts as a failure, as in
// fail2ban's ddos mode; a close after login only ends the connection, or
// releases a failure that was waiting for the connection's address.
func sshdConnection(body string, preauth bool) event {
	switch {
	case strings.HasPrefix(body, "Did not receive identification string from "):
		h, _, ok := parseHost(body[len("Did not receive identification string from "):])
		return failIf(ok, "no-identification", h, "")
	case strings.HasPrefix(body, "Connection from "):
		h, _, ok := parseHost(body[len("Connection from "):])
		return helperIf(ok, h, "")
	case strings.HasPrefix(body, "Disconnecting: Too many authentication failures"):
		user := strings.TrimPrefix(body[len("Disconnecting: Too many authentication failures"):], " for ")
		return fail("too-many-auth-failures", "", user)
	case strings.HasPrefix(body, "Disconnecting "):
		return sshdDisconnecting(body[len("Disconnecting "):])
	}
	var rest string
	for _, p := range []string{"Connection closed by ", "Connection reset by ", "Disconnected from "} {
		if r, ok := strings.CutPrefix(body, p); ok {
			rest = r
			break
		}
	}
	if rest == "" {
		return event{}
	}
	h, head, ok := tailHost(rest)
	if !ok {
		return event{}
	}
	user, ok := authUser(head)
	if !ok {
		return event{}
	}
	ev := helper(h, user)
	if preauth {
		ev = fail("preauth-disconnect", h, user)
	}
	ev.forget = true
	return ev
}

// authUser reads what sshd puts between "closed by" and the address:
// nothing, "invalid user U", "authenticating user U" or "user U".
func authUser(head string) (string, bool) {
	if head == "" {
		return "", true
	}
	for _, p := range []string{"invalid user ", "authenticating user ", "user "} {
		if u, ok := strings.CutPrefix(head, p); ok {
			return u, true
		}
	}
	if head == "invalid user" || head == "authenticating user" {
		return "", true
	}
	return "", false
}

// sshdDisconnecting: "Disconnecting {invalid|authenticating} user U H port
// N: reason". A change of user name mid-connection is a failure; other
// reasons only name the connection's address (the failures were logged).
func sshdDisconnecting(s string) event {
	who, reason, found := strings.Cut(s, ": ")
	if !found {
		return event{}
	}
	h, head, ok := tailHost(who)
	if !ok {
		return event{}
	}
	user, ok := authUser(head)
	if !ok || head == "" {
		return event{}
	}
	if strings.HasPrefix(reason, "Change of username or service not allowed") {
		ev := fail("user-change", h, user)
		ev.forget = true
		return ev
	}
	return helper(h, user)
}

// sshdR: "ROOT LOGIN REFUSED ... FROM H", "Received disconnect from H...",
// "Read from socket failed: Connection reset by peer".
func sshdR(body string) event {
	switch {
	case strings.HasPrefix(body, "ROOT LOGIN REFUSED"):
		h, _, ok := hostAfterLast(body, " FROM ")
		return failIf(ok, "root-login-refused", h, "root")
	case strings.HasPrefix(body, "Received disconnect from "):
		return receivedDisconnect(body[len("Received disconnect from "):])
	case strings.HasPrefix(body, "Read from socket failed: Connection reset by peer"):
		ev := fail("connection-reset", "", "")
		ev.forget = true
		return ev
	}
	return event{}
}

// receivedDisconnect: "H[ port N]:[ ]CODE: text". Code 3 with "Auth fail"
// (JSch clients giving up) and 14 "No [supported ]authentication methods
// available" are failures; 11 (a client's normal goodbye) only ends the
// connection.
func receivedDisconnect(s string) event {
	h, rest, ok := parseHost(s)
	if !ok {
		return event{}
	}
	rest = strings.TrimLeft(strings.TrimPrefix(skipPort(rest), ":"), " ")
	code, n := leadingInt(rest, 3)
	if n == 0 || !strings.HasPrefix(rest[n:], ":") {
		return event{}
	}
	text := rest[n+1:]
	ev := helper(h, "")
	switch {
	case code == 3 && strings.Contains(text, "Auth fail"):
		ev = fail("auth-fail-disconnect", h, "")
	case code == 14 && (strings.Contains(text, "No supported authentication methods available") ||
		strings.Contains(text, "No authentication methods available")):
		ev = fail("no-auth-methods", h, "")
	}
	ev.forget = true
	return ev
}

func failIf(ok bool, reason, host, user string) event {
	if !ok {
		return event{}
	}
	return fail(reason, host, user)
}

func helperIf(ok bool, host, user string) event {
	if !ok {
		return event{}
	}
	return helper(host, user)
}
