package authlog

import "strings"

const srcPAM = string(SourcePAM)

// classifyPAM reads a PAM module's "authentication failure; ... rhost=H
// [user=U]" as logged by any service (ftp, mail, sshd in old formats).
// Failures without a remote host (su, sudo, a console login) are left out:
// they have no client to attribute to.
func classifyPAM(msg string) event {
	f, ok := parsePAMFailure(msg, false)
	if !ok || f.host == "" {
		return event{}
	}
	ev := fail("pam-auth-failure", f.host, f.user)
	ev.source = srcPAM
	return ev
}

type pamFailure struct{ host, user string }

const pamFailureText = "authentication failure;"

// parsePAMFailure reads the module prefix and the key=value fields. With
// authOnly the prefix must be the modern "pam_X(service:auth):" form (what
// sshd logs); otherwise "pam_X:" and the old "(pam_X)" are accepted too.
func parsePAMFailure(msg string, authOnly bool) (pamFailure, bool) {
	i := strings.Index(msg, pamFailureText)
	if i < 0 || i > 80 || !pamModule(strings.TrimRight(msg[:i], " "), authOnly) {
		return pamFailure{}, false
	}
	var f pamFailure
	var ruser string
	fields := msg[i+len(pamFailureText):]
	seenHost := false
	for fields != "" {
		var tok string
		tok, fields = cutSpace(strings.TrimLeft(fields, " \t"))
		switch {
		case strings.HasPrefix(tok, "rhost=") && !seenHost:
			seenHost = true
			if v := tok[6:]; v != "" {
				h, rest, ok := parseHost(v)
				if !ok || rest != "" {
					return pamFailure{}, false
				}
				f.host = h
			}
		case strings.HasPrefix(tok, "ruser=") && !seenHost:
			ruser = tok[6:]
		case strings.HasPrefix(tok, "user=") && seenHost:
			// The user name is the rest of the line: the last field.
			f.user = strings.TrimSpace(tok[5:] + " " + fields)
			fields = ""
		}
	}
	if !seenHost {
		return pamFailure{}, false
	}
	if f.user == "" {
		f.user = ruser
	}
	return f, true
}

// pamModule accepts "pam_unix(sshd:auth):", "pam_sss(x:auth):", and unless
// authOnly also "pam_unix:" and "(pam_unix)".
func pamModule(mod string, authOnly bool) bool {
	if !authOnly {
		if strings.HasPrefix(mod, "(pam_") && strings.HasSuffix(mod, ")") {
			return isModName(mod[5 : len(mod)-1])
		}
		if strings.HasPrefix(mod, "pam_") && strings.HasSuffix(mod, ":") && isModName(mod[4:len(mod)-1]) {
			return true
		}
	}
	if !strings.HasPrefix(mod, "pam_") || !strings.HasSuffix(mod, ":auth):") {
		return false
	}
	open := strings.IndexByte(mod, '(')
	return open > 4 && isModName(mod[4:open]) && !strings.ContainsAny(mod[open+1:len(mod)-7], " ()")
}

func isModName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' {
			return false
		}
	}
	return true
}
