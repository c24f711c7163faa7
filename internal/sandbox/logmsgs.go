package sandbox

import (
	"fmt"
	"time"
)

// Message generators for the four upstream log streams. Each returns one
// entry at time t; the mix of levels is what a week of FossaWork looks like.

var tracebacks = []string{
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/services/workfossa.py\", line 212, in sync\n    await page.goto(url)\nTimeoutError: Timeout 30000ms exceeded.",
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/routes/work_orders.py\", line 142, in get_work_orders\n    rows = db.query(WorkOrder).filter_by(user_id=user.id).all()\n  File \"/opt/fossawork/backend/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py\", line 1967, in _exec_single_context\n    self.dialect.do_execute(\nsqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
	"Traceback (most recent call last):\n  File \"/opt/fossawork/backend/app/services/notifications.py\", line 88, in send_pushover\n    resp.raise_for_status()\nrequests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://api.pushover.net/1/messages.json",
}

func (f *faker) shortID() string { return f.uuid4()[:13] }

func (f *faker) generalEntry(t time.Time) LogRecord {
	e := LogRecord{T: t, Level: "INFO", Logger: f.pick([]string{"fossawork", "fossawork.scheduler", "fossawork.automation"}),
		Func: f.pick([]string{"sync", "run_scheduled", "update_status", "on_startup"}), Line: f.between(20, 900)}
	switch k := f.intn(100); {
	case k < 25:
		e.Msg = fmt.Sprintf("Work order %s status changed to %s", f.shortID(), f.pick([]string{"completed", "in_progress", "pending"}))
	case k < 42:
		e.Msg = fmt.Sprintf("Scheduled scrape started for %d stores", f.between(1, 90))
	case k < 55:
		e.Msg = fmt.Sprintf("User tech%03d logged in from 10.0.0.%d", f.between(1, 49), f.between(2, 250))
	case k < 75:
		e.Level = "DEBUG"
		e.Msg = fmt.Sprintf("Dispenser %d/%d automation progress %d%%", f.between(1, 8), f.between(2, 9), f.between(0, 100))
	case k < 83:
		e.Msg = fmt.Sprintf("Scheduled scrape finished: %d work orders synced in %.1fs", f.between(0, 60), f.float(2, 90))
	case k < 90:
		e.Level = "WARNING"
		e.Msg = fmt.Sprintf("Rate limit exceeded for 10.0.0.%d on /api/work-orders", f.between(2, 250))
	case k < 97:
		e.Level = "WARNING"
		e.Msg = fmt.Sprintf("Slow response %d ms on GET /api/dispensers", f.between(2000, 9000))
	default:
		e.Level = "ERROR"
		e.Msg = fmt.Sprintf("Database locked while updating work order %s", f.shortID())
	}
	return e
}

var apiPaths = []struct {
	method, path string
	status       int
}{
	{"GET", "/api/work-orders", 200}, {"GET", "/api/work-orders", 200}, {"GET", "/api/work-orders/%s", 200},
	{"GET", "/api/dispensers?work_order_id=%s", 200}, {"GET", "/api/dispensers?work_order_id=%s", 200},
	{"GET", "/api/auth/validate", 200}, {"POST", "/api/automation/jobs", 201}, {"GET", "/api/filters/inventory", 200},
	{"GET", "/api/health", 200}, {"GET", "/api/work-orders/%s", 404}, {"PUT", "/api/work-orders/%s", 200},
	{"GET", "/api/auth/validate", 401}, {"GET", "/api/settings", 200}, {"POST", "/api/work-orders/scrape", 500},
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
}

// requestEntry is an access-log record: the message is what the pipe shape
// shows, the fields what the JSON shape carries.
func requestEntry(t time.Time, level, method, path string, status int, ms float64, ip, ua string) LogRecord {
	return LogRecord{T: t, Level: level, Logger: "fossawork.api", Func: "log_requests", Line: 57,
		Msg: fmt.Sprintf("%s %s %d %.0fms", method, path, status, ms),
		Fields: []LogField{{"method", method}, {"path", path}, {"status_code", status},
			{"duration_ms", ms}, {"client_ip", ip}, {"user_agent", ua}}}
}

func (f *faker) apiEntry(t time.Time) LogRecord {
	p := apiPaths[f.intn(len(apiPaths))]
	path := p.path
	if len(path) > 2 && path[len(path)-2:] == "%s" {
		path = fmt.Sprintf(path, f.uuid4())
	}
	ms := float64(f.between(4, 180))
	if f.chance(0.03) {
		ms = float64(f.between(1500, 9000))
	}
	level := "INFO"
	if p.status >= 500 {
		level = "ERROR"
	} else if p.status >= 400 {
		level = "WARNING"
	}
	return requestEntry(t, level, p.method, path, p.status, ms, fmt.Sprintf("10.0.0.%d", f.between(2, 250)), f.pick(userAgents))
}

// authFailure is the upstream "Authentication failed" record; the pipe shape
// has only the message, so the address is in it too.
func authFailure(t time.Time, user, ip, ua string) LogRecord {
	e := requestEntry(t, "WARNING", "POST", "/api/auth/login", 401, 3, ip, ua)
	e.Logger, e.Func, e.Line = "fossawork.auth", "login", 88
	e.Msg = fmt.Sprintf("Authentication failed: invalid credentials for user %s from %s", user, ip)
	e.Fields = append(e.Fields, LogField{"username", user})
	return e
}

func (f *faker) errorEntry(t time.Time) LogRecord {
	e := LogRecord{T: t, Level: "ERROR", Logger: f.pick([]string{"fossawork.api", "fossawork.scheduler", "fossawork.errors"}),
		Func: f.pick([]string{"sync", "get_work_orders", "send_pushover", "run_job"}), Line: f.between(20, 900)}
	switch k := f.intn(100); {
	case k < 20:
		e.Msg = fmt.Sprintf("Connection refused to WorkFossa API at https://app.workfossa.com/api/v1/visits/%d", f.between(100000, 999999))
	case k < 38:
		e.Msg = fmt.Sprintf("Slow query detected: %d ms for SELECT on work_orders (user tech%03d)", f.between(3000, 12000), f.between(1, 49))
	case k < 52:
		e.Msg = fmt.Sprintf("Pushover notification failed with HTTP %d for user tech%03d", 500+f.between(0, 4), f.between(1, 49))
	case k < 66:
		e.Msg = fmt.Sprintf("Filter inventory mismatch for store #%s: expected %d got %d", f.storeNumber(), f.between(0, 99), f.between(0, 99))
	case k < 84:
		e.Msg = fmt.Sprintf("Database locked while updating work order %s", f.shortID())
	case k < 98:
		e.Msg = fmt.Sprintf("Automation failed for dispenser %d/%d on work order %s: form field meter_type not found", f.between(1, 8), f.between(2, 9), f.shortID())
	default:
		e.Level = "CRITICAL"
		e.Msg = "Scheduler stopped after repeated failures; restarting"
	}
	if f.chance(0.3) {
		e.Exc = f.pick(tracebacks)
	}
	return e
}

func (f *faker) automationEntry(t time.Time) LogRecord {
	e := LogRecord{T: t, Level: "INFO", Logger: "fossawork.automation", Func: f.pick([]string{"run_job", "fill_form", "open_browser"}), Line: f.between(20, 600)}
	switch k := f.intn(100); {
	case k < 35:
		e.Msg = fmt.Sprintf("Automation job %s started for %d dispensers", f.shortID(), f.between(2, 8))
	case k < 70:
		e.Msg = fmt.Sprintf("Automation job %s completed in %ds", f.shortID(), f.between(30, 900))
	case k < 80:
		e.Level = "DEBUG"
		e.Msg = fmt.Sprintf("Browser session %s opened (chromium, headless)", f.shortID())
	case k < 90:
		e.Level = "WARNING"
		e.Msg = fmt.Sprintf("Retrying form submit for dispenser %d/%d (attempt %d)", f.between(1, 8), f.between(2, 9), f.between(2, 3))
	default:
		e.Level = "ERROR"
		e.Msg = fmt.Sprintf("Automation failed for work order %s: TimeoutError", f.shortID())
		e.Exc = tracebacks[0]
	}
	return e
}
