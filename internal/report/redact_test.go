package report

import (
	"encoding/json"
	"html"
	"os"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"listed secret", "connect with s3cr3t-value now", []string{"s3cr3t-value"}, "connect with [REDACTED] now"},
		{"every occurrence", "ab12cd ab12cd", []string{"ab12cd"}, "[REDACTED] [REDACTED]"},
		{"longest secret wins", "key hunter2hunter2", []string{"hunter2", "hunter2hunter2"}, "key [REDACTED]"},
		{"short values are not secrets", "a abc abcd", []string{"abc", "", "abcd"}, "a abc [REDACTED]"},
		{"password=", "login password=hunter22 ok", nil, "login password=[REDACTED] ok"},
		{"env style", "DB_PASSWORD='x9y8z7' set", nil, "DB_PASSWORD='[REDACTED]' set"},
		{"json style", `{"api_key": "AKIA123", "user": "bob"}`, nil, `{"api_key": "[REDACTED]", "user": "bob"}`},
		{"query token", "GET /api?user=1&access_token=abc.def&x=2", nil, "GET /api?user=1&access_token=[REDACTED]&x=2"},
		{"bearer", "Authorization: Bearer eyJhbGciOi.J9.x-y_z", nil, "Authorization: Bearer [REDACTED]"},
		{"basic", "authorization=Basic dXNlcjpwYXNz", nil, "authorization=Basic [REDACTED]"},
		{"url userinfo", "postgres://app:pa55w0rd@db:5432/x", nil, "postgres://app:[REDACTED]@db:5432/x"},
		{"prose untouched", "Failed password for root from 203.0.113.7", nil, "Failed password for root from 203.0.113.7"},
		{"idempotent", "password=[REDACTED] Bearer [REDACTED]", nil, "password=[REDACTED] Bearer [REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in, tt.secrets); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

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
		if !strings.Contains(out, Redacted) {
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

func FuzzRedact(f *testing.F) {
	f.Add("password=hunter22 and s3cr3t", "s3cr3t")
	f.Add("Bearer abc.def and a tok_1234 token", "tok_1234")
	f.Add("https://u:p@h/ x=1", "zzzz")
	f.Add("abab abab", "abab")
	f.Fuzz(func(t *testing.T, s, secret string) {
		got := Redact(s, []string{secret})
		// A secret sharing characters with "[REDACTED]" can be rebuilt
		// from the marker and its neighbours; every other must be gone.
		if len(secret) >= MinSecretLen && !strings.ContainsAny(secret, "[]REDACT") && strings.Contains(got, secret) {
			t.Errorf("Redact(%q, %q) = %q still holds the secret", s, secret, got)
		}
		if again := Redact(got, []string{secret}); !strings.ContainsAny(secret, "[]REDACT") && again != got {
			t.Errorf("Redact is not idempotent: %q then %q", got, again)
		}
	})
}
