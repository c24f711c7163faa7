package logs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/lines"
)

// logTree is a small FossaWork-shaped log tree written into a temp dir.
var logTree = map[string]string{
	"backend/backend-general-2025-01-13.jsonl": `2025-01-13 10:00:00 | ERROR    | fossawork | f:1 | Old error 1
2025-01-13 23:59:59 | INFO     | fossawork | f:1 | late
2025-01-14 00:00:05 | ERROR    | fossawork | f:1 | Database locked while updating work order aaaa1111-2222
`,
	"backend/backend-api-2025-01-14.jsonl.gz": `{"timestamp":"2025-01-14T01:00:00","level":"WARNING","message":"Authentication failed: invalid credentials for user admin","ip":"203.0.113.7"}
2025-01-14 01:00:01 | WARNING | fossawork.api | f:1 | Login failed for root from 203.0.113.7: bad password
2025-01-14 01:00:02 | WARNING | fossawork.api | f:1 | login FAILED for bob from 198.51.100.23

{"timestamp":"2025-01-14T01:00:03","level":"INFO","message":"GET /api/health 200 3ms"}
{"timestamp":"2025-01-15T00:00:00","level":"ERROR","message":"tomorrow, outside"}
`,
	"errors/backend-errors-2025-01-14.jsonl": `2025-01-14 02:00:00 | ERROR | fossawork | f:1 | Database locked while updating work order bbbb3333-4444
Traceback (most recent call last):
  File "x.py", line 1
2025-01-14 03:00:00 | CRITICAL | fossawork | f:1 | Disk full on /dev/sda1
{"timestamp": "2025-01-14T04:00:00", "level": "ERROR", "mess
2025-01-14 05:00:00 | ERROR | fossawork | f:1 | Database locked while updating work order cccc5555-6666
`,
	"errors/backend-errors-2025-01-10.jsonl":            "2025-01-14 06:00:00 | ERROR | x | f:1 | in a file named for the 10th\n",
	"automation/backend-automation-2025-01-14.jsonl.gz": "not gzip at all",
	"performance/performance-metrics.jsonl":             `{"timestamp": "2025-01-14T01:00:00", "system": {}}` + "\n",
	"reports/weekly-2025-01-14.jsonl":                   "2025-01-14 01:00:00 ERROR not a log\n",
	"sessions/session.json":                             "{}",
	"backend/app.log":                                   "INFO: untimed line\n",
	"notes.txt":                                         "hello\n",
}

func writeTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "logs")
	// File mtimes must not matter: make them all absurd.
	mtime := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	for rel, body := range logTree {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(rel, ".gz") && strings.HasPrefix(body, "{") {
			writeGzip(t, p, []byte(body))
		} else if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestSummarizeWindow(t *testing.T) {
	root := writeTree(t)
	files, err := Discover(context.Background(), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 1, 14, 0, 0, 0, 0, time.UTC)
	s, err := Summarize(context.Background(), files, SummaryOptions{From: from, To: from.Add(24 * time.Hour), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"files read", s.FilesRead, 4}, // undated app.log, general-13, api-14, errors-14 (automation fails to open)
		{"files skipped by name", s.FilesSkipped, 1},
		{"in window", s.InWindow, 8},
		{"untimed", s.Untimed, 1},
		{"errors", s.Errors, 4},
		{"errors by stream", s.ErrorsByStream["backend-errors"], 3},
		{"entry in file named for the 13th counts", s.ErrorsByStream["backend-general"], 1},
		{"by stream api", s.ByStream["backend-api"], 4},
		{"warnings", s.ByLevel[LevelWarning], 3},
		{"critical", s.ByLevel[LevelCritical], 1},
		{"first error", s.FirstError, time.Date(2025, 1, 14, 0, 0, 5, 0, time.UTC)},
		{"last error", s.LastError, time.Date(2025, 1, 14, 5, 0, 0, 0, time.UTC)},
		{"top pattern", s.TopMessages[0].Pattern, "Database locked while updating work order <*>"},
		{"top count", s.TopMessages[0].Count, 3},
		{"top example", s.TopMessages[0].Example, "Database locked while updating work order aaaa1111-2222"},
		{"patterns", s.DistinctMessages, 2},
		{"auth failures", s.AuthFailures, 3},
		{"auth by ip", s.AuthFailuresByIP, []IPCount{{"203.0.113.7", 2}, {"198.51.100.23", 1}}},
		{"malformed", s.MalformedLines, 1},
		{"malformed evidence", s.Malformed, []MalformedFile{{Path: filepath.Join(root, "errors/backend-errors-2025-01-14.jsonl"), Count: 1, Lines: []int{5}}}},
		{"file errors", len(s.FileErrors), 1},
		{"blank", s.Blank, 1},
		{"continuations", s.Continuations, 2},
	}
	for _, c := range checks {
		if !equalAny(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if fe := s.FileErrors; len(fe) == 1 && !strings.Contains(fe[0].Err.Error(), "backend-automation-2025-01-14.jsonl.gz") {
		t.Errorf("file error does not name the file: %v", fe[0].Err)
	}
	if s.Lines != s.Entries+s.Continuations+s.Blank+s.MalformedLines {
		t.Errorf("lines do not add up: %+v", s)
	}
}

func equalAny(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		return x.Equal(b.(time.Time))
	case []IPCount:
		y := b.([]IPCount)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case []MalformedFile:
		y := b.([]MalformedFile)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].Path != y[i].Path || x[i].Count != y[i].Count || !equalInts(x[i].Lines, y[i].Lines) {
				return false
			}
		}
		return true
	}
	return a == b
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSummarizeOpenWindowAndMinLevel(t *testing.T) {
	root := writeTree(t)
	files, _ := Discover(context.Background(), root, nil)
	s, err := Summarize(context.Background(), files, SummaryOptions{Location: time.UTC, MinLevel: LevelWarning, TopN: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Unbounded: every entry counts, the file named for the 10th too, and the untimed one.
	if s.FilesSkipped != 0 || s.InWindow != s.Entries || s.Untimed != 0 || s.Errors != 7 {
		t.Fatalf("unbounded summary: skipped %d, in window %d of %d, untimed %d, errors %d", s.FilesSkipped, s.InWindow, s.Entries, s.Untimed, s.Errors)
	}
	if len(s.TopMessages) != 1 || s.DistinctMessages < 5 {
		t.Fatalf("TopN/MinLevel not applied: %d top, %d distinct", len(s.TopMessages), s.DistinctMessages)
	}
}

func TestSummarizeCancelled(t *testing.T) {
	root := writeTree(t)
	files, _ := Discover(context.Background(), root, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Summarize(ctx, files, SummaryOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Summarize(cancelled) = %v", err)
	}
}

func TestNameOverlaps(t *testing.T) {
	day := func(d int) File { return File{Day: time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)} }
	from := time.Date(2025, 1, 14, 0, 0, 0, 0, time.UTC)
	opts := SummaryOptions{From: from, To: from.Add(24 * time.Hour), Location: time.UTC}
	for d, want := range map[int]bool{11: false, 12: false, 13: true, 14: true, 15: true, 16: false} {
		if got := nameOverlaps(day(d), opts); got != want {
			t.Errorf("day %d: overlaps = %v, want %v", d, got, want)
		}
	}
	if !nameOverlaps(File{}, opts) {
		t.Error("undated file skipped")
	}
}

func TestNormalizeMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Database locked while updating work order eca06060-6516", "Database locked while updating work order <*>"},
		{"Pushover notification failed with HTTP 502 for user tech052", "Pushover notification failed with HTTP <*> for user tech<*>"},
		{"Filter inventory mismatch for store #2434: expected 29 got 76", "Filter inventory mismatch for store #<*>: expected <*> got <*>"},
		{"Automation failed for dispenser 8/6 on work order 0c03bce6-6e28: form field fuel_grade_1 not found", "Automation failed for dispenser <*>/<*> on work order <*>: form field fuel_grade_1 not found"},
		{"Login failed for root from 203.0.113.7: bad password", "Login failed for root from <*>: bad password"},
		{"peer 2001:db8::1 reset", "peer <*> reset"},
		{"id 123e4567-e89b-12d3-a456-426614174000 at 2025-01-13 02:14:07.5", "id <*> at <*> <*>"},
		{"sqlite3.OperationalError: database is locked (attempt 49 of 5)", "sqlite3.OperationalError: database is locked (attempt <*> of <*>)"},
		{"Timeout 30000ms exceeded, face cafe", "Timeout <*>ms exceeded, face cafe"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeMessage(tt.in); got != tt.want {
			t.Errorf("NormalizeMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := NormalizeMessage(strings.Repeat("é", 1000)); len(got) > maxPatternBytes {
		t.Errorf("pattern not bounded: %d bytes", len(got))
	}
}

func TestAuthFailureAndIP(t *testing.T) {
	tests := []struct {
		e    Entry
		auth bool
		ip   string
	}{
		{Entry{Message: "Authentication failed: bad token", ClientIP: "10.0.0.5:4431"}, true, "10.0.0.5"},
		{Entry{Message: "LOGIN FAILED for x from [::1]:80"}, true, "::1"},
		{Entry{Message: "Invalid Credentials supplied by 198.51.100.2."}, true, "198.51.100.2"},
		{Entry{Message: "User tech092 logged in from 10.0.0.18"}, false, "10.0.0.18"},
		{Entry{Message: "authentication succeeded"}, false, ""},
	}
	for _, tt := range tests {
		if got := IsAuthFailure(tt.e.Message); got != tt.auth {
			t.Errorf("IsAuthFailure(%q) = %v", tt.e.Message, got)
		}
		if got := clientIP(&tt.e); got != tt.ip {
			t.Errorf("clientIP(%q) = %q, want %q", tt.e.Message, got, tt.ip)
		}
	}
}

// countdownCtx is a context whose Err turns to Canceled after n calls, so a
// test can cancel in the middle of a file without racing a timer.
type countdownCtx struct {
	context.Context
	n int
}

func (c *countdownCtx) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestSummarizeCancelledMidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "backend-general-2025-01-13.jsonl")
	writeMixedLog(t, path, 2<<20)
	files := []File{{Path: path, Stream: "backend-general"}}
	// One check before the file, then one per 64 KiB read.
	s, err := Summarize(&countdownCtx{Context: context.Background(), n: 4}, files, SummaryOptions{Location: time.UTC})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if s.BytesRead == 0 || s.BytesRead > 4*lines.BufferSize {
		t.Fatalf("read %d bytes before stopping; want some, at most %d", s.BytesRead, 4*lines.BufferSize)
	}
}

func TestMalformedLinesText(t *testing.T) {
	for _, tc := range []struct {
		m    MalformedFile
		want string
	}{
		{MalformedFile{Count: 1, Lines: []int{29}}, "line 29"},
		{MalformedFile{Count: 2, Lines: []int{29, 31}}, "lines 29 and 31"},
		{MalformedFile{Count: 3, Lines: []int{29, 31, 40}}, "lines 29, 31 and 40"},
		{MalformedFile{Count: 10, Lines: []int{29, 31, 40}}, "lines 29, 31, 40 and 7 more"},
		{MalformedFile{Count: 5, Lines: []int{29}}, "lines 29 and 4 more"},
		{MalformedFile{Count: 1}, "1 line"},
		{MalformedFile{Count: 7}, "7 lines"},
	} {
		if got := tc.m.LinesText(); got != tc.want {
			t.Errorf("LinesText(%+v) = %q, want %q", tc.m, got, tc.want)
		}
	}
}
