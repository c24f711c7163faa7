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

// run returns a deep copy of in with every string redacted, every nil
// slice or map made empty, so the JSON schema never shows null, and an
// empty status filled in (a step's is ok, as the engine reads it; a
// phase's the worst of its steps'), so it never shows "status": "".
func (r *redactor) run(in *runbook.Run) *runbook.Run {
	out := *in
	out.SchemaVersion = runbook.SchemaVersion
	out.RunID, out.Host, out.Root = r.str(in.RunID), r.str(in.Host), r.str(in.Root)
	out.RollbackPoint = r.str(in.RollbackPoint)
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
	out.Overrun = r.overrun(in.Overrun)
	out.WeekOverWeek = r.weekOverWeek(in.WeekOverWeek)
	return &out
}

func (r *redactor) phase(in runbook.PhaseResult) runbook.PhaseResult {
	out := in
	out.Name, out.Title = r.str(in.Name), r.str(in.Title)
	out.Status = runbook.Status(r.str(string(in.Status)))
	out.Steps = make([]runbook.StepResult, len(in.Steps))
	worst := runbook.StatusOK
	for i, s := range in.Steps {
		out.Steps[i] = r.step(s)
		worst = runbook.Worse(worst, out.Steps[i].Status)
	}
	if out.Status == "" {
		out.Status = worst
	}
	return out
}

func (r *redactor) step(in runbook.StepResult) runbook.StepResult {
	out := in
	out.Name, out.Error, out.Note = r.str(in.Name), r.str(in.Error), r.str(in.Note)
	out.Kind = runbook.Kind(r.str(string(in.Kind)))
	out.Status = runbook.Status(r.str(string(in.Status)))
	if out.Status == "" {
		out.Status = runbook.StatusOK
	}
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
	out.Tallies = nil
	for _, t := range in.Tallies {
		t.Verb, t.Object = r.str(t.Verb), r.str(t.Object)
		out.Tallies = append(out.Tallies, t)
	}
	out.Series = nil
	for _, se := range in.Series {
		out.Series = append(out.Series, runbook.Series{
			Name: r.str(se.Name), Unit: r.str(se.Unit),
			Points: append(make([]runbook.Point, 0, len(se.Points)), se.Points...),
		})
	}
	out.Tables = nil
	for _, t := range in.Tables {
		rt := runbook.Table{Title: r.str(t.Title), Columns: r.strs(t.Columns), Note: r.str(t.Note)}
		for _, row := range t.Rows {
			rt.Rows = append(rt.Rows, r.strs(row))
		}
		out.Tables = append(out.Tables, rt)
	}
	return out
}

// overrun copies the overrun outcome with its texts redacted: a failed
// notification's error may quote the URL it was sent to.
func (r *redactor) overrun(in *runbook.OverrunOutcome) *runbook.OverrunOutcome {
	if in == nil {
		return nil
	}
	out := *in
	out.Policy = runbook.OverrunPolicy(r.str(string(in.Policy)))
	out.Reason = r.str(in.Reason)
	out.Postponed = r.strs(in.Postponed)
	out.Notifications = make([]runbook.Notification, len(in.Notifications))
	for i, n := range in.Notifications {
		n.Event, n.Message, n.Error = r.str(n.Event), r.str(n.Message), r.str(n.Error)
		out.Notifications[i] = n
	}
	return &out
}
