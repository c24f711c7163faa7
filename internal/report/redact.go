package report

import (
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// redactor applies the redaction layer (internal/redact) to a whole run.
type redactor struct {
	r *redact.Redactor
}

func newRedactor(secrets []string) *redactor {
	return &redactor{r: redact.New(secrets)}
}

func (r *redactor) str(s string) string { return r.r.String(s) }

// output is the last pass over a rendered report: a listed secret that
// only the rendering put together (say, a secret that is also a word of
// the template) still never leaves the package.
func (r *redactor) output(b []byte) []byte { return r.r.Listed(b) }

// strs redacts each string; nil becomes empty, for the JSON schema.
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
			Severity:       f.Severity, // a closed vocabulary: it holds no secret
			Message:        r.str(f.Message),
			Evidence:       r.str(f.Evidence),
			Recommendation: r.str(f.Recommendation),
		}
	}
	out.Actions = r.strs(in.Actions)
	out.Metrics = make(map[string]runbook.Metric, len(in.Metrics))
	for k, m := range in.Metrics {
		out.Metrics[r.str(k)] = runbook.Metric{Value: m.Value, Unit: r.str(m.Unit), Headline: m.Headline}
	}
	return out
}
