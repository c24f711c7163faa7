package authlog

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// checkFailure holds for every failure any parser returns.
func checkFailure(t *testing.T, f Failure) {
	t.Helper()
	if f.Host == "" || f.Line != 1 || f.Reason == "" || len(f.User) > 4*maxUserBytes {
		t.Fatalf("bad failure %+v", f)
	}
	if _, err := netip.ParseAddr(f.Host); err != nil && !isHostName(f.Host) {
		t.Fatalf("host %q is neither an address nor a name", f.Host)
	}
	switch f.Source {
	case "sshd", "nginx", "apache", "pam":
	default:
		t.Fatalf("source %q", f.Source)
	}
}

func fuzzSource(f *testing.F, src Source, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add("")
	f.Add("\x00\xff[")
	f.Fuzz(func(t *testing.T, line string) {
		for _, s := range []Source{src, SourceAuto} {
			if got, ok := ParseLine(line, ref, time.UTC, s); ok {
				checkFailure(t, got)
			}
		}
	})
}

func FuzzSSHD(f *testing.F) {
	fuzzSource(f, SourceSSHD,
		"Jun 14 08:00:00 h sshd[1]: Failed password for invalid user a from 192.0.2.1 port 22 ssh2: x",
		"h sshd[1]: Connection closed by authenticating user a 2001:db8::1 port 2 [preauth]",
		"<38>1 2025-06-14T08:00:00Z h sshd 1 - [a b=\"]\"] Invalid user x from ::ffff:1.2.3.4",
		"Jun 14 08:00:00 h sshd[1]: Received disconnect from 192.0.2.1 port 1:3: x: Auth fail [preauth]",
		"Jun 14 08:00:00 h sshd[1]: refused connect from a (192.0.2.1)",
		"Jun 14 08:00:00 h sshd[1]: User a from b.example not allowed because x",
	)
}

func FuzzNginx(f *testing.F) {
	fuzzSource(f, SourceNginx,
		`2025/06/14 08:00:00 [error] 1#1: *2 user "a": password mismatch, client: 192.0.2.1, server: s, request: "GET / HTTP/1.1", host: "s"`,
		`h nginx[1]: h nginx: 2025/06/14 08:00:00 [error] 1#1: *2 PAM: user 'a' - not authenticated: x, client: 2001:db8::1, server: s`,
		`2025/06/14 08:00:00 [crit] 1#1: *2 SSL_do_handshake() failed (SSL: error:x:SSL routines::bad key share) while SSL handshaking, client: 192.0.2.1, server: 0.0.0.0:443`,
	)
}

func FuzzApache(f *testing.F) {
	fuzzSource(f, SourceApache,
		`[Sat Jun 14 08:00:00.1 2025] [auth_basic:error] [pid 1:tid 2] [client [2001:db8::1]:4] AH01617: user a: authentication failure for "/": Password Mismatch`,
		`Jun 14 08:00:00 h httpd[1]: [authz_core:error] [pid 1] [client 192.0.2.1:5] AH01630: client denied by server configuration: /`,
		"[[[[[[",
	)
}

func FuzzPAM(f *testing.F) {
	fuzzSource(f, SourcePAM,
		"Jun 14 08:00:00 h vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=a rhost=192.0.2.1  user=b c",
		"Jun 14 08:00:00 h proftpd: (pam_unix) authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=h.example",
	)
}

// FuzzHeader: any line yields a header whose message is a suffix of it.
func FuzzHeader(f *testing.F) {
	for _, s := range []string{"Dec 31 23:59:59 h sshd[1]: x", "2025-06-14T08:00:00.5+02:00 h a: m", "<1>1 - - - - - -", "h a[: b", "<9>Jan  1 00:00:00 h t: m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := newParser(ref, time.UTC, SourceAuto, 0)
		h := p.parseHeader(line)
		if !strings.HasSuffix(line, h.msg) {
			t.Fatalf("message %q is not a suffix of %q", h.msg, line)
		}
	})
}

// FuzzScan: arbitrary input never fails a scan, and line numbers rise.
func FuzzScan(f *testing.F) {
	f.Add("Jun 14 08:00:00 h sshd[5]: Disconnecting: Too many authentication failures [preauth]\nJun 14 08:00:01 h sshd[5]: Connection closed by 192.0.2.3 [preauth]\n")
	f.Add("\n\n\r\n\x00")
	f.Fuzz(func(t *testing.T, input string) {
		last := 0
		_, err := Scan(context.Background(), strings.NewReader(input), Options{Ref: ref, MaxLineBytes: 1 << 10, MaxSessions: 4}, func(fl Failure) error {
			if fl.Line <= last || fl.Host == "" {
				t.Fatalf("failure %+v after line %d", fl, last)
			}
			last = fl.Line
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
