package authlog

import (
	"strings"
	"testing"
	"time"
)

var ref = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name, line      string
		src             Source
		host, user, why string // host "" means: not a failure
		source          string
	}{
		{"ipv4", "Jun 14 08:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2", "", "192.0.2.1", "root", "failed-password", "sshd"},
		{"ipv6 canonical", "Jun 14 08:00:00 h sshd[1]: Invalid user a from 2001:DB8:0:0::1 port 22", "", "2001:db8::1", "a", "invalid-user", "sshd"},
		{"v4-mapped", "Jun 14 08:00:00 h sshd[1]: ROOT LOGIN REFUSED FROM ::ffff:192.0.2.2", "", "192.0.2.2", "root", "root-login-refused", "sshd"},
		{"hostname", "Jun 14 08:00:00 h sshd[1]: User u from bad-actor.example.com not allowed because listed in DenyUsers", "", "bad-actor.example.com", "u", "user-not-allowed", "sshd"},
		{"address-like name kept", "Jun 14 08:00:00 h sshd[1]: error: PAM: Authentication failure for u from 10.010.0.1", "", "10.010.0.1", "u", "pam-auth-failure", "sshd"},
		{"empty user", "Jun 14 08:00:00 h sshd[1]: Invalid user  from 192.0.2.3 port 1", "", "192.0.2.3", "", "invalid-user", "sshd"},
		{"solaris id", "Jun 14 08:00:00 h sshd[1]: [ID 800047 auth.info] Failed keyboard-interactive for <invalid username> from 192.0.2.4 port 1 ssh2", "", "192.0.2.4", "<invalid username>", "failed-keyboard-interactive", "sshd"},
		{"no hostname in header", "Jun 14 08:00:00 sshd[1]: Did not receive identification string from 192.0.2.5", "", "192.0.2.5", "", "no-identification", "sshd"},
		{"bracketed tag", "Jun 14 08:00:00 [sshd] User u from 192.0.2.6 not allowed because not in any group", "", "192.0.2.6", "u", "user-not-allowed", "sshd"},
		{"journal no time", "host sshd[77]: Failed password for invalid user x from 192.0.2.7 port 2 ssh2", "", "192.0.2.7", "x", "failed-password", "sshd"},
		{"rfc5424", `<38>1 2025-06-14T08:00:00.5-04:00 h.example sshd 9 - [x@1 a="]"] Failed unknown for invalid user r from 192.0.2.8 port 3 ssh2`, "", "192.0.2.8", "r", "failed-unknown", "sshd"},
		{"iso header", "2025-06-14T08:00:00+02:00 h sshd-session[5]: Failed password for u from 192.0.2.9 port 4 ssh2", "", "192.0.2.9", "u", "failed-password", "sshd"},
		{"pam from sshd needs context", "Jun 14 08:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.10 user=u", "", "", "", "", ""},
		{"pam source forces pam", "Jun 14 08:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.10 user=u", SourcePAM, "192.0.2.10", "u", "pam-auth-failure", "pam"},
		{"pam other daemon", "Jun 14 08:00:00 h dovecot[3]: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=u rhost=2001:db8::5", "", "2001:db8::5", "u", "pam-auth-failure", "pam"},
		{"pam without rhost", "Jun 14 08:00:00 h su[3]: pam_unix(su:auth): authentication failure; logname=a uid=1 euid=0 tty=pts/1 ruser=a rhost=  user=root", "", "", "", "", ""},
		{"nginx", `2025/06/14 08:00:00 [error] 1#1: *2 user "a": password mismatch, client: 192.0.2.11, server: s, request: "GET / HTTP/1.1", host: "s"`, "", "192.0.2.11", "a", "password-mismatch", "nginx"},
		{"nginx ipv6", `2025/06/14 08:00:00 [error] 1#1: *2 user "a" was not found in "/p", client: 2001:db8::b, server: s, request: "GET / HTTP/1.1", host: "s"`, "", "2001:db8::b", "a", "user-not-found", "nginx"},
		{"apache ipv6", `[Sat Jun 14 08:00:00.1 2025] [auth_basic:error] [pid 1] [client [2001:db8::c]:4] AH01618: user a not found: /`, "", "2001:db8::c", "a", "user-not-found", "apache"},
		{"apache spaced user", `[Sat Jun 14 08:00:00 2025] [error] [client 192.0.2.12] user a b not found: /`, "", "192.0.2.12", "a b", "user-not-found", "apache"},
		{"success", "Jun 14 08:00:00 h sshd[1]: Accepted password for u from 192.0.2.13 port 5 ssh2", "", "", "", "", ""},
		{"hostless alone", "Jun 14 08:00:00 h sshd[1]: Disconnecting: Too many authentication failures [preauth]", "", "", "", "", ""},
		{"wrong source", "Jun 14 08:00:00 h sshd[1]: Failed password for u from 192.0.2.14 port 5 ssh2", SourceNginx, "", "", "", ""},
		{"sshd text from other daemon", "Jun 14 08:00:00 h sshdx[1]: Failed password for u from 192.0.2.14 port 5 ssh2", "", "", "", "", ""},
		{"bad host", "Jun 14 08:00:00 h sshd[1]: Failed password for u from -bad- port 5 ssh2", "", "", "", "", ""},
		{"garbage", "\x00\x01\x02 binary \xff\xfe junk sshd[1]: Failed", "", "", "", "", ""},
		{"truncated", "Jun 14 08:00:00 h sshd[1]: Failed password for", "", "", "", "", ""},
		{"empty", "", "", "", "", "", ""},
		{"control chars in user", "Jun 14 08:00:00 h sshd[1]: Invalid user a\x1b[31m from 192.0.2.15", "", "192.0.2.15", "a?[31m", "invalid-user", "sshd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := ParseLine(tc.line, ref, time.UTC, tc.src)
			if tc.host == "" {
				if ok {
					t.Fatalf("want no failure, got %+v", f)
				}
				return
			}
			if !ok {
				t.Fatalf("want a failure from %s", tc.host)
			}
			if f.Host != tc.host || f.User != tc.user || f.Reason != tc.why || f.Source != tc.source || f.Line != 1 {
				t.Errorf("got %+v, want host %q user %q reason %q source %q", f, tc.host, tc.user, tc.why, tc.source)
			}
		})
	}
}

func TestParseSource(t *testing.T) {
	for _, s := range []string{"", "auto", "SSHD", "nginx", "apache", "pam"} {
		if _, err := ParseSource(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseSource("iis"); err == nil || !strings.Contains(err.Error(), "iis") {
		t.Errorf("iis: %v", err)
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct{ in, host, rest string }{
		{"192.0.2.1 port 22", "192.0.2.1", " port 22"},
		{"192.0.2.1: 11: bye", "192.0.2.1", ": 11: bye"},
		{"2001:db8::1: 11: bye", "2001:db8::1", ": 11: bye"},
		{"[2001:db8::1]:443]", "2001:db8::1", ":443]"},
		{"192.0.2.1:51380", "192.0.2.1", ":51380"},
		{"::ffff:192.0.2.9)", "192.0.2.9", ")"},
		{"fe80::1%eth0 x", "fe80::1%eth0", " x"},
		{"host-1.example.org, server", "host-1.example.org", ", server"},
		{"_U2F=_@::ffff:1.2.3.4", "", ""},
		{"-x", "", ""},
		{"", "", ""},
		{"[2001:db8::1", "", ""},
	}
	for _, tc := range tests {
		h, rest, ok := parseHost(tc.in)
		if tc.host == "" {
			if ok {
				t.Errorf("%q: want no host, got %q", tc.in, h)
			}
			continue
		}
		if !ok || h != tc.host || rest != tc.rest {
			t.Errorf("%q: got %q %q %v, want %q %q", tc.in, h, rest, ok, tc.host, tc.rest)
		}
	}
}
