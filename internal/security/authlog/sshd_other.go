package authlog

import "strings"

// sshdOther: the remaining sshd messages, mostly scanners and clients that
// never get as far as authenticating.
func sshdOther(body string) event {
	switch body[0] {
	case 'r':
		return refusedConnect(body)
	case 'm':
		return maxAttempts(body)
	case 'B':
		if strings.HasPrefix(body, "Bad protocol version identification ") {
			h, _, ok := hostAfterLast(body, " from ")
			return failIf(ok, "bad-protocol-version", h, "")
		}
	case 'k':
		return kexIdentification(body)
	case 'b':
		if rest, ok := strings.CutPrefix(body, "banner exchange: Connection from "); ok {
			return connFromReason(rest, "banner-exchange", "invalid format", "could not read protocol version")
		}
	case 's':
		if rest, ok := strings.CutPrefix(body, "ssh_dispatch_run_fatal: Connection from "); ok {
			return connFromReason(rest, "corrupted-connection",
				"message authentication code incorrect", "Connection corrupted", "connection corrupted")
		}
	case 'T':
		return authTimeout(body)
	case 'S':
		return ltypeRemote(body)
	case 'p':
		return sshdPAM(body)
	}
	return negotiation(body)
}

// refusedConnect: tcp wrappers' "refused connect from NAME (H)".
func refusedConnect(body string) event {
	if !strings.HasPrefix(body, "refused connect from ") {
		return event{}
	}
	i := strings.LastIndexByte(body, '(')
	if i < 0 {
		return event{}
	}
	h, rest, ok := parseHost(body[i+1:])
	return failIf(ok && strings.HasPrefix(rest, ")"), "refused-connect", h, "")
}

// maxAttempts: "maximum authentication attempts exceeded for [invalid
// user ]U from H port N sshN".
func maxAttempts(body string) event {
	rest, ok := strings.CutPrefix(body, "maximum authentication attempts exceeded for ")
	if !ok {
		return event{}
	}
	rest = strings.TrimPrefix(rest, "invalid user ")
	i := strings.LastIndex(rest, " from ")
	if i < 0 {
		return event{}
	}
	h, _, ok := parseHost(rest[i+6:])
	return failIf(ok, "max-auth-attempts", h, rest[:i])
}

// kexIdentification: the client sent no or a broken protocol banner. The
// line names no address: the connection's earlier or later lines do.
func kexIdentification(body string) event {
	rest, ok := strings.CutPrefix(body, "kex_exchange_identification: ")
	if !ok {
		return event{}
	}
	rest = strings.ToLower(strings.TrimPrefix(rest, "read: "))
	for _, p := range []string{"client sent invalid protocol identifier", "connection closed by remote host", "connection reset by peer"} {
		if strings.HasPrefix(rest, p) {
			return fail("kex-identification", "", "")
		}
	}
	return event{}
}

// connFromReason reads "H[ port N]: reason" for one of the given reasons.
func connFromReason(s, reason string, texts ...string) event {
	h, rest, ok := parseHost(s)
	if !ok {
		return event{}
	}
	rest = strings.TrimPrefix(skipPortOn(rest), ": ")
	for _, t := range texts {
		if strings.HasPrefix(rest, t) {
			return fail(reason, h, "")
		}
	}
	return event{}
}

// authTimeout: "Timeout before authentication for [connection from ]H".
func authTimeout(body string) event {
	rest, ok := strings.CutPrefix(body, "Timeout before authentication for ")
	if !ok {
		return event{}
	}
	h, _, ok := parseHost(strings.TrimPrefix(rest, "connection from "))
	return failIf(ok, "auth-timeout", h, "")
}

// ltypeRemote: the audit-style "SSH: Server;Ltype: Kex;Remote: H-PORT;..."
// names the connection's address.
func ltypeRemote(body string) event {
	if !strings.HasPrefix(body, "SSH: Server;Ltype: ") {
		return event{}
	}
	i := strings.Index(body, ";Remote: ")
	if i < 0 {
		return event{}
	}
	rest := body[i+9:]
	j := strings.IndexByte(rest, ';')
	if j < 0 {
		return event{}
	}
	remote := rest[:j]
	if k := strings.LastIndexByte(remote, '-'); k > 0 && allDigits(remote[k+1:]) {
		remote = remote[:k]
	}
	h, tail, ok := parseHost(remote)
	return helperIf(ok && tail == "", h, "")
}

// negotiation: "Unable to negotiate with H port N: no matching X found",
// and the address-less "Unable to negotiate a X" and "no matching X found:".
func negotiation(body string) event {
	if rest, ok := strings.CutPrefix(body, "Unable to negotiate with "); ok {
		h, tail, ok := parseHost(rest)
		tail = strings.TrimPrefix(skipPortOn(tail), ": ")
		return failIf(ok && strings.HasPrefix(tail, "no matching "), "negotiation-failed", h, "")
	}
	if strings.HasPrefix(body, "Unable to negotiate a ") {
		return fail("negotiation-failed", "", "")
	}
	if strings.HasPrefix(body, "no matching ") {
		if i := strings.Index(body, " found"); i > 0 && i < 64 {
			return fail("negotiation-failed", "", "")
		}
	}
	return event{}
}

// sshdPAM: "pam_unix(sshd:auth): authentication failure; ... rhost=H
// [user=U]". sshd logs it for every failed PAM password, also when a second
// PAM method then succeeds: alone it only names the connection and user.
func sshdPAM(body string) event {
	f, ok := parsePAMFailure(body, true)
	if !ok {
		return event{}
	}
	return helper(f.host, f.user)
}
