package report

import (
	"encoding/json"
	"html"
	"os"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// secrets are chosen to be changed by HTML and JSON escaping too, so a
// leak in escaped form would be caught.
var testSecrets = []string{"s3cr3t-env-value", "tok_ABCDEF123456", `p@ss<w>&'d"x`, "fossa-prod-1"}

func TestSecretsNeverInReports(t *testing.T) {
	run := sampleRun(t)
	put := func(i int) string { return "before " + testSecrets[i%len(testSecrets)] + " after" }
	run.Operator, run.RunID, run.ToolVersion = put(0), put(1), put(2)
	run.Recommendations = append(run.Recommendations, put(2))
	run.Metrics[put(1)] = 1
	for i := range run.Phases {
		p := &run.Phases[i]
		p.Title = put(i)
		for j := range p.Steps {
			s := &p.Steps[j]
			s.Note, s.Error = put(i+j), put(i+j+1)
			s.Finding(runbook.Info, put(i+j+2), "%s", put(i+j+3))
			s.Finding(runbook.Info, "password=hunter22 Bearer abc.def.ghi https://u:pw9876@h/", "token=zyx987")
			s.Action("%s", put(i+j))
			s.Metric(put(j), 1, put(i))
		}
	}
	inline := []string{"hunter22", "abc.def.ghi", "pw9876", "zyx987"}

	dir := t.TempDir()
	paths, err := Write(t.Context(), dir, run, Options{Secrets: testSecrets})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{paths.Markdown, paths.JSON, paths.HTML} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		for _, s := range append(escapedForms(testSecrets), inline...) {
			if strings.Contains(out, s) {
				t.Errorf("%s contains secret %q", path, s)
			}
		}
		if !strings.Contains(out, redact.Marker) {
			t.Errorf("%s shows no redaction at all", path)
		}
	}
}

func escapedForms(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		j, _ := json.Marshal(s)
		out = append(out, s, html.EscapeString(s), strings.Trim(string(j), `"`), mdText(s))
	}
	return out
}

func TestRedactDoesNotChangeCallerRun(t *testing.T) {
	run := sampleRun(t)
	run.Operator = testSecrets[0]
	if out := renderString(t, FormatMarkdown, run, Options{Secrets: testSecrets}); strings.Contains(out, testSecrets[0]) {
		t.Fatal("secret in report")
	}
	if run.Operator != testSecrets[0] {
		t.Error("Render redacted the caller's run in place")
	}
}

// Redaction keeps every field of a finding and a metric it does not
// redact: the JSON report carried no per-finding recommendation and no
// headline mark.
func TestRedactKeepsRecommendationsAndHeadlines(t *testing.T) {
	run := &runbook.Run{RunID: "r", Phases: []runbook.PhaseResult{{Name: "database", Steps: []runbook.StepResult{{Name: "stats"}}}}}
	st := &run.Phases[0].Steps[0]
	st.Finding(runbook.Warning, "evidence", "disk is full")
	st.Recommend("Free space on /var.")
	st.Headline(runbook.HeadlineDatabaseSizeBytes, 42, "bytes")
	out := renderString(t, FormatJSON, run, Options{})
	var back runbook.Run
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	got := back.Phases[0].Steps[0]
	if len(got.Findings) != 1 || got.Findings[0].Recommendation != "Free space on /var." {
		t.Errorf("finding after rendering: %+v", got.Findings)
	}
	if m := got.Metrics[runbook.HeadlineDatabaseSizeBytes]; !m.Headline || m.Value != 42 {
		t.Errorf("headline metric after rendering: %+v", m)
	}
}
