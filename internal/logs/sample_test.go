package logs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sharedSample is the team's two-day FossaWork log sample; it lives outside
// the repository, so the test skips where it is absent.
const sharedSample = "../../../shared/testdata/fossawork-logs"

// TestSharedSampleTruth reconciles our counts with the generator's truth.json.
// "lines" there counts record lines: every line that starts an entry, the two
// truncated JSON lines included, but not the 36 traceback continuation lines
// (the files hold 1983 physical lines). "errors" counts records at ERROR or
// above; its note says it includes the lines later truncated, but in this
// sample both truncated lines are INFO records, so all 89 errors parse and
// the malformed lines add none.
func TestSharedSampleTruth(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedSample, "truth.json"))
	if os.IsNotExist(err) {
		t.Skipf("shared sample not present at %s", sharedSample)
	}
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Errors       int   `json:"errors"`
		AuthFailures int   `json:"auth_failures"`
		Lines        int   `json:"lines"`
		Malformed    int   `json:"malformed"`
		Bytes        int64 `json:"bytes"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	files, err := Discover(context.Background(), filepath.Join(sharedSample, "logs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The sample's dates are those of the day it was made: pass the window
	// explicitly rather than relying on today's date.
	from := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	s, err := Summarize(context.Background(), files, SummaryOptions{From: from, To: from.AddDate(0, 0, 2), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 8 || s.FilesRead != 8 || len(s.FileErrors) != 0 {
		t.Fatalf("files: %d discovered, %d read, errors %v", len(files), s.FilesRead, s.FileErrors)
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"errors (>= ERROR)", int64(s.Errors), int64(truth.Errors)},
		{"auth failures", int64(s.AuthFailures), int64(truth.AuthFailures)},
		{"record lines (entries + malformed)", int64(s.Entries + s.MalformedLines), int64(truth.Lines)},
		{"malformed", int64(s.MalformedLines), int64(truth.Malformed)},
		{"bytes", s.BytesRead, truth.Bytes},
		{"all entries in window", int64(s.InWindow), int64(s.Entries)},
		{"continuation lines", int64(s.Continuations), 36},
		{"physical lines", int64(s.Lines), 1983},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	t.Logf("entries %d, by level %v, top %q x%d, auth by ip %v, malformed %+v",
		s.Entries, s.ByLevel, s.TopMessages[0].Pattern, s.TopMessages[0].Count, s.AuthFailuresByIP, s.Malformed)
}
