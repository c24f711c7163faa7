package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// LogDays is how many days of logs Generate writes, today included.
const LogDays = 100

// Documentation (TEST-NET) addresses that play the attackers. They are only
// written into log lines; nothing ever connects to them.
var attackAddrs = []string{"203.0.113.7", "198.51.100.23"}

// stream is one of the upstream per-day log files.
type stream struct {
	dir, prefix string
	perDay      int
	gen         func(*faker, time.Time) LogRecord
}

func streams(scale int) []stream {
	return []stream{
		{"backend", "backend-general", 40 * scale, (*faker).generalEntry},
		{"backend", "backend-api", 50 * scale, (*faker).apiEntry},
		{"errors", "backend-errors", 22 * scale, (*faker).errorEntry},
		{"automation", "backend-automation", 15 * scale, (*faker).automationEntry},
	}
}

// logStats are counted while writing.
type logStats struct {
	Files int
	Bytes int64
}

// writeLogs writes LogDays days of the four streams under logDir, each file
// with its own day's mtime, plus the planted security events.
func writeLogs(ctx context.Context, logDir string, now time.Time, scale int, f *faker) (logStats, error) {
	var st logStats
	for _, d := range []string{"backend", "errors", "automation", "performance", "sessions", "reports"} {
		if err := os.MkdirAll(filepath.Join(logDir, d), 0o755); err != nil {
			return st, fmt.Errorf("creating log dir: %w", err)
		}
	}
	today := startOfDay(now)
	for ago := LogDays - 1; ago >= 0; ago-- {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		day := today.AddDate(0, 0, -ago)
		end := day.AddDate(0, 0, 1).Add(-time.Second)
		if ago == 0 {
			end = now
		}
		for _, s := range streams(scale) {
			path := filepath.Join(logDir, s.dir, fmt.Sprintf("%s-%s.jsonl", s.prefix, day.Format("2006-01-02")))
			entries := dayEntries(f, s, day, end, ago)
			data := renderDay(f, s, entries, ago)
			if err := writeFileTimes(path, data, 0o600, end); err != nil {
				return st, err
			}
			st.Files++
			st.Bytes += int64(len(data))
		}
	}
	return st, nil
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// dayEntries draws the stream's records for one day in time order.
func dayEntries(f *faker, s stream, day, end time.Time, ago int) []LogRecord {
	span := end.Sub(day)
	n := int(float64(s.perDay) * span.Hours() / 24)
	n = max(0, n+f.between(-n/5, n/5))
	out := make([]LogRecord, 0, n+64)
	for range n {
		out = append(out, s.gen(f, f.within(day, span)))
	}
	if s.prefix == "backend-api" {
		out = append(out, securityEvents(f, day, span, ago)...)
	}
	slices.SortStableFunc(out, func(a, b LogRecord) int { return a.T.Compare(b.T) })
	return out
}

// securityEvents plants what the security review must find: a trickle of
// failed logins from the LAN every day, a brute-force burst two days ago
// (and an older one), and scanner requests with attack signatures.
func securityEvents(f *faker, day time.Time, span time.Duration, ago int) []LogRecord {
	var out []LogRecord
	users := []string{"admin", "root", "administrator", "test", "tech001", "fossawork"}
	for range f.between(1, 4) {
		out = append(out, authFailure(f.within(day, span), fmt.Sprintf("tech%03d", f.between(1, 49)),
			fmt.Sprintf("10.0.0.%d", f.between(2, 250)), f.pick(userAgents)))
	}
	burst := map[int]int{2: 40, 30: 25}[ago]
	at := day.Add(3 * time.Hour)
	for i := 0; i < burst && at.Before(day.Add(span)); i++ {
		out = append(out, authFailure(at, users[i%len(users)], attackAddrs[0], "python-requests/2.31.0"))
		at = at.Add(time.Duration(f.between(2, 9)) * time.Second)
	}
	if ago == 5 || ago == 40 {
		scans := []struct{ path, ua string }{
			{"/api/work-orders?id=1%27%20OR%20%271%27%3D%271", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
			{"/api/work-orders?id=1 UNION SELECT username,hashed_password FROM users--", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
			{"/api/files?path=../../../../etc/passwd", "Mozilla/5.00 (Nikto/2.5.0)"},
			{"/api/search?q=<script>alert(document.cookie)</script>", "Mozilla/5.00 (Nikto/2.5.0)"},
		}
		t := day.Add(4*time.Hour + 17*time.Minute)
		for _, s := range scans {
			if t.Before(day.Add(span)) {
				out = append(out, requestEntry(t, "WARNING", "GET", s.path, 400, 2, attackAddrs[1], s.ua))
			}
			t = t.Add(3 * time.Second)
		}
	}
	return out
}

// renderDay writes entries in both upstream shapes and damages a few files
// the way real ones are damaged (truncated last line, a line cut mid-write,
// invalid UTF-8, blank lines).
func renderDay(f *faker, s stream, entries []LogRecord, ago int) []byte {
	b := make([]byte, 0, len(entries)*320)
	for i, e := range entries {
		if f.chance(0.65) {
			b = AppendJSONLine(b, e)
		} else {
			b = AppendPipeLine(b, e)
		}
		if i != len(entries)/2 {
			continue
		}
		switch {
		case s.prefix == "backend-general" && ago%17 == 2:
			b = append(b, `{"timestamp": "`+e.T.Format("2006-01-02T15:04:05")+`", "level": "INFO", "logger": "fossa`+"\n"...)
		case s.prefix == "backend-api" && ago%29 == 7:
			b = append(b, "\xff\xfe\x00garbled \xc3\x28 line\n"...)
		case s.prefix == "backend-automation" && ago%11 == 1:
			b = append(b, "\n\n"...)
		}
	}
	if s.prefix == "backend-errors" && ago%13 == 4 && len(b) > 0 {
		// A crash mid-write: the last line stops halfway, without newline.
		last := lastLineStart(b[:len(b)-1])
		b = b[:last+(len(b)-last)/2]
	}
	return b
}

func lastLineStart(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

// writeFileTimes writes data with mode perm and sets its mtime to mtime.
func writeFileTimes(path string, data []byte, perm os.FileMode, mtime time.Time) error {
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		return fmt.Errorf("setting mtime of %s: %w", path, err)
	}
	return nil
}
