package authlog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// scanLines returns "line:host" for every failure in lines.
func scanLines(t *testing.T, opts Options, lines ...string) []string {
	t.Helper()
	var got []string
	_, err := Scan(context.Background(), strings.NewReader(strings.Join(lines, "\n")), opts, func(f Failure) error {
		got = append(got, fmt.Sprintf("%d:%s", f.Line, f.Host))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSessions(t *testing.T) {
	opts := Options{Ref: ref, Location: time.UTC}
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"address-less failure takes the address logged before", []string{
			"Jun 14 08:00:00 h sshd[5]: Connection from 192.0.2.1 port 1 on 192.0.2.254 port 22",
			"Jun 14 08:00:01 h sshd[5]: Disconnecting: Too many authentication failures [preauth]",
		}, "2:192.0.2.1"},
		{"address-less failure waits for the next line", []string{
			"Jun 14 08:00:00 h sshd[5]: User u not allowed because account is locked",
			"Jun 14 08:00:01 h sshd[5]: input_userauth_request: invalid user u [preauth]",
			"Jun 14 08:00:02 h sshd[5]: Received disconnect from 192.0.2.2: 11: Bye [preauth]",
		}, "3:192.0.2.2"},
		{"other pid does not inherit", []string{
			"Jun 14 08:00:00 h sshd[5]: Disconnecting: Too many authentication failures [preauth]",
			"Jun 14 08:00:01 h sshd[6]: Connection closed by 192.0.2.3",
		}, ""},
		{"other host does not inherit", []string{
			"Jun 14 08:00:00 a sshd[5]: Disconnecting: Too many authentication failures [preauth]",
			"Jun 14 08:00:01 b sshd[5]: Connection closed by 192.0.2.3",
		}, ""},
		{"old connection forgotten", []string{
			"Jun 14 08:00:00 h sshd[5]: Disconnecting: Too many authentication failures [preauth]",
			"Jun 14 09:00:00 h sshd[5]: Connection closed by 192.0.2.4",
		}, ""},
		{"same user PAM failure then success", []string{
			"Jun 14 08:00:00 h sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.5 user=a",
			"Jun 14 08:00:01 h sshd[5]: Accepted password for a from 192.0.2.5 port 1 ssh2",
			"Jun 14 08:00:02 h sshd[5]: Connection closed by 192.0.2.5",
		}, ""},
		{"several users then success", []string{
			"Jun 14 08:00:00 h sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=a rhost=192.0.2.6",
			"Jun 14 08:00:01 h sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=b rhost=192.0.2.6",
			"Jun 14 08:00:02 h sshd[5]: Accepted password for c from 192.0.2.6 port 1 ssh2",
		}, "2:192.0.2.6 3:192.0.2.6"},
		{"PAM failure then preauth close", []string{
			"2025-06-14T08:00:00Z h sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=2001:db8::7 user=a",
			"2025-06-14T08:00:01Z h sshd[5]: Connection closed by 2001:db8::7 port 4 [preauth]",
		}, "2:2001:db8::7"},
		{"valid user keys then success", []string{
			"h sshd[5]: Failed publickey for a from 192.0.2.8 port 1 ssh2: RSA SHA256:x",
			"h sshd[5]: Failed publickey for a from 192.0.2.8 port 1 ssh2: RSA SHA256:y",
			"h sshd[5]: Accepted publickey for a from 192.0.2.8 port 1 ssh2: RSA SHA256:z",
			"h sshd[5]: Connection closed by 192.0.2.8 port 1",
		}, ""},
		{"close after login is not a failure", []string{
			"h sshd[5]: Failed password for a from 192.0.2.9 port 1 ssh2",
			"h sshd[5]: Connection closed by 192.0.2.9 port 1",
		}, "1:192.0.2.9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(scanLines(t, opts, tc.lines...), " ")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSessionTableBounded: the table never holds more connections than
// allowed, evicting the oldest, and stays correct for live ones.
func TestSessionTableBounded(t *testing.T) {
	tab := newSessionTable(3)
	for i := range 100 {
		tab.put(fmt.Sprintf("k%d", i))
		if len(tab.m) > 3 {
			t.Fatalf("after %d: %d sessions", i, len(tab.m))
		}
	}
	if tab.get("k99", time.Time{}, false) == nil || tab.get("k96", time.Time{}, false) != nil {
		t.Error("the newest should stay, older ones go")
	}
	if len(tab.order)-tab.head > 1100 {
		t.Errorf("eviction queue grows: %d", len(tab.order)-tab.head)
	}
	// An evicted connection's later lines start afresh.
	opts := Options{Ref: ref, Location: time.UTC, MaxSessions: 1}
	got := scanLines(t, opts,
		"h sshd[1]: Disconnecting: Too many authentication failures [preauth]",
		"h sshd[2]: Connection from 192.0.2.10 port 1",
		"h sshd[1]: Connection closed by 192.0.2.11 port 2",
	)
	if len(got) != 0 {
		t.Errorf("evicted pending failure surfaced: %v", got)
	}
}
