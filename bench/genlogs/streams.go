package main

import (
	"fmt"
	"time"
)

// stream is one of the upstream per-day log files.
type stream struct {
	dir, prefix string
	// share of the total size.
	share float64
	gen   func(*gen, time.Time) entry
	// events are records at fixed times of the day (security events),
	// the same whatever the size.
	events func(seed uint64, day int, date time.Time) []entry
}

var streams = []stream{
	{"backend", "backend-general", 0.38, (*gen).generalEntry, nil},
	{"backend", "backend-api", 0.46, (*gen).apiEntry, securityEvents},
	{"errors", "backend-errors", 0.04, (*gen).errorEntry, nil},
	{"automation", "backend-automation", 0.12, (*gen).automationEntry, nil},
}

func (g *gen) intn(n int) int               { return g.rng.IntN(n) }
func (g *gen) between(lo, hi int) int       { return lo + g.rng.IntN(hi-lo+1) }
func (g *gen) pick(s []string) string       { return s[g.rng.IntN(len(s))] }
func (g *gen) float(lo, hi float64) float64 { return lo + g.rng.Float64()*(hi-lo) }

// id is the short hex id the backend prints for work orders and jobs.
func (g *gen) id() string {
	v := g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x", uint32(v), uint16(v>>32))
}

func (g *gen) uuid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a), uint16(a>>32), uint16(a>>48)&0xfff,
		uint16(b)&0x3fff|0x8000, b>>16&0xffffffffffff)
}

func (g *gen) tech() string { return fmt.Sprintf("tech%03d", g.between(1, 49)) }
func (g *gen) lan() string  { return fmt.Sprintf("10.0.%d.%d", g.between(0, 3), g.between(2, 250)) }

var tracebacks = []string{
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/services/workfossa.py\", line 212, in sync\n    await page.goto(url)\n  File \"/opt/fossawork/backend/venv/lib/python3.11/site-packages/playwright/async_api/_generated.py\", line 9312, in goto\n    return mapping.from_impl_nullable(await self._impl_obj.goto(url=url, timeout=timeout))\nplaywright._impl._errors.TimeoutError: Timeout 30000ms exceeded.",
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/routes/work_orders.py\", line 142, in get_work_orders\n    rows = db.query(WorkOrder).filter_by(user_id=user.id).all()\n  File \"/opt/fossawork/backend/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py\", line 1967, in _exec_single_context\n    self.dialect.do_execute(\nsqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/services/notifications.py\", line 88, in send_pushover\n    resp.raise_for_status()\nrequests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://api.pushover.net/1/messages.json",
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/services/schedule_detection.py\", line 57, in detect\n    visits = parse_table(html)\n  File \"/opt/fossawork/backend/app/services/schedule_detection.py\", line 131, in parse_table\n    count = int(cells[3].text)\nValueError: invalid literal for int() with base 10: 'N/A'",
}

// generalEntry is the application's own narrative: work orders, scrapes,
// logins, progress, and the odd error.
func (g *gen) generalEntry(t time.Time) entry {
	e := entry{t: t, level: "INFO", logger: g.pick([]string{"fossawork", "fossawork.scheduler", "fossawork.automation", "fossawork.auth"}),
		fn: g.pick([]string{"sync", "run_scheduled", "update_status", "on_startup", "login"}), line: g.between(20, 900)}
	switch k := g.intn(1000); {
	case k < 220:
		e.msg = fmt.Sprintf("Work order %s status changed to %s", g.id(), g.pick([]string{"completed", "in_progress", "pending", "cancelled"}))
	case k < 380:
		e.msg = fmt.Sprintf("Scheduled scrape started for %d stores", g.between(1, 90))
	case k < 460:
		e.msg = fmt.Sprintf("Scheduled scrape finished: %d work orders synced in %.1fs", g.between(0, 60), g.float(2, 90))
	case k < 560:
		e.logger, e.fn = "fossawork.auth", "login"
		e.msg = fmt.Sprintf("Login successful for user %s from %s", g.tech(), g.lan())
	case k < 760:
		e.level = "DEBUG"
		e.msg = fmt.Sprintf("Dispenser %d/%d automation progress %d%%", g.between(1, 8), g.between(2, 9), g.between(0, 100))
	case k < 860:
		e.level = "DEBUG"
		e.msg = fmt.Sprintf("Cache hit for key workorders:%s:page%d", g.tech(), g.between(1, 12))
	case k < 900:
		e.level = "WARNING"
		e.msg = fmt.Sprintf("Rate limit exceeded for %s on /api/work-orders", g.lan())
	case k < 960:
		e.level = "WARNING"
		e.msg = fmt.Sprintf("Slow response %d ms on GET /api/dispensers", g.between(2000, 9000))
	case k < 990:
		e.level = "ERROR"
		e.msg = fmt.Sprintf("Database locked while updating work order %s", g.id())
	case k < 999:
		e.level = "ERROR"
		e.msg = fmt.Sprintf("Unhandled exception in schedule detection job %d", g.between(100000, 999999999))
		e.exc = tracebacks[3]
	default:
		e.level = "CRITICAL"
		e.msg = "Scheduler stopped after repeated failures; restarting"
	}
	return e
}

var apiRoutes = []struct {
	method, path string
	status       int
	weight       int
}{
	{"GET", "/api/work-orders", 200, 180}, {"GET", "/api/work-orders/%s", 200, 120},
	{"GET", "/api/dispensers?work_order_id=%s", 200, 200}, {"GET", "/api/auth/validate", 200, 90},
	{"GET", "/api/auth/validate", 401, 25}, {"POST", "/api/automation/jobs", 201, 30},
	{"GET", "/api/filters/inventory", 200, 40}, {"GET", "/api/health", 200, 120},
	{"GET", "/api/work-orders/%s", 404, 15}, {"PUT", "/api/work-orders/%s", 200, 40},
	{"GET", "/api/settings", 200, 25}, {"POST", "/api/auth/login", 200, 20},
	{"GET", "/api/work-orders?page=2", 429, 8}, {"POST", "/api/work-orders/scrape", 500, 5},
	{"GET", "/api/dispensers?work_order_id=%s", 500, 2},
}

var apiWeightSum = func() int {
	n := 0
	for _, r := range apiRoutes {
		n += r.weight
	}
	return n
}()

var browsers = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
}

// ipKeys: producers disagree on the name of the client address.
var ipKeys = []string{"client_ip", "client_ip", "client_ip", "client_ip", "client_ip", "client_ip", "client_ip", "ip", "ip", "remote_addr"}

// request is an access-log record: the message is what the pipe shape
// shows, the fields what the JSON shape carries.
func request(t time.Time, level, method, path string, status int, ms float64, ipKey, ip, ua string) entry {
	return entry{t: t, level: level, logger: "fossawork.api", fn: "log_requests", line: 57,
		msg: fmt.Sprintf("%s %s %d %.0fms", method, path, status, ms),
		fields: []field{str("method", method), str("path", path), num("status_code", float64(status)),
			num("duration_ms", ms), str(ipKey, ip), str("user_agent", ua)}}
}

func (g *gen) apiEntry(t time.Time) entry {
	k := g.intn(apiWeightSum)
	r := apiRoutes[0]
	for _, r = range apiRoutes {
		if k < r.weight {
			break
		}
		k -= r.weight
	}
	path := r.path
	if len(path) > 2 && path[len(path)-2:] == "%s" {
		path = fmt.Sprintf(path, g.uuid())
	}
	ms := float64(g.between(4, 180))
	if g.intn(100) < 3 {
		ms = float64(g.between(1500, 9000))
	}
	level := "INFO"
	switch {
	case r.status >= 500:
		level = "ERROR"
	case r.status >= 400 && r.status != 401:
		level = "WARNING"
	}
	e := request(t, level, r.method, path, r.status, ms, g.pick(ipKeys), g.lan(), g.pick(browsers))
	if r.status >= 500 && g.intn(3) == 0 {
		e.exc = tracebacks[1]
	}
	return e
}

// errorEntry is the errors stream: ERROR records (a few CRITICAL) of many
// templates, a third with a traceback.
func (g *gen) errorEntry(t time.Time) entry {
	e := entry{t: t, level: "ERROR", logger: g.pick([]string{"fossawork.api", "fossawork.scheduler", "fossawork.errors", "fossawork"}),
		fn: g.pick([]string{"sync", "get_work_orders", "send_pushover", "run_job", "detect"}), line: g.between(20, 900)}
	switch k := g.intn(1000); {
	case k < 150:
		e.msg = fmt.Sprintf("Connection refused to WorkFossa API at https://app.workfossa.com/api/v1/visits/%d", g.between(100000, 999999))
	case k < 280:
		e.msg = fmt.Sprintf("Slow query detected: %d ms for SELECT on work_orders (user %s)", g.between(3000, 12000), g.tech())
	case k < 380:
		e.msg = fmt.Sprintf("Pushover notification failed with HTTP %d for user %s", 500+g.between(0, 4), g.tech())
		e.exc = tracebacks[2]
	case k < 480:
		e.msg = fmt.Sprintf("Filter inventory mismatch for store #%d: expected %d got %d", g.between(1000, 9999), g.between(0, 99), g.between(0, 99))
	case k < 640:
		e.msg = fmt.Sprintf("Database locked while updating work order %s", g.id())
	case k < 780:
		e.msg = fmt.Sprintf("Automation failed for dispenser %d/%d on work order %s: form field meter_type not found", g.between(1, 8), g.between(2, 9), g.id())
	case k < 860:
		e.msg = fmt.Sprintf("Failed to sync work order %s: %d %s", g.id(), g.pick503(), "Service Unavailable")
	case k < 920:
		e.msg = fmt.Sprintf("Memory error while parsing dispenser table for visit %d", g.between(100000, 999999))
	case k < 960:
		e.msg = fmt.Sprintf("Token refresh failed for user %s: session expired at %s", g.tech(), t.Add(-time.Duration(g.between(60, 7200))*time.Second).Format(time.TimeOnly))
	case k < 995:
		e.msg = fmt.Sprintf("Unhandled exception in schedule detection job %d", g.between(100000, 999999999))
		e.exc = tracebacks[3]
	default:
		e.level = "CRITICAL"
		e.msg = fmt.Sprintf("Scheduler stopped after %d repeated failures; restarting", g.between(3, 9))
	}
	if e.exc == "" && g.intn(4) == 0 {
		e.exc = tracebacks[g.intn(2)]
	}
	return e
}

func (g *gen) pick503() int { return []int{502, 503, 504}[g.intn(3)] }

// automationEntry is the browser automation's log; 3 % of its records come
// from a producer with the other key names.
func (g *gen) automationEntry(t time.Time) entry {
	e := entry{t: t, level: "INFO", logger: "fossawork.automation", fn: g.pick([]string{"run_job", "fill_form", "open_browser"}), line: g.between(20, 600)}
	if g.intn(100) < 3 {
		e.alt, e.logger = true, "playwright"
		switch k := g.intn(100); {
		case k < 80:
			e.msg = fmt.Sprintf("navigated to https://app.workfossa.com/app/work/%d", g.between(100000, 999999))
		case k < 95:
			e.level, e.msg = "WARNING", fmt.Sprintf("selector #meter-type not visible after %d ms", g.between(1000, 5000))
		default:
			e.level, e.msg = "ERROR", fmt.Sprintf("browser context crashed (pid %d)", g.between(1000, 65000))
		}
		return e
	}
	switch k := g.intn(100); {
	case k < 35:
		e.msg = fmt.Sprintf("Automation job %s started for %d dispensers", g.id(), g.between(2, 8))
	case k < 70:
		e.msg = fmt.Sprintf("Automation job %s completed in %ds", g.id(), g.between(30, 900))
	case k < 82:
		e.level = "DEBUG"
		e.msg = fmt.Sprintf("Browser session %s opened (chromium, headless)", g.id())
	case k < 94:
		e.level = "WARNING"
		e.msg = fmt.Sprintf("Retrying form submit for dispenser %d/%d (attempt %d)", g.between(1, 8), g.between(2, 9), g.between(2, 3))
	default:
		e.level = "ERROR"
		e.msg = fmt.Sprintf("Automation failed for work order %s: TimeoutError", g.id())
		e.exc = tracebacks[0]
	}
	return e
}
