package report

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// Redacted replaces every secret in rendered output.
const Redacted = "[REDACTED]"

// MinSecretLen is the shortest value treated as a secret: shorter ones
// would blank out ordinary words and numbers all over the report.
const MinSecretLen = 4

// inlineSecrets catch secrets nobody listed: values that a log line or a
// command line labels as secret. Each runs only on strings holding its
// trigger word, which keeps redaction off the profile of a big report.
var inlineSecrets = []struct {
	triggers []string // lower case; any one must occur
	re       *regexp.Regexp
	repl     string
}{
	// password=x, DB_PASSWORD: "x", github_token=x, api-key=x, ...
	{
		[]string{"pass", "pwd", "secret", "token", "key"},
		regexp.MustCompile(`(?i)((?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[\w.-]*["']?\s*[:=]\s*["']?)[^\s"'&,;]+`),
		"${1}" + Redacted,
	},
	{[]string{"bearer"}, regexp.MustCompile(`(?i)(\bbearer\s+)[\w.~+/=-]+`), "${1}" + Redacted},
	{[]string{"authorization"}, regexp.MustCompile(`(?i)(\bauthorization\s*[:=]\s*(?:basic|digest)\s+)[\w.~+/=-]+`), "${1}" + Redacted},
	// scheme://user:password@host
	{[]string{"://"}, regexp.MustCompile(`(://[^/\s:@]+:)[^/\s@]+@`), "${1}" + Redacted + "@"},
}

// Redact returns s with every occurrence of a secret (of at least
// MinSecretLen bytes) and every inline labelled secret replaced by
// Redacted.
func Redact(s string, secrets []string) string {
	return newRedactor(secrets).str(s)
}

// redactor holds the secrets prepared once for a whole report.
type redactor struct {
	secrets *strings.Replacer // nil when there are no secrets
}

func newRedactor(secrets []string) *redactor {
	var keep []string
	for _, s := range secrets {
		if len(s) >= MinSecretLen {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return &redactor{}
	}
	// Longest first: at one position the Replacer takes the first pair
	// that matches, and a secret containing another must win whole.
	slices.SortFunc(keep, func(a, b string) int {
		return cmp.Or(len(b)-len(a), strings.Compare(a, b))
	})
	keep = slices.Compact(keep)
	pairs := make([]string, 0, 2*len(keep))
	for _, s := range keep {
		pairs = append(pairs, s, Redacted)
	}
	return &redactor{secrets: strings.NewReplacer(pairs...)}
}

func (r *redactor) str(s string) string {
	if r.secrets != nil {
		s = r.secrets.Replace(s)
	}
	lower := strings.ToLower(s)
	for _, p := range inlineSecrets {
		if slices.ContainsFunc(p.triggers, func(t string) bool { return strings.Contains(lower, t) }) {
			s = p.re.ReplaceAllString(s, p.repl)
		}
	}
	return s
}

// output is the last pass over a rendered report: a listed secret that
// only the rendering put together (say, a secret that is also a word of
// the template) still never leaves the package.
func (r *redactor) output(b []byte) []byte {
	if r.secrets == nil {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b))
	_, _ = r.secrets.WriteString(&out, string(b))
	return out.Bytes()
}

func (r *redactor) strs(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = r.str(s)
	}
	return out
}

// run returns a deep copy of in with every string redacted and every nil
// slice or map made empty, so the JSON schema never shows null.
func (r *redactor) run(in *runbook.Run) *runbook.Run {
	out := *in
	out.RunID, out.Host = r.str(in.RunID), r.str(in.Host)
	out.Operator, out.ToolVersion = r.str(in.Operator), r.str(in.ToolVersion)
	out.Status = runbook.RunStatus(r.str(string(in.Status)))
	out.Phases = make([]runbook.PhaseResult, len(in.Phases))
	for i, p := range in.Phases {
		out.Phases[i] = r.phase(p)
	}
	out.Metrics = make(map[string]float64, len(in.Metrics))
	for k, v := range in.Metrics {
		out.Metrics[r.str(k)] = v
	}
	out.Recommendations = r.strs(in.Recommendations)
	return &out
}

func (r *redactor) phase(in runbook.PhaseResult) runbook.PhaseResult {
	out := in
	out.Name, out.Title = r.str(in.Name), r.str(in.Title)
	out.Status = runbook.Status(r.str(string(in.Status)))
	out.Steps = make([]runbook.StepResult, len(in.Steps))
	for i, s := range in.Steps {
		out.Steps[i] = r.step(s)
	}
	return out
}

func (r *redactor) step(in runbook.StepResult) runbook.StepResult {
	out := in
	out.Name, out.Error, out.Note = r.str(in.Name), r.str(in.Error), r.str(in.Note)
	out.Kind = runbook.Kind(r.str(string(in.Kind)))
	out.Status = runbook.Status(r.str(string(in.Status)))
	out.Findings = make([]runbook.Finding, len(in.Findings))
	for i, f := range in.Findings {
		out.Findings[i] = runbook.Finding{
			Severity: runbook.Severity(r.str(string(f.Severity))),
			Message:  r.str(f.Message),
			Evidence: r.str(f.Evidence),
		}
	}
	out.Actions = r.strs(in.Actions)
	out.Metrics = make(map[string]runbook.Metric, len(in.Metrics))
	for k, m := range in.Metrics {
		out.Metrics[r.str(k)] = runbook.Metric{Value: m.Value, Unit: r.str(m.Unit)}
	}
	return out
}
