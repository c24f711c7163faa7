package security

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestDetectBursts(t *testing.T) {
	base := time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC)
	at := func(secs ...int) []time.Time {
		out := make([]time.Time, len(secs))
		for i, s := range secs {
			out[i] = base.Add(time.Duration(s) * time.Second)
		}
		return out
	}
	tests := []struct {
		name     string
		times    []time.Time
		maxRetry int
		findTime time.Duration
		want     []BurstWindow
	}{
		{"none", nil, 5, 10 * time.Minute, nil},
		{"one short of maxretry", at(0, 10, 20, 30), 5, 10 * time.Minute, nil},
		{"exactly maxretry", at(0, 10, 20, 30, 40), 5, 10 * time.Minute, []BurstWindow{{0, 4, 5}}},
		// fail2ban counts failures at or after now-findtime: a span of
		// exactly findtime is still one window.
		{"span equal to findtime", at(0, 150, 300, 450, 600), 5, 10 * time.Minute, []BurstWindow{{0, 4, 5}}},
		{"span one second over", at(0, 150, 300, 450, 601), 5, 10 * time.Minute, nil},
		{"slow source", at(0, 900, 1800, 2700, 3600, 4500), 5, 10 * time.Minute, nil},
		{"two separate bursts", at(0, 1, 2, 3, 4, 5000, 5001, 5002, 5003, 5004, 5005), 5, 10 * time.Minute,
			[]BurstWindow{{0, 4, 5}, {5, 10, 6}}},
		// A long steady attack (one failure a minute for 30 minutes) is
		// one burst over its whole span, peak 11 (both ends inclusive).
		{"long attack merges", minutes(base, 30), 5, 10 * time.Minute, []BurstWindow{{0, 29, 11}}},
		{"maxretry one", at(0, 3600), 1, time.Minute, []BurstWindow{{0, 0, 1}, {1, 1, 1}}},
		{"maxretry zero is one", at(0), 0, time.Minute, []BurstWindow{{0, 0, 1}}},
		{"same instant", at(7, 7, 7, 7, 7), 5, time.Second, []BurstWindow{{0, 4, 5}}},
		// Windows that touch but share no failure are two bursts.
		{"adjacent windows", at(0, 1, 2, 100, 101, 102), 3, 10 * time.Second, []BurstWindow{{0, 2, 3}, {3, 5, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectBursts(tt.times, tt.maxRetry, tt.findTime)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DetectBursts = %v, want %v", got, tt.want)
			}
		})
	}
}

func minutes(base time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = base.Add(time.Duration(i) * time.Minute)
	}
	return out
}

func TestSourceOf(t *testing.T) {
	tests := []struct{ field, msg, want string }{
		{"203.0.113.7", "whatever from 10.0.0.1", "203.0.113.7"},
		{"203.0.113.7:51234", "", "203.0.113.7"},
		{"[2001:db8::1]:443", "", "2001:db8::1"},
		{"::ffff:203.0.113.50", "", "203.0.113.50"},
		{"fe80::1%eth0", "", "fe80::1"},
		{"Proxy.Example.COM", "", "proxy.example.com"},
		{"not an address!", "Login failed for x from 198.51.100.4", "198.51.100.4"},
		{"", "Authentication failed: invalid credentials for user root from 203.0.113.7", "203.0.113.7"},
		{"", "Login failed for tech024 from 203.0.113.8: bad password", "203.0.113.8"},
		{"", "Login failed for admin from 2001:db8::66: bad password", "2001:db8::66"},
		{"", "Login failed for admin from [2001:db8::66]:51234: bad password", "2001:db8::66"},
		{"", "login failed ip=198.51.100.9 user=bob", "198.51.100.9"},
		{"", "invalid credentials user=operator ip=2001:db8:1::5", "2001:db8:1::5"},
		{"", "unauthorized access by client 192.0.2.10, path /x", "192.0.2.10"},
		{"", "login failed (server 10.1.1.1) from 192.0.2.11.", "192.0.2.11"},
		{"", "login failed remote_addr=\"192.0.2.12\"", "192.0.2.12"},
		// No keyed form: the first address anywhere.
		{"", "Authentication failed; peer=192.0.2.13 retrying", "192.0.2.13"},
		{"", "Login failed for ghost: account locked", ""},
		{"", "from nowhere: version 1.2.3 failed", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := SourceOf(tt.field, tt.msg); got != tt.want {
			t.Errorf("SourceOf(%q, %q) = %q, want %q", tt.field, tt.msg, got, tt.want)
		}
	}
}

func TestUserOf(t *testing.T) {
	tests := []struct{ field, msg, want string }{
		{"alice", "for user bob", "alice"},
		{"", "Authentication failed: invalid credentials for user root from 203.0.113.7", "root"},
		{"", "Login failed for tech024 from 203.0.113.8: bad password", "tech024"},
		{"", "Login failed for 'tech025' from 203.0.113.8", "tech025"},
		{"", "login failed user=bob ip=1.2.3.4", "bob"},
		{"", "invalid credentials username=carol", "carol"},
		{"", "Login failed for username ghost: account locked", "ghost"},
		{"", "Login failed: user dave.", "dave"},
		{"", "Unauthorized access attempt by user=mallory", "mallory"},
		// last_user= is not user=, "for the" is prose, "for X" without " from " is not a name.
		{"", "login failed last_user=eve", ""},
		{"", "login failed for the third time", ""},
		{"", "Authentication failed for 10.0.0.1 from 10.0.0.2", ""},
		{"", "invalid user agent", ""},
		{"", "", ""},
		{"", "login failed user=" + strings.Repeat("x", 65), ""},
	}
	for _, tt := range tests {
		if got := UserOf(tt.field, tt.msg); got != tt.want {
			t.Errorf("UserOf(%q, %q) = %q, want %q", tt.field, tt.msg, got, tt.want)
		}
	}
}

func TestIsFailedLogin(t *testing.T) {
	tests := []struct {
		msg, path string
		want      bool
	}{
		{"Authentication failed: invalid credentials for user root", "", true},
		{"LOGIN FAILED for x", "", true},
		{"invalid credentials", "", true},
		{"Unauthorized access attempt to /api/settings", "/api/settings", true},
		{"GET /api/auth/validate 401 3ms", "/api/auth/validate", false},
		{"Unauthorized access to /api/auth/validate: no session", "", false},
		{"unauthorized access", "/api/auth/validate?x=1", false},
		{"Login successful for user admin", "", false},
		{"Authentication succeeded for bob after an earlier login failed", "", false},
		{"User tech001 logged in from 10.0.0.9", "", false},
		{"POST /api/auth/login 401 3ms", "/api/auth/login", false},
	}
	for _, tt := range tests {
		var hits [4]string
		msg := defaultMatcher.match(normalizeInto(nil, tt.msg), &hits)
		path := defaultMatcher.match(normalizeInto(nil, tt.path), &hits)
		if got := isFailedLogin(msg, path); got != tt.want {
			t.Errorf("isFailedLogin(%q, %q) = %v, want %v", tt.msg, tt.path, got, tt.want)
		}
	}
}

func TestInsertCapped(t *testing.T) {
	var s []string
	more := false
	for _, v := range []string{"m", "c", "z", "a", "c", "b"} {
		s, more = insertCapped(s, v, 3, more)
	}
	// Whatever the order of arrival, the smallest three are kept.
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(s, want) || !more {
		t.Errorf("insertCapped = %v, %v; want %v, true", s, more, want)
	}
}

func TestFailureTableBounds(t *testing.T) {
	tab := newFailureTable()
	at := time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)
	for i := range maxSources + 5 {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
		tab.add(ip, "admin", at)
	}
	if tab.total != maxSources+5 || len(tab.sources) != maxSources || tab.untrackedSrc != 5 {
		t.Errorf("total %d, sources %d, untracked %d", tab.total, len(tab.sources), tab.untrackedSrc)
	}
	u := tab.users["admin"]
	if len(u.sources) != maxSourcesPerUser || !u.moreSources || u.count != maxSources+5 {
		t.Errorf("user admin: %d sources, more %v, count %d", len(u.sources), u.moreSources, u.count)
	}
	if got := tab.bySource(); len(got) != maxByIP {
		t.Errorf("bySource lists %d, want %d", len(got), maxByIP)
	}
	if n := len(tab.notes()); n != 2 {
		t.Errorf("notes = %q, want 2", tab.notes())
	}
}

func FuzzSourceAndUser(f *testing.F) {
	for _, s := range []string{
		"Authentication failed: invalid credentials for user root from 203.0.113.7",
		"Login failed for admin from [2001:db8::66]:51234: bad password",
		"invalid credentials user=operator ip=2001:db8:1::5",
		"login failed for 'x' from ::ffff:1.2.3.4%eth0.",
		"for user \xff\xfe from \x00",
		"ip=ip=ip= from from for for",
	} {
		f.Add("", s)
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, field, msg string) {
		src := SourceOf(field, msg)
		if src != "" {
			if _, err := netip.ParseAddr(src); err != nil {
				if _, ok := hostName(src); !ok {
					t.Fatalf("SourceOf(%q, %q) = %q: neither an address nor a host name", field, msg, src)
				}
			}
		}
		user := UserOf(field, msg)
		if len(user) > 64 {
			t.Fatalf("UserOf(%q, %q) = %q: longer than 64 bytes", field, msg, user)
		}
		if strings.TrimSpace(field) == "" && strings.ContainsFunc(user, unicode.IsSpace) {
			t.Fatalf("UserOf(%q, %q) = %q: a name from a message has no spaces", field, msg, user)
		}
	})
}

// TestFindingTexts: counts, durations and plurals in the scan's findings
// read as people write them, never as Go prints its values.
func TestFindingTexts(t *testing.T) {
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	s := &scanState{opts: ScanOptions{FindTime: 10 * time.Minute, Location: time.UTC}}
	r := &ScanReport{
		BruteForce: []BruteForce{{IP: "203.0.113.7", Failures: 40, Peak: 40, Start: at, End: at.Add(228 * time.Second), SpanSeconds: 228, Users: []string{"root"}},
			{IP: "203.0.113.7", Failures: 32, Peak: 32, Start: at.Add(time.Hour), End: at.Add(time.Hour + 10*time.Second), SpanSeconds: 10, Users: []string{"admin"}}},
		Scanners: []ScannerHits{{Scanner: "nikto", UserAgent: "Nikto/2.5.0", Count: 1}, {Scanner: "sqlmap", UserAgent: "sqlmap/1.7", Count: 3}},
	}
	bf := s.bruteForceFindings(r)
	sc, _ := s.scannerFinding(r)
	if len(bf) != 1 {
		t.Fatalf("brute force findings %+v", bf)
	}
	for _, tc := range []struct{ got, want string }{
		{bf[0].Message, "Brute force from 203.0.113.7: 72 failed logins in 2 bursts, the largest 40 in 3m 48s"},
		{strings.SplitN(bf[0].Evidence, "\n", 2)[0], "2026-12-01 03:00:00 to 2026-12-01 03:03:48: 40 failures (peak 40 within 10m 00s), users root"},
		{sc.Message, "Scanner user agents: nikto (1 request), sqlmap (3 requests)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
}
