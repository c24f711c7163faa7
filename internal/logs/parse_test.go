package logs

import (
	"strings"
	"testing"
	"time"
)

var tzNY = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, -5*3600)
	}
	return loc
}

type parseCase struct {
	name string
	line string
	kind Kind
	want Entry
}

// at is a wall-clock time in tzNY, the zone the ParseLine cases read naive times in.
func at(s string) time.Time {
	tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, tzNY)
	if err != nil {
		panic(err)
	}
	return tm
}

// parseCases covers every shape, key alias and edge the upstream formats promise.
var parseCases = []parseCase{
	{"json upstream", `{"timestamp": "2025-01-13T02:14:07.123456", "level": "ERROR", "logger": "fossawork.api", "message": "Database locked", "module": "m", "line": 3, "exception": null}`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07.123456"), HasTime: true, Level: LevelError, Logger: "fossawork.api", Message: "Database locked", Shape: ShapeJSON}},
	{"json aliases", `{"time": "2025-01-13T07:14:07Z", "severity": "warn", "component": "auth", "msg": "m", "client_ip": "10.0.0.1", "username": "bob", "path": "/x", "method": "POST", "status": "401", "user_agent": "nikto", "duration_ms": 12.5}`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelWarning, Logger: "auth", Message: "m", ClientIP: "10.0.0.1", User: "bob", Path: "/x", Method: "POST", StatusCode: 401, UserAgent: "nikto", DurationMS: 12.5, Shape: ShapeJSON}},
	{"json more aliases", `{"@timestamp": "2025-01-13T08:14:07+01:00", "levelname": "FATAL", "name": "db", "message": "x", "ip": "1.2.3.4", "user": "u", "endpoint": "/e", "status_code": 500, "exception": "Trace\nback"}`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelCritical, Logger: "db", Message: "x", ClientIP: "1.2.3.4", User: "u", Path: "/e", StatusCode: 500, Exception: "Trace\nback", Shape: ShapeJSON}},
	{"json remote_addr numeric level", `{"timestamp": 1736752447, "level": 30, "message": "n", "remote_addr": "1.2.3.4:5"}`,
		KindEntry, Entry{Time: time.Unix(1736752447, 0).In(tzNY), HasTime: true, Level: LevelWarning, Message: "n", ClientIP: "1.2.3.4:5", Shape: ShapeJSON}},
	{"json request in message", `{"timestamp": "2025-01-13T02:14:07", "level": "INFO", "message": "GET /api/dispensers?work_order_id=a3 200 1035ms"}`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelInfo, Message: "GET /api/dispensers?work_order_id=a3 200 1035ms", Method: "GET", Path: "/api/dispensers?work_order_id=a3", StatusCode: 200, DurationMS: 1035, Shape: ShapeJSON}},
	{"json bad timestamp", `{"timestamp": "yesterday", "level": "NOTICE", "message": "m"}`,
		KindEntry, Entry{Level: LevelInfo, Message: "m", Shape: ShapeJSON}},
	{"json truncated", `{"timestamp": "2025-01-13T02:14:07", "level": "ERROR", "mess`, KindMalformed, Entry{Shape: ShapeJSON}},
	{"json trailing garbage", `{"a": 1} x`, KindMalformed, Entry{Shape: ShapeJSON}},
	{"pipe", `2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | Database locked while syncing`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelError, Logger: "fossawork.api", Message: "Database locked while syncing", Shape: ShapePipe}},
	{"pipe padded func, pipes in message", `2025-01-13 02:14:07 | WARNING  | fossawork            | sync           :104  | a | b |c`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelWarning, Logger: "fossawork", Message: "a | b |c", Shape: ShapePipe}},
	{"pipe short", `2025-01-13 02:14:07,5 | WARN | msg with spaces | more`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07.5"), HasTime: true, Level: LevelWarning, Message: "msg with spaces | more", Shape: ShapePipe}},
	{"pipe crlf", "2025-01-13 02:14:07 | INFO     | x | f:1 | hi\r\n",
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelInfo, Logger: "x", Message: "hi", Shape: ShapePipe}},
	{"plain comma millis", `2025-01-13 02:14:07,123 ERROR something broke`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07.123"), HasTime: true, Level: LevelError, Message: "something broke", Shape: ShapePlain}},
	{"plain basicConfig", `2025-01-13 02:14:07,123 - fossawork.api - CRITICAL - down`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07.123"), HasTime: true, Level: LevelCritical, Logger: "fossawork.api", Message: "down", Shape: ShapePlain}},
	{"plain bracketed", `[2025-01-13T02:14:07] [warning] disk`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelWarning, Message: "disk", Shape: ShapePlain}},
	{"plain no level", `2025-01-13T02:14:07.5-05:00 started`,
		KindEntry, Entry{Time: at("2025-01-13 02:14:07.5"), HasTime: true, Message: "started", Shape: ShapePlain}},
	{"uvicorn", `INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 200 OK`,
		KindEntry, Entry{Level: LevelInfo, Message: `127.0.0.1:5000 - "GET / HTTP/1.1" 200 OK`, Shape: ShapePlain}},
	{"python basic format", `ERROR:fossawork.api:boom`, KindEntry, Entry{Level: LevelError, Logger: "fossawork.api", Message: "boom", Shape: ShapePlain}},
	{"traceback header", `Traceback (most recent call last):`, KindContinuation, Entry{Message: "Traceback (most recent call last):", Shape: ShapePlain}},
	{"indented", `  File "x.py", line 1`, KindContinuation, Entry{Message: `  File "x.py", line 1`, Shape: ShapePlain}},
	{"exception line", `Error: not a level`, KindContinuation, Entry{Message: "Error: not a level", Shape: ShapePlain}},
	{"bad date is text", `2025-13-45 02:14:07 | ERROR | x`, KindContinuation, Entry{Message: "2025-13-45 02:14:07 | ERROR | x", Shape: ShapePlain}},
	{"json after BOM", "\uFEFF{\"message\": \"m\"}", KindEntry, Entry{Message: "m", Shape: ShapeJSON}},
	{"blank", "", KindBlank, Entry{}},
	{"whitespace", " \t\r\n", KindBlank, Entry{}},
	{"garbage", "\xff\xfe\x00\x80", KindMalformed, Entry{}},
	{"invalid utf8 in pipe", "2025-01-13 02:14:07 | INFO | x | f:1 | caf\xc3",
		KindEntry, Entry{Time: at("2025-01-13 02:14:07"), HasTime: true, Level: LevelInfo, Logger: "x", Message: "caf\uFFFD", Shape: ShapePipe}},
	{"invalid utf8 in json", "{\"message\": \"a\xffb\"}", KindEntry, Entry{Message: "a\uFFFDb", Shape: ShapeJSON}},
}

func TestParseLine(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			got, kind := ParseLine([]byte(tt.line), tzNY)
			if kind != tt.kind {
				t.Fatalf("kind = %v, want %v", kind, tt.kind)
			}
			if !got.Time.Equal(tt.want.Time) {
				t.Errorf("time = %v, want %v", got.Time, tt.want.Time)
			}
			got.Time, tt.want.Time = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		ok   bool
	}{
		{"DEBUG", LevelDebug, true}, {"trace", LevelDebug, true}, {"info", LevelInfo, true},
		{"Notice", LevelInfo, true}, {"WARNING", LevelWarning, true}, {"warn", LevelWarning, true},
		{"ERROR", LevelError, true}, {"err", LevelError, true}, {"CRITICAL", LevelCritical, true},
		{"FATAL", LevelCritical, true}, {" crit ", LevelCritical, true}, {"emerg", LevelCritical, true},
		{"verbose", LevelUnknown, false}, {"", LevelUnknown, false}, {strings.Repeat("E", 40), LevelUnknown, false},
	}
	for _, tt := range tests {
		got, ok := ParseLevel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if !(LevelDebug < LevelInfo && LevelInfo < LevelWarning && LevelWarning < LevelError && LevelError < LevelCritical) {
		t.Fatal("levels are not ordered")
	}
	var l Level
	if err := l.UnmarshalText([]byte("Warn")); err != nil || l != LevelWarning {
		t.Fatalf("UnmarshalText = %v, %v", l, err)
	}
	if b, _ := LevelCritical.MarshalText(); string(b) != "CRITICAL" {
		t.Fatalf("MarshalText = %s", b)
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		in   string
		want time.Time
		n    int
	}{
		{"2025-01-13T02:14:07", time.Date(2025, 1, 13, 2, 14, 7, 0, utc), 19},
		{"2025-01-13 02:14:07.123456", time.Date(2025, 1, 13, 2, 14, 7, 123456000, utc), 26},
		{"2025-01-13 02:14:07,123 rest", time.Date(2025, 1, 13, 2, 14, 7, 123000000, utc), 23},
		{"2025-01-13T02:14:07.1234567891Z", time.Date(2025, 1, 13, 2, 14, 7, 123456789, utc), 31},
		{"2025-01-13T02:14:07+0530", time.Date(2025, 1, 12, 20, 44, 7, 0, utc), 24},
		{"2025-01-13T02:14:07-05", time.Date(2025, 1, 13, 7, 14, 7, 0, utc), 22},
		{"2024-02-29T00:00:00", time.Date(2024, 2, 29, 0, 0, 0, 0, utc), 19},
	}
	for _, tt := range tests {
		got, n, ok := parseTimestamp([]byte(tt.in), utc, nil)
		if !ok || !got.Equal(tt.want) || n != tt.n {
			t.Errorf("parseTimestamp(%q) = %v, %d, %v; want %v, %d", tt.in, got, n, ok, tt.want, tt.n)
		}
	}
	for _, bad := range []string{"2025-02-29T00:00:00", "2025-01-13T24:00:00", "2025-1-13T02:14:07", "2025-01-13X02:14:07", "20250113T021407"} {
		if _, _, ok := parseTimestamp([]byte(bad), utc, nil); ok {
			t.Errorf("parseTimestamp(%q) accepted", bad)
		}
	}
}

func TestParseLineAllocs(t *testing.T) {
	line := []byte(`{"timestamp": "2025-01-13T02:14:07.123456", "level": "INFO", "logger": "fossawork.api", "message": "hello", "exception": null}`)
	p := newLineParser(time.UTC)
	allocs := testing.AllocsPerRun(100, func() {
		var e Entry
		p.parse(line, &e)
	})
	// One copy for the message; the logger is interned.
	if allocs > 1 {
		t.Fatalf("parse allocates %v times per JSON line", allocs)
	}
}
