package report

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// view is what Markdown and HTML both show, computed once from an already
// redacted run so the two formats cannot drift apart.
type view struct {
	Title       string
	Status      string
	RunID       string
	Host        string
	ToolVersion string
	DryRun      bool

	Start, End, Duration, Window, Downtime string

	Activities      []activity
	Issues          []issueGroup
	Actions         []located
	Summary         []labelled
	StepMetrics     []stepMetric
	Recommendations []string
	NextScheduled   string
	Special         []string
	Operator        string
	Generated       string
}

type activity struct {
	Done   bool
	Label  string
	Status string // the raw status, for colour
	Detail string // "warn (3 findings)", "skipped: no npm", "not run"
	Steps  []stepLine
}

type stepLine struct {
	Name, Status, Detail string
}

type issueGroup struct {
	Severity string
	Items    []issue
}

type issue struct {
	Where, Message, Evidence string
}

type located struct {
	Where, Text string
}

type labelled struct {
	Label, Value string
}

type stepMetric struct {
	Phase, Step, Name, Value, Unit string
}

func buildView(run *runbook.Run) *view {
	v := &view{
		Title:           "Weekly Maintenance Report - " + formatDate(run.StartedAt),
		Status:          string(run.Status),
		RunID:           run.RunID,
		Host:            run.Host,
		ToolVersion:     run.ToolVersion,
		DryRun:          run.DryRun,
		Start:           formatTime(run.StartedAt),
		End:             formatTime(run.FinishedAt),
		Duration:        formatSpan(run.StartedAt, run.FinishedAt),
		Window:          formatWindow(run.Window),
		Downtime:        formatDowntime(run.DowntimeSeconds),
		Activities:      activities(run.Phases),
		Issues:          issues(run.Phases),
		Summary:         summary(run.Metrics),
		Recommendations: run.Recommendations,
		NextScheduled:   formatTime(run.NextMaintenance),
		Operator:        orNA(run.Operator),
		Generated:       formatTime(run.FinishedAt),
	}
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			where := p.Name + "/" + s.Name
			for _, a := range s.Actions {
				v.Actions = append(v.Actions, located{where, a})
			}
			if s.Undone {
				v.Actions = append(v.Actions, located{where, "undone (reverted after the step failed or was interrupted)"})
			}
			for _, name := range slices.Sorted(maps.Keys(s.Metrics)) {
				m := s.Metrics[name]
				v.StepMetrics = append(v.StepMetrics, stepMetric{p.Name, s.Name, name, formatNumber(m.Value), m.Unit})
			}
			if s.Status == runbook.StatusPostponed {
				v.Special = append(v.Special, postponedLine(where, s.Note))
			}
		}
	}
	return v
}

func postponedLine(where, note string) string {
	if note == "" {
		return "run postponed step " + where
	}
	return "run postponed step " + where + " (" + note + ")"
}

// templateLines maps phase names to the seed template's checklist, in the
// template's order, with the pre/post verification around it.
var templateLines = []struct{ phase, label string }{
	{"preflight", "Pre-maintenance verification"},
	{"updates", "System updates and security patches"},
	{"database", "Database maintenance and optimization"},
	{"logs", "Log analysis and cleanup"},
	{"performance", "Performance analysis"},
	{"security", "Security review"},
	{"backups", "Backup verification"},
	{"postflight", "Post-maintenance verification"},
}

// activities lists the phases in the order they ran, then the template
// lines no phase of this run covered, so the checklist is always complete.
func activities(phases []runbook.PhaseResult) []activity {
	seen := map[string]bool{}
	var out []activity
	for _, p := range phases {
		seen[p.Name] = true
		a := activity{
			Done:   p.Status == runbook.StatusOK || p.Status == runbook.StatusWarn,
			Label:  phaseLabel(p),
			Status: string(p.Status),
			Detail: phaseDetail(p),
		}
		for _, s := range p.Steps {
			a.Steps = append(a.Steps, stepLine{s.Name, string(s.Status), stepDetail(s)})
		}
		out = append(out, a)
	}
	for _, t := range templateLines {
		if !seen[t.phase] {
			out = append(out, activity{Label: t.label, Status: "not-run", Detail: "not run"})
		}
	}
	return out
}

func phaseLabel(p runbook.PhaseResult) string {
	for _, t := range templateLines {
		if t.phase == p.Name {
			return t.label
		}
	}
	if p.Title != "" {
		return p.Title
	}
	return p.Name
}

func phaseDetail(p runbook.PhaseResult) string {
	n := 0
	note := ""
	for _, s := range p.Steps {
		n += len(s.Findings)
		if note == "" && s.Status == p.Status {
			note = s.Note
		}
	}
	switch {
	case (p.Status == runbook.StatusSkipped || p.Status == runbook.StatusPostponed) && note != "":
		return string(p.Status) + ": " + note
	case n > 0 && (p.Status == runbook.StatusWarn || p.Status == runbook.StatusFail):
		return fmt.Sprintf("%s (%s)", p.Status, plural(n, "finding"))
	}
	return string(p.Status)
}

func stepDetail(s runbook.StepResult) string {
	d := string(s.Status)
	if s.Note != "" {
		d += ": " + s.Note
	}
	if len(s.Findings) > 0 {
		d += " (" + plural(len(s.Findings), "finding") + ")"
	}
	if s.DurationSeconds > 0 {
		d += ", " + formatSeconds(s.DurationSeconds)
	}
	if s.Error != "" {
		d += "; error: " + s.Error
	}
	if s.Undone {
		d += "; undone"
	}
	return d
}

// issues groups every finding by severity, worst first; a step's error is
// a critical issue even when the step recorded no finding for it.
func issues(phases []runbook.PhaseResult) []issueGroup {
	bySev := map[runbook.Severity][]issue{}
	for _, p := range phases {
		for _, s := range p.Steps {
			where := p.Name + "/" + s.Name
			if s.Error != "" {
				bySev[runbook.Critical] = append(bySev[runbook.Critical], issue{where, "step error: " + s.Error, ""})
			}
			for _, f := range s.Findings {
				bySev[f.Severity] = append(bySev[f.Severity], issue{where, f.Message, f.Evidence})
			}
		}
	}
	// Severities are ordered least severe first: the report wants the
	// reverse.
	order := slices.Sorted(maps.Keys(bySev))
	slices.Reverse(order)
	out := make([]issueGroup, 0, len(order))
	for _, sev := range order {
		out = append(out, issueGroup{sev.String(), bySev[sev]})
	}
	return out
}

// summary is the template's "Performance Metrics" list, then any other
// run-level metric so nothing measured is left out of the report.
func summary(m map[string]float64) []labelled {
	value := func(name string, format func(float64) string) string {
		if x, ok := m[name]; ok {
			return format(x)
		}
		return "n/a"
	}
	out := []labelled{
		{"Database Size", value(runbook.HeadlineDatabaseSizeBytes, formatBytes)},
		{"Average CPU Usage", value(runbook.HeadlineCPUAvgPercent, formatPercent)},
		{"Average Memory Usage", value(runbook.HeadlineMemoryAvgPercent, formatPercent)},
		{"Error Count", value(runbook.HeadlineErrorsLastWeek, formatCount("in the last 7 days"))},
		{"Work Orders", value(runbook.HeadlineWorkOrders, formatNumber)},
		{"Dispensers", value(runbook.HeadlineDispensers, formatNumber)},
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(runbook.Headlines, name) {
			out = append(out, labelled{name, formatNumber(m[name])})
		}
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
