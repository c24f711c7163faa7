package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func f64(x float64) *float64 { return &x }

// weekRun is the sample run with last week's values: every kind of
// change (up, down, none, a measure one week lacks, a percentage, a
// latency) and an endpoint name that is a secret.
func weekRun(t *testing.T) *runbook.Run {
	run := sampleRun(t)
	run.WeekOverWeek = &runbook.WeekOverWeek{
		PreviousRunID:     "20261128-080000-cd34",
		PreviousStartedAt: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC),
		Measures: []runbook.Compared{
			{Name: "database_size_bytes", Unit: "bytes", Current: f64(524288000), Previous: f64(503316480)},
			{Name: "work_orders", Unit: "rows", Current: f64(1234), Previous: f64(1100)},
			{Name: "dispensers", Unit: "rows", Current: f64(56), Previous: f64(56)},
			{Name: "freelist_percent", Unit: "%", Current: f64(12.5), Previous: f64(20)},
			{Name: "errors_last_week", Unit: "count", Current: f64(137), Previous: f64(0)},
			{Name: "failed_logins_last_week", Unit: "count", Current: f64(40), Previous: f64(50)},
			{Name: "downtime_seconds", Unit: "s", Current: f64(4.37), Previous: nil},
			{Name: "latency_p95_seconds:work-orders", Unit: "s", Current: f64(0.0123), Previous: f64(0.0101)},
			{Name: "latency_p95_seconds:hunter2", Unit: "s", Current: f64(math.Inf(1)), Previous: f64(0.02)},
		},
	}
	return run
}

// The Performance Metrics section shows each measure next to last week's
// with the change (golden testdata/weekoverweek.md); the HTML has the same
// table, and the JSON report keeps the raw values.
func TestWeekOverWeek(t *testing.T) {
	opts := Options{Secrets: []string{"hunter2"}}
	md := renderString(t, FormatMarkdown, weekRun(t), opts)
	start := strings.Index(md, "\n### Week over week\n")
	end := strings.Index(md, "\n## Recommendations")
	if start < 0 || end < start || !strings.Contains(md[:start], "## Performance Metrics") {
		t.Fatalf("no week-over-week table in Performance Metrics:\n%s", md)
	}
	got := md[start+1 : end]
	path := filepath.Join("testdata", "weekoverweek.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file; run go test -update and review the diff\ngot:\n%s", path, got)
	}

	html := renderString(t, FormatHTML, weekRun(t), opts)
	for _, w := range []string{"<h3>Week over week</h3>", `<tr><th>Work Orders</th><td class="num">1,234</td><td class="num">1,100</td><td class="num">&#43;134 (&#43;12%)</td></tr>`} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	for name, doc := range map[string]string{"markdown": md, "html": html} {
		if strings.Contains(doc, "hunter2") {
			t.Errorf("%s shows a secret", name)
		}
	}

	var back runbook.Run
	if err := json.Unmarshal([]byte(renderString(t, FormatJSON, weekRun(t), opts)), &back); err != nil {
		t.Fatalf("the JSON report does not decode: %v", err)
	}
	w := back.WeekOverWeek
	if w == nil || w.PreviousRunID != "20261128-080000-cd34" || len(w.Measures) != 9 || *w.Measures[1].Previous != 1100 ||
		w.Measures[6].Previous != nil || w.Measures[8].Current != nil {
		t.Errorf("JSON week_over_week = %+v", w)
	}

	// A run with no earlier run has no table.
	if md := renderString(t, FormatMarkdown, sampleRun(t), Options{}); strings.Contains(md, "Week over week") {
		t.Error("a run without a previous one shows a week-over-week table")
	}
}
