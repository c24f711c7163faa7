package analysis

import (
	"bytes"
	"io/fs"
	"strings"

	"context"
	"encoding/json"
	"github.com/klauspost/compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/logs"
)

func analyzeFixture(t *testing.T, prev *Analysis) *Analysis {
	t.Helper()
	files, err := logs.Discover(context.Background(), "testdata/logs", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(context.Background(), files, Options{
		From: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
		Location: time.UTC, Threshold: 4, Workers: 2, Previous: prev,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAnalyze(t *testing.T) {
	a := analyzeFixture(t, nil)
	// 6 errors on the 27th (the truncated JSON line is malformed, the 20th
	// is outside the window), in both line shapes.
	if a.ErrorsTotal != 5 {
		t.Errorf("errors_total %d, want 5", a.ErrorsTotal)
	}
	if a.MalformedLines != 1 || a.FilesRead != 2 {
		t.Errorf("malformed %d files %d", a.MalformedLines, a.FilesRead)
	}
	if a.ByLevel["CRITICAL"] != 1 || a.ByLevel["WARNING"] != 1 || a.ByLevel["INFO"] != 2 {
		t.Errorf("by level %v", a.ByLevel)
	}
	if a.ByHour[1] != 2 || a.ByDay["2026-11-27"] != 8 {
		t.Errorf("by hour %v by day %v", a.ByHour, a.ByDay)
	}
	if !a.Investigate {
		t.Error("5 errors > threshold 4 should call for an investigation")
	}
	want := map[string]struct {
		count    int
		level    string
		category string
	}{
		"Database locked while updating work order <*>": {3, "CRITICAL", "database"},
		"Connection refused to WorkFossa API at <*>":    {2, "ERROR", "automation"},
	}
	got := map[string]Pattern{}
	for _, p := range a.Patterns {
		got[p.Template] = p
	}
	for tmpl, w := range want {
		p, ok := got[tmpl]
		if !ok {
			t.Errorf("pattern %q missing; have %v", tmpl, a.Patterns)
			continue
		}
		if p.Count != w.count || p.Level != w.level || p.Category != w.category {
			t.Errorf("%q: count %d level %s category %s; want %+v", tmpl, p.Count, p.Level, p.Category, w)
		}
	}
	db := got["Database locked while updating work order <*>"]
	if len(db.Loggers) != 2 || !db.FirstSeen.Equal(time.Date(2026, 11, 27, 1, 0, 0, 100000000, time.UTC)) {
		t.Errorf("loggers %v first %s", db.Loggers, db.FirstSeen)
	}
	if len(a.NewPatterns) != 0 {
		t.Error("without a previous analysis nothing is new")
	}
}

func TestNewPatternsAndStore(t *testing.T) {
	dir := t.TempDir()
	first := analyzeFixture(t, nil)
	first.Patterns = first.Patterns[:1] // last week knew only the top pattern
	day := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	if _, err := Write(dir, first, day); err != nil {
		t.Fatal(err)
	}
	prev, err := Previous(dir, day.AddDate(0, 0, 7))
	if err != nil || prev == nil {
		t.Fatalf("previous: %v %v", prev, err)
	}
	if p, _ := Previous(dir, day); p != nil {
		t.Error("an analysis of the same day is not the previous one")
	}
	a := analyzeFixture(t, prev)
	if len(a.NewPatterns) != len(a.Patterns)-1 {
		t.Errorf("new patterns %d of %d", len(a.NewPatterns), len(a.Patterns))
	}
	if err := os.WriteFile(filepath.Join(dir, FileName(day.AddDate(0, 0, 1))), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Previous(dir, day.AddDate(0, 0, 7)); err == nil {
		t.Error("a damaged previous analysis must be reported")
	}
	b, _ := json.Marshal(a)
	var back Analysis
	if err := json.Unmarshal(b, &back); err != nil || back.ErrorsTotal != a.ErrorsTotal {
		t.Fatalf("round trip: %v", err)
	}
}

func TestCategory(t *testing.T) {
	for tmpl, want := range map[string]string{
		"Database locked while updating work order <*>": "database",
		"Authentication failed for user <*>":            "authentication",
		"Slow query detected: <*> ms":                   "database",
		"Request took <*> ms":                           "performance",
		"Automation failed for dispenser <*>":           "automation",
		"Possible SQL injection attempt from <*>":       "security",
		"Something odd happened":                        "uncategorized",
	} {
		if got := Category(tmpl); got != want {
			t.Errorf("Category(%q) = %s, want %s", tmpl, got, want)
		}
	}
}

func TestSharedSample(t *testing.T) {
	dir := "../../../../shared/testdata/fossawork-logs/logs"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("shared sample not present")
	}
	files, err := logs.Discover(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(context.Background(), files, Options{Location: time.UTC, Threshold: 100})
	if err != nil {
		t.Fatal(err)
	}
	if a.ErrorsTotal != 89 || a.MalformedLines != 2 {
		t.Errorf("errors %d malformed %d; truth.json says 89 and 2", a.ErrorsTotal, a.MalformedLines)
	}
	if len(a.Patterns) == 0 || len(a.Patterns) > 40 {
		t.Errorf("%d patterns for 89 errors: grouping is not working", len(a.Patterns))
	}
}

// TestAnalyzeReportsUnreadable: a truncated .gz, a .gz that is not gzip and
// a directory discovery could not list are each in FileErrors once, with
// their path and reason, in path order; the readable file is analysed.
func TestAnalyzeReportsUnreadable(t *testing.T) {
	dir := t.TempDir()
	line := `{"timestamp": "2026-11-27T10:00:00", "level": "ERROR", "message": "Database locked while updating work order 7"}` + "\n"
	good := filepath.Join(dir, "backend-api-2026-11-27.jsonl")
	if err := os.WriteFile(good, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	gz := gzipped(t, bytes.Repeat([]byte(line), 100))
	truncated := filepath.Join(dir, "a-truncated-2026-11-27.jsonl.gz")
	notGzip := filepath.Join(dir, "b-plain-2026-11-27.jsonl.gz")
	if err := os.WriteFile(truncated, gz[:len(gz)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notGzip, []byte("this file is not gzip at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "c-locked")
	files := []logs.File{{Path: good}, {Path: notGzip}, {Path: truncated}}
	a, err := Analyze(context.Background(), files, Options{
		From: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
		Location: time.UTC, Workers: 3,
		Unreadable: []logs.FileError{{Path: locked, Err: &fs.PathError{Op: "open", Path: locked, Err: fs.ErrPermission}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, reason string }{{truncated, "unexpected EOF"}, {notGzip, "gzip"}, {locked, "permission denied"}}
	if len(a.FileErrors) != len(want) {
		t.Fatalf("file errors %q, want %d", a.FileErrors, len(want))
	}
	for i, w := range want {
		e := a.FileErrors[i]
		if !strings.HasPrefix(e, w.path+": ") || strings.Count(e, w.path) != 1 || !strings.Contains(e, w.reason) {
			t.Errorf("file error %d = %q, want %s once, first, with %q", i, e, w.path, w.reason)
		}
	}
	if a.ErrorsTotal < 1 {
		t.Errorf("the readable file was not analysed: %d errors", a.ErrorsTotal)
	}
}

// gzipped returns data compressed as a .gz file holds it.
func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
